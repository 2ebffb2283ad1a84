"""The parents' dashboard: pages that compose the apps below for a parent."""
