"""Demo data for finance (plans, a Kenyan family's subscription and payment history)."""


def seed(stdout=None) -> None:
    return None
