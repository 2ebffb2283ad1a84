"""Every write messaging makes, one module per area (conversations, messages, safeguarding ...).

Services take the acting user and plain values, check policy, write inside a transaction,
audit, and record what the write leads to (pushes, notifications, translations) as outbox
entries in that transaction (`delivery`, `hub.outbox`); workers carry them out. They raise `MessagingError` (shown to the
person as a form error), `PermissionDenied` or `Http404`; they never read a request.
"""


class MessagingError(Exception):
    """A refusal the person can act on; `str(error)` is a sentence to show them."""


class ConversationClosed(MessagingError):
    pass


class RetractWindowPassed(MessagingError):
    pass


class AttachmentRejected(MessagingError):
    pass
