import pytest

from tests.parents.family import seed_family


@pytest.fixture
def family(db):
    return seed_family(children=2, days=20, label="fx")
