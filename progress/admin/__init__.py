"""Django admin for progress: one module per part (school-scoped, audited)."""

from progress.admin import goals, insights, records  # noqa: F401
