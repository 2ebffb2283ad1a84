"""The one place messaging calls the notifications engine (messaging.notifications.notify, notify_many).

Kept thin so the call sites stay stable while notifications evolve; tests replace `notify`.
"""


def notify(
    *,
    user,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    pupil=None,
    urgent: bool = False,
    target=None,
    repeat_title=None,
):
    from messaging.notifications import notify as notifications_notify

    return notifications_notify(
        user=user,
        kind=kind,
        title=title,
        body=body,
        url=url,
        pupil=pupil,
        urgent=urgent,
        target=target,
        repeat_title=repeat_title,
    )


def notify_many(
    *,
    users,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    pupil=None,
    urgent: bool = False,
    target=None,
    repeat_title=None,
    push_badges: bool = True,
    audience_checked: bool = False,
    awaiting_translation=(),
):
    from messaging.notifications import notify_many as notifications_notify_many

    return notifications_notify_many(
        users=users,
        kind=kind,
        title=title,
        body=body,
        url=url,
        pupil=pupil,
        urgent=urgent,
        target=target,
        repeat_title=repeat_title,
        push_badges=push_badges,
        audience_checked=audience_checked,
        awaiting_translation=awaiting_translation,
    )


def notifications_retitle(*, target, language: str, original: str, translated: str) -> int:
    from messaging.notifications import notifications_retitle as retitle

    return retitle(target=target, language=language, original=original, translated=translated)
