import pytest

from tests.parents.family import seed_family
from tests.reports.pages_kit import fake_job, household  # noqa: F401  (the report pages' tests)
from tests.reports.reporting import TODAY


@pytest.fixture
def family(db):
    return seed_family(children=2, days=45, label="rep", today=TODAY)
