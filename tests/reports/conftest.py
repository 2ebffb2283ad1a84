"""Fixtures of the report pages' tests (tests/reports/pages_kit.py)."""

from tests.reports.pages_kit import fake_job, family  # noqa: F401
