"""Admin for this part of progress."""
