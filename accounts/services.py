"""Writes for people and sign-in. Each takes plain values (never a request)."""

from django.db import transaction

from accounts import audit
from accounts.models import LoginAttempt, User


def login_attempt_record(
    *, email: str, outcome: str, ip_address: str | None, user_agent: str, user: User | None = None, town: str = ""
) -> LoginAttempt:
    """Keep one sign-in attempt. An unknown email is kept too (it shows someone guessing)."""
    if user is None and email:
        user = User.objects.filter(email__iexact=email.strip()).first()
    return LoginAttempt.objects.create(
        user=user,
        email_entered=(email or getattr(user, "email", ""))[:254],
        outcome=outcome,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400],
        town=(town or "")[:100],
    )


@transaction.atomic
def preferences_update(*, user: User, **changes) -> User:
    """Save the person's own preferences (language, time zone, simplified interface)."""
    allowed = {"preferred_language", "time_zone", "simplified_interface", "display_name", "phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Not a preference: {', '.join(sorted(unknown))}")
    before = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    changed = {name: [before[name], value] for name, value in changes.items() if before[name] != value}
    if changed:
        audit.record(actor=user, action="user.preferences_changed", target=user, changed=sorted(changed))
    return user
