"""Demo data for progress: the story a new user should see (filled in by the demo work)."""


def seed(stdout=None) -> None:
    pass
