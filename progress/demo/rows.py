"""How the demo writes its rows: once each, under fixed keys, dated back from the school's today."""

import datetime
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone

from accounts.models import School
from progress.goals.milestones import celebration_from_template, find_milestones
from progress.models import (
    Celebration,
    CelebrationTemplate,
    CompetencyJudgement,
    Goal,
    GoalUpdate,
    Milestone,
    MilestoneKind,
    Subject,
)

LEVEL = {"B": "BE", "A": "AE", "M": "ME", "E": "EE"}

# Days back of the three judgement rounds, and what each round's comment says (it is the key).
# The last is over two weeks old, so the levels gained in it are celebrated but are no longer news
# among the alerts (which then show the story: Jabari's week, Neema's goal, Imani's streak).
ROUNDS = [(56, "Start of term"), (37, "Mid-term review"), (17, "Half-term check")]
RECORDED_AT = datetime.time(16, 0)  # when a day's results and judgements were written down


# Urban Home School's own wording of its cards ({milestone} reads like "Completed the goal “…”").
# Riverside keeps none, so its multilingual families read the default card in their own language.
TEMPLATES = {
    MilestoneKind.GOAL_COMPLETED: (
        "Goal reached, {pupil}!",
        "{milestone}. Everyone at home and at school is proud of you.",
    ),
    MilestoneKind.STREAK: ("On a roll, {pupil}!", "{milestone}. Keep it up!"),
    MilestoneKind.LEVEL_GAINED: ("Growing every day", "{milestone}. Well done, {pupil}!"),
    MilestoneKind.AWARD: ("Congratulations, {pupil}!", "{milestone}. Well earned."),
}


def school_today(school: School) -> datetime.date:
    return timezone.localdate(timezone=ZoneInfo(school.time_zone))


def at(school: School, day: datetime.date, time: datetime.time = datetime.time(9, 0)) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=ZoneInfo(school.time_zone))


def subjects_upsert(school: School, names: list[str]) -> dict[str, Subject]:
    subjects = {}
    for position, name in enumerate(names):
        subjects[name], _ = Subject.objects.update_or_create(school=school, name=name, defaults={"position": position})
    return subjects


def templates_create(school: School) -> None:
    # Created once: after that the wording is the school's to edit.
    for kind, (heading, body) in TEMPLATES.items():
        CelebrationTemplate.objects.get_or_create(school=school, kind=kind, defaults={"heading": heading, "body": body})


def sync(model, rows: Iterable[models.Model], *, key: tuple[str, ...], scope: models.QuerySet) -> None:
    """Make each of `rows` (unsaved, every field set, `created_at` too) exist once among `scope`,
    matched on its `key` fields: missing rows are inserted in one query, rows whose other values
    changed are updated in one."""
    existing = {tuple(getattr(row, name) for name in key): row for row in scope}
    values = [
        field.attname for field in model._meta.concrete_fields if not field.primary_key and field.attname not in key
    ]
    missing, changed, changed_fields = [], [], set()
    for row in rows:
        found = existing.get(tuple(getattr(row, name) for name in key))
        if found is None:
            missing.append(row)
            continue
        different = [name for name in values if getattr(found, name) != getattr(row, name)]
        for name in different:
            setattr(found, name, getattr(row, name))
        if different:
            changed.append(found)
            changed_fields.update(different)
    model.objects.bulk_create(missing)
    if changed:
        model.objects.bulk_update(changed, sorted(changed_fields))


def goal_upsert(pupil, title, *, created_by, created_on, **fields) -> Goal:
    goal, _ = Goal.objects.update_or_create(
        pupil=pupil,
        title=title,
        defaults={"created_by": created_by, "created_at": at(pupil.school, created_on), **fields},
    )
    return goal


def updates_upsert(goal: Goal, updates) -> None:
    """Progress updates on `goal`: (days back, author, side, progress, note), matched by their note."""
    today = school_today(goal.pupil.school)
    for days, author, side, progress, note in updates:
        GoalUpdate.objects.update_or_create(
            goal=goal,
            note=note,
            defaults={
                "pupil": goal.pupil,
                "author": author,
                "side": side,
                "progress": progress,
                "created_at": at(goal.pupil.school, today - datetime.timedelta(days), datetime.time(18, 30)),
            },
        )


def judgements_upsert(pupils, competencies, rounds, *, scale, recorded_by, today) -> None:
    """Judgements per pupil: `rounds[pupil.pk]` holds a level per competency for each round (CBC
    levels by their first letter); `recorded_by` is one teacher, or one per pupil."""
    rows = []
    for pupil in pupils:
        teacher = recorded_by.get(pupil.pk) if isinstance(recorded_by, dict) else recorded_by
        for (days, comment), letters in zip(ROUNDS, rounds[pupil.pk], strict=True):
            for competency, letter in zip(competencies, letters, strict=True):
                rows.append(
                    CompetencyJudgement(
                        pupil=pupil,
                        competency=competency,
                        scale=scale,
                        level=LEVEL.get(letter, letter),
                        judged_on=today - datetime.timedelta(days),
                        comment=comment,
                        recorded_by=teacher,
                        created_at=at(pupil.school, today - datetime.timedelta(days), RECORDED_AT),
                    )
                )
    sync(
        CompetencyJudgement,
        rows,
        key=("pupil_id", "competency_id", "comment"),
        scope=CompetencyJudgement.objects.filter(pupil__in=pupils, comment__in=[comment for _d, comment in ROUNDS]),
    )


def milestones_recognise(pupil) -> dict[str, Milestone]:
    """Every milestone in the pupil's records, each with its celebration card, found as milestone
    recognition finds them (same keys, same cards) but written directly: `recognise_milestones`
    also tells the family, which a seed of records of the past must not. Returns them by key."""
    known = {milestone.key: milestone for milestone in Milestone.objects.filter(pupil=pupil)}
    for found in find_milestones(pupil):
        if found.key in known:
            continue
        recognised_at = at(pupil.school, found.happened_on, RECORDED_AT)
        milestone = Milestone.objects.create(
            pupil=pupil,
            kind=found.kind,
            key=found.key,
            title=found.title[:200],
            details=found.details,
            happened_on=found.happened_on,
            created_at=recognised_at,
        )
        celebration = celebration_from_template(milestone)
        Celebration.objects.filter(pk=celebration.pk).update(created_at=recognised_at)
        known[found.key] = milestone
    return known
