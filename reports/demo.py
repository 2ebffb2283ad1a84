"""Demo data for reports."""


def seed(stdout=None) -> None:
    return None
