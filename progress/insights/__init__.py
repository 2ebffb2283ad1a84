"""Alerts computed from the records, learning patterns, tips and the narrative summary."""
