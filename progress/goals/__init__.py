"""Shared goals, pupil voice and the pupil view, celebrations and portfolio."""
