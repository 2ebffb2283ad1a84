"""Message templates: starting points for common messages with named fields ({date}, {pupil}).

A school edits its own templates in Django admin; a school with none yet is offered the
built-in set below (and an admin action copies them in to edit).
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.models import School
from messaging.models import MessageTemplate

FIELD = re.compile(r"\{(\w{1,40})\}")

Purpose = MessageTemplate.Purpose

BUILT_IN = [
    (
        Purpose.ABSENCE,
        _("Reporting an absence"),
        _("{pupil} will not be in school on {date} because {reason}. We expect them back on {return_date}."),
        True,
        False,
    ),
    (
        Purpose.MEETING,
        _("Asking for a meeting"),
        _("Could we meet to talk about {topic}? I am free on {times}."),
        True,
        True,
    ),
    (
        Purpose.PRAISE,
        _("Praise"),
        _("We wanted to share that {pupil} {achievement}. Well done!"),
        False,
        True,
    ),
    (
        Purpose.CONCERN,
        _("A concern"),
        _("I am writing about a concern: {concern}. Since {since} we have noticed {details}."),
        True,
        True,
    ),
]


@dataclass(frozen=True)
class TemplateChoice:
    key: str
    purpose: str
    title: str
    body: str

    @property
    def fields(self) -> list[str]:
        return template_fields(self.body)


def template_fields(body: str) -> list[str]:
    """The field names in `body`, in order of first appearance."""
    seen = []
    for name in FIELD.findall(body):
        if name not in seen:
            seen.append(name)
    return seen


def template_fill(body: str, values: dict[str, str]) -> str:
    """`body` with each {field} replaced by its value; unknown fields stay as written.

    Only plain {name} fields are recognised, never attribute or index lookups.
    """
    return FIELD.sub(lambda match: str(values.get(match.group(1), match.group(0))), body)


def templates_offered(*, school: School, staff_side: bool) -> list[TemplateChoice]:
    """The templates this school offers the writer's side (families or staff)."""
    rows = MessageTemplate.objects.filter(school=school)
    if rows.exists():
        flag = {"for_staff": True} if staff_side else {"for_guardians": True}
        return [
            TemplateChoice(f"t{row.pk}", row.purpose, row.title, row.body)
            for row in rows.filter(is_active=True, **flag)
        ]
    return [
        TemplateChoice(str(purpose), purpose, str(title), str(body))
        for purpose, title, body, for_guardians, for_staff in BUILT_IN
        if (for_staff if staff_side else for_guardians)
    ]


def template_find(*, school: School, staff_side: bool, key: str) -> TemplateChoice | None:
    return next(
        (choice for choice in templates_offered(school=school, staff_side=staff_side) if choice.key == key), None
    )


@transaction.atomic
def templates_copy_built_in(*, actor, school: School) -> int:
    """Copy the built-in templates into `school` so its admins can edit them; returns how many."""
    made = 0
    for purpose, title, body, for_guardians, for_staff in BUILT_IN:
        _row, created = MessageTemplate.objects.get_or_create(
            school=school,
            purpose=purpose,
            title=str(title),
            defaults={"body": str(body), "for_guardians": for_guardians, "for_staff": for_staff},
        )
        made += created
    audit.record(actor=actor, action="message_templates.copied", target=school, school=school, count=made)
    return made
