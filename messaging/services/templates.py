"""Message templates: starting points for common messages with named fields ({date}, {pupil}).

A school edits its own templates in Django admin; a school with none yet is offered the
built-in set below (and an admin action copies them in to edit).

A writer sees a template in their own language: the built-in ones (and a school's copies still
worded as built) through the gettext catalogue, a school's own through the stored machine
translations (`messaging.translation`, fields registered in `services.translations`). Fields are
typed (a date is a date picker, a reason a choice) with labels in the writer's language, and
what the conversation already knows (the pupil, their class and teacher) is filled in.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.models import ClassGroup, School, User
from hub.compiled_sql import reused_values
from messaging.models import Conversation, MessageTemplate, StoredTranslation
from messaging.translation.languages import normalise

FIELD = re.compile(r"\{(\w{1,40})\}")

Purpose = MessageTemplate.Purpose

# (purpose, title, text, offered to guardians, offered to staff); title and text are message ids,
# translated (gettext) when shown.
BUILT_IN = [
    (
        Purpose.ABSENCE,
        gettext_noop("Reporting an absence"),
        gettext_noop("{pupil} will not be in school on {date} because {reason}. We expect them back on {return_date}."),
        True,
        False,
    ),
    (
        Purpose.MEETING,
        gettext_noop("Asking for a meeting"),
        gettext_noop("Could we meet to talk about {topic}? I am free on {times}."),
        True,
        True,
    ),
    (
        Purpose.PRAISE,
        gettext_noop("Praise"),
        gettext_noop("We wanted to share that {pupil} {achievement}. Well done!"),
        False,
        True,
    ),
    (
        Purpose.CONCERN,
        gettext_noop("A concern"),
        gettext_noop("I am writing about a concern: {concern}. Since {since} we have noticed {details}."),
        True,
        True,
    ),
]

# The built-in wordings: a school's copy still worded so is shown through the catalogue, which a
# person translated, rather than through a machine.
_BUILT_IN_WORDING = frozenset(text for _purpose, title, body, _g, _s in BUILT_IN for text in (title, body))


class Kind:
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    CHOICE = "choice"


# What the conversation can fill in by itself (Conversation → value), never asked for when known.
PUPIL, CLASS, TEACHER = "pupil", "class", "teacher"


@dataclass(frozen=True)
class TemplateField:
    """One field of a template as the writer fills it in: its label and input in their language."""

    name: str
    label: str
    kind: str = Kind.TEXT
    choices: tuple[tuple[str, str], ...] = ()
    context: str = ""  # PUPIL, CLASS or TEACHER: filled in from the conversation when it knows


REASONS = (
    ("ill", _("they are ill")),
    ("appointment", _("they have a medical or dental appointment")),
    ("family", _("of a family emergency")),
    ("religious", _("of a religious festival")),
)

KNOWN_FIELDS = {
    "pupil": TemplateField("pupil", _("Child's name"), context=PUPIL),
    "class": TemplateField("class", _("Class"), context=CLASS),
    "teacher": TemplateField("teacher", _("Teacher"), context=TEACHER),
    "date": TemplateField("date", _("First day of absence"), Kind.DATE),
    "return_date": TemplateField("return_date", _("Day they will be back"), Kind.DATE),
    "since": TemplateField("since", _("Since when"), Kind.DATE),
    "reason": TemplateField("reason", _("Reason"), Kind.CHOICE, REASONS),
    "topic": TemplateField("topic", _("What you would like to talk about")),
    "times": TemplateField("times", _("When you are free")),
    "achievement": TemplateField("achievement", _("What they did")),
    "concern": TemplateField("concern", _("Your concern"), Kind.LONG_TEXT),
    "details": TemplateField("details", _("What you have noticed"), Kind.LONG_TEXT),
}


def field_for(name: str) -> TemplateField:
    """How field `name` is filled in: a known field's type and label; otherwise a date when the
    name says so ({trip_date}), else text, labelled with the name the school wrote."""
    if name in KNOWN_FIELDS:
        return KNOWN_FIELDS[name]
    label = name.replace("_", " ").capitalize()
    if name.endswith("_date") or name.startswith("date_"):
        return TemplateField(name, label, Kind.DATE)
    return TemplateField(name, label)


@dataclass(frozen=True)
class TemplateChoice:
    key: str
    purpose: str
    title: str
    body: str
    # The language `title` and `body` are shown in ("" when shown as the school wrote them).
    language: str = ""
    # Set when `title` and `body` are a machine's translation of what the school wrote.
    machine_translated: bool = False
    context: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> list[TemplateField]:
        return [field_for(name) for name in template_fields(self.body)]

    @property
    def fields_to_ask(self) -> list[TemplateField]:
        """The fields the writer fills in: all but those the conversation already knows."""
        return [spec for spec in self.fields if not (spec.context and self.context.get(spec.name))]

    @property
    def outline(self) -> str:
        """The text with known fields filled in and the others shown by their labels ([Date])."""
        labels = {spec.name: f"[{spec.label}]" for spec in self.fields}
        return template_fill(self.body, {**labels, **self.context})


def template_fields(body: str) -> list[str]:
    """The field names in `body`, in order of first appearance."""
    seen = []
    for name in FIELD.findall(body):
        if name not in seen:
            seen.append(name)
    return seen


def template_fill(body: str, values: dict[str, object]) -> str:
    """`body` with each {field} replaced by its value; unknown fields stay as written. Dates are
    written out in the active language ("3 de diciembre de 2026"); a choice by its label.

    Only plain {name} fields are recognised, never attribute or index lookups.
    """

    def value_of(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if isinstance(value, datetime.date):
            return formats.date_format(value, "DATE_FORMAT")
        spec = field_for(name)
        if spec.kind == Kind.CHOICE:
            return str(dict(spec.choices).get(value, value))
        return str(value)

    return FIELD.sub(value_of, body)


def template_context(*, conversation: Conversation) -> dict[str, str]:
    """What the conversation fills in by itself: the pupil it is about (as they are known), their
    class and its teacher. Empty for a conversation about no pupil."""
    pupil = conversation.pupil
    if pupil is None:
        return {}
    context = {PUPIL: pupil.known_as}
    group = ClassGroup.objects.filter(pupils=pupil).order_by("name").prefetch_related("staff").first()
    if group is not None:
        context[CLASS] = group.name
        teacher = min(group.staff.all(), key=lambda person: person.pk, default=None)
        if teacher is not None:
            context[TEACHER] = str(teacher)
    return context


def _catalogue(text: str) -> str | None:
    """`text` in the active language when it is a built-in wording; None otherwise."""
    return gettext(text) if text in _BUILT_IN_WORDING else None


def _shown_in(row: MessageTemplate, translations: list[StoredTranslation], language: str) -> TemplateChoice:
    title, body = _catalogue(row.title), _catalogue(row.body)
    if title is not None and body is not None:
        return TemplateChoice(f"t{row.pk}", row.purpose, title, body, language=language)
    written_in = normalise(row.language)
    fresh = {
        item.field: item.body
        for item in translations
        if item.body and (item.checked_at or item.created_at >= row.updated_at)
    }
    translated_body = fresh.get("body")
    # A translation that lost one of the fields cannot be filled in: the original is shown instead.
    if translated_body and set(template_fields(translated_body)) != set(template_fields(row.body)):
        translated_body = None
    if written_in == language or not (translated_body or fresh.get("title")):
        return TemplateChoice(f"t{row.pk}", row.purpose, row.title, row.body, language=written_in)
    return TemplateChoice(
        f"t{row.pk}",
        row.purpose,
        fresh.get("title") or row.title,
        translated_body or row.body,
        language=language,
        machine_translated=True,
    )


def templates_to_translate(*, school: School, language: str) -> list[tuple[int, str]]:
    """(template id, field) of the school's active templates whose translation into `language`
    is missing or older than the template: what `templates_offered` shows as written for now."""
    language = normalise(language)
    wanted = []
    for row in MessageTemplate.objects.filter(school=school, is_active=True).prefetch_related("translations"):
        if normalise(row.language) == language or (_catalogue(row.title) and _catalogue(row.body)):
            continue
        fresh = {
            item.field
            for item in row.translations.all()
            if item.language == language and (item.checked_at or item.created_at >= row.updated_at)
        }
        wanted += [(row.pk, name) for name in ("title", "body") if name not in fresh]
    return wanted


def templates_offered(
    *, school: School, staff_side: bool, language: str = "", conversation: Conversation | None = None
) -> list[TemplateChoice]:
    """The templates this school offers the writer's side (families or staff), in `language`
    (the writer's; "" for the active interface language), with what `conversation` fills in."""
    language = normalise(language or get_language()) or "en"
    context = template_context(conversation=conversation) if conversation is not None else {}
    rows = MessageTemplate.objects.filter(school=school)
    # Whether the school has its own (SQL compiled once per process: every thread page asks).
    own = reused_values(
        school.pk,
        shape=("templates.school_has_own",),
        build=lambda school_id: MessageTemplate.objects.filter(school_id=school_id).order_by().values_list("pk")[:1],
    )
    if own:
        flag = {"for_staff": True} if staff_side else {"for_guardians": True}
        offered = rows.filter(is_active=True, **flag).prefetch_related("translations")
        choices = []
        for row in offered:
            translations = [item for item in row.translations.all() if item.language == language]
            choice = _shown_in(row, translations, language)
            choices.append(_with_context(choice, context))
        return choices
    return [
        _with_context(TemplateChoice(str(purpose), purpose, gettext(title), gettext(body), language=language), context)
        for purpose, title, body, for_guardians, for_staff in BUILT_IN
        if (for_staff if staff_side else for_guardians)
    ]


def _with_context(choice: TemplateChoice, context: dict[str, str]) -> TemplateChoice:
    if not context:
        return choice
    return TemplateChoice(
        choice.key,
        choice.purpose,
        choice.title,
        choice.body,
        language=choice.language,
        machine_translated=choice.machine_translated,
        context=context,
    )


def template_find(
    *, school: School, staff_side: bool, key: str, language: str = "", conversation: Conversation | None = None
) -> TemplateChoice | None:
    return next(
        (
            choice
            for choice in templates_offered(
                school=school, staff_side=staff_side, language=language, conversation=conversation
            )
            if choice.key == key
        ),
        None,
    )


def template_translations_queue(*, school: School, language: str) -> int:
    """Ask the translation worker for the school's templates that are not yet (or no longer)
    translated into `language`; returns how many fields were asked for. Idempotent on its side."""
    from messaging.services import language as languages

    wanted = templates_to_translate(school=school, language=language)
    for template_id, name in wanted:
        languages.queue_field_translation("messaging.messagetemplate", template_id, name, normalise(language))
    return len(wanted)


def school_languages(school: School | int) -> set[str]:
    """The languages the school's families and staff read (primary subtags)."""
    school_id = getattr(school, "pk", school)
    codes = (
        User.objects.filter(
            Q(memberships__school_id=school_id, memberships__is_active=True)
            | Q(guardianships__pupil__school_id=school_id)
        )
        .values_list("preferred_language", flat=True)
        .distinct()
    )
    return {normalise(code) for code in codes if code}


def template_saved(*, template: MessageTemplate) -> None:
    """After a school saves a template: ask the worker for it in every language read at the school,
    so writers find it translated the first time. (Opening a template asks again, for a request
    lost on the way.)"""
    if not template.is_active:
        return
    for language in school_languages(template.school_id) - {normalise(template.language)}:
        template_translations_queue(school=template.school, language=language)


@transaction.atomic
def templates_copy_built_in(*, actor: User | None, school: School) -> int:
    """Copy the built-in templates into `school` so its admins can edit them; returns how many.
    Copied in English: while a copy keeps the built-in wording, readers get the catalogue's
    translation of it."""
    made = 0
    for purpose, title, body, for_guardians, for_staff in BUILT_IN:
        _row, created = MessageTemplate.objects.get_or_create(
            school=school,
            purpose=purpose,
            title=title,
            defaults={
                "body": body,
                "for_guardians": for_guardians,
                "for_staff": for_staff,
                "language": "en",
            },
        )
        made += created
    audit.record(actor=actor, action="message_templates.copied", target=school, school=school, count=made)
    return made
