"""Recognising milestones from a pupil's records, and the celebration card each one becomes.

`recognise_milestones(pupil)` is idempotent: every milestone has a key derived from the record it
comes from (the goal, the first day of the streak and its length, the judgement, the award), unique
per pupil, so running it again finds nothing new. It runs from the outbox (`progress.recognise_
milestones`, recorded when a goal is completed) and hourly for pupils with recent records.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.models import Pupil
from progress import frameworks
from progress.goals import services
from progress.models import (
    ActivitySession,
    Award,
    Celebration,
    CelebrationTemplate,
    CompetencyJudgement,
    Goal,
    GoalStatus,
    Milestone,
    MilestoneKind,
)

# Consecutive days of learning worth celebrating.
STREAK_LENGTHS = (5, 10, 20, 30)


@dataclass(frozen=True)
class Found:
    kind: str
    key: str
    title: str
    happened_on: datetime.date
    details: dict


def _local_date(moment: datetime.datetime | None, zone) -> datetime.date:
    return (moment or timezone.now()).astimezone(zone).date()


def _completed_goals(pupil: Pupil, zone) -> list[Found]:
    goals = Goal.objects.live().filter(pupil=pupil, status=GoalStatus.COMPLETED).only("id", "title", "completed_at")
    return [
        Found(
            MilestoneKind.GOAL_COMPLETED,
            f"goal:{goal.pk}",
            goal.title,
            _local_date(goal.completed_at, zone),
            {"goal": goal.pk, "title": goal.title},
        )
        for goal in goals
    ]


def streak_runs(days: list[datetime.date]) -> list[tuple[datetime.date, int]]:
    """Runs of consecutive days in `days` (sorted, distinct), as (first day, length)."""
    runs: list[tuple[datetime.date, int]] = []
    for day in days:
        if runs and runs[-1][0] + datetime.timedelta(days=runs[-1][1]) == day:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((day, 1))
    return runs


def _streaks(pupil: Pupil, zone) -> list[Found]:
    days = sorted(
        set(
            ActivitySession.objects.live()
            .filter(pupil=pupil)
            .annotate(day=TruncDate("started_at", tzinfo=zone))
            .values_list("day", flat=True)
        )
    )
    found = []
    for first, length in streak_runs(days):
        for days_in_a_row in STREAK_LENGTHS:
            if length >= days_in_a_row:
                found.append(
                    Found(
                        MilestoneKind.STREAK,
                        f"streak:{first.isoformat()}:{days_in_a_row}",
                        f"{days_in_a_row} days in a row",
                        first + datetime.timedelta(days=days_in_a_row - 1),
                        {"days": days_in_a_row, "from": first.isoformat()},
                    )
                )
    return found


def _levels_gained(pupil: Pupil) -> list[Found]:
    judgements = (
        CompetencyJudgement.objects.live()
        .filter(pupil=pupil)
        .select_related("competency")
        .order_by("competency_id", "scale", "judged_on", "id")
    )
    found, previous = [], {}
    for judgement in judgements:
        slot = (judgement.competency_id, judgement.scale)
        level = frameworks.level(judgement.scale, judgement.level)
        before = previous.get(slot)
        if level is not None and before is not None and level.rank > before.rank:
            found.append(
                Found(
                    MilestoneKind.LEVEL_GAINED,
                    f"level:{judgement.pk}",
                    f"{judgement.competency.code}: {before.code} to {level.code}",
                    judgement.judged_on,
                    {
                        "judgement": judgement.pk,
                        "competency": judgement.competency_id,
                        "scale": judgement.scale,
                        "from": before.code,
                        "to": level.code,
                    },
                )
            )
        if level is not None:
            previous[slot] = level
    return found


def _awards(pupil: Pupil) -> list[Found]:
    return [
        Found(
            MilestoneKind.AWARD,
            f"award:{award.pk}",
            award.title,
            award.awarded_on,
            {"award": award.pk, "title": award.title, "award_kind": award.kind},
        )
        for award in Award.objects.live().filter(pupil=pupil)
    ]


def find_milestones(pupil: Pupil) -> list[Found]:
    """Everything worth celebrating in the pupil's records, recognised or not."""
    zone = pupil.school.zone
    return [*_completed_goals(pupil, zone), *_streaks(pupil, zone), *_levels_gained(pupil), *_awards(pupil)]


def recognise_milestones(pupil: Pupil | int) -> list[Milestone]:
    """Record the pupil's milestones not yet recognised, each with its celebration card, and tell
    their family. Returns the new ones; running it again returns [] (keys are unique per pupil,
    and a concurrent run that got there first is skipped)."""
    pupil = Pupil.objects.select_related("school").get(pk=getattr(pupil, "pk", pupil))
    known = set(Milestone.objects.filter(pupil=pupil).values_list("key", flat=True))
    new = []
    for found in find_milestones(pupil):
        if found.key in known:
            continue
        milestone = _milestone_record(pupil, found)
        if milestone is not None:
            new.append(milestone)
            known.add(found.key)
    return new


def _milestone_record(pupil: Pupil, found: Found) -> Milestone | None:
    try:
        with transaction.atomic():
            milestone = Milestone.objects.create(
                pupil=pupil,
                kind=found.kind,
                key=found.key,
                title=found.title[:200],
                details=found.details,
                happened_on=found.happened_on,
            )
            celebration = celebration_from_template(milestone)
            audit.record(
                actor=None, action="milestone.recognised", target=milestone, school=pupil.school_id, kind=found.kind
            )
            services.celebration_families_notify(celebration)
    except IntegrityError:
        return None  # recognised meanwhile by another run
    return milestone


def celebration_from_template(milestone: Milestone) -> Celebration:
    """The milestone's celebration card, in the words of the school's template for its kind. With
    no template the card keeps no words of its own: the page shows the default, translated into
    each reader's language (`celebration_text`)."""
    pupil = milestone.pupil
    template = CelebrationTemplate.objects.filter(school_id=pupil.school_id, kind=milestone.kind).first()
    heading = body = ""
    if template is not None:
        label = str(milestone_label(milestone))
        heading = _fill(template.heading, pupil=pupil.known_as, milestone=label)[:200]
        body = _fill(template.body, pupil=pupil.known_as, milestone=label)
    return Celebration.objects.create(milestone=milestone, pupil=pupil, heading=heading, body=body)


def _fill(text: str, *, pupil: str, milestone: str) -> str:
    # Plain replacement, not str.format: a school's template may contain other braces.
    return text.replace("{pupil}", pupil).replace("{milestone}", milestone)


def milestone_label(milestone: Milestone, competency_names: dict | None = None):
    """What the milestone was, in the reader's language."""
    details = milestone.details or {}
    if milestone.kind == MilestoneKind.GOAL_COMPLETED:
        return _("Completed the goal “%(goal)s”") % {"goal": details.get("title", milestone.title)}
    if milestone.kind == MilestoneKind.STREAK:
        return _("Learned on %(days)s days in a row") % {"days": details.get("days", "")}
    if milestone.kind == MilestoneKind.LEVEL_GAINED:
        level = frameworks.level(details.get("scale", ""), details.get("to", ""))
        competency = (competency_names or {}).get(details.get("competency"))
        if competency is None:
            from progress.models import Competency

            found = Competency.objects.filter(pk=details.get("competency")).first()
            competency = found.label if found else ""
        return _("Reached “%(level)s” in %(competency)s") % {
            "level": level.label if level else details.get("to", ""),
            "competency": competency,
        }
    if milestone.kind == MilestoneKind.AWARD:
        return _("Earned “%(title)s”") % {"title": details.get("title", milestone.title)}
    return milestone.title


def celebration_text(celebration: Celebration, competency_names: dict | None = None) -> tuple[str, str]:
    """The card's heading and text: the school's words, or the translated default."""
    if celebration.heading:
        return celebration.heading, celebration.body
    label = milestone_label(celebration.milestone, competency_names)
    name = celebration.pupil.known_as
    return (
        str(_("Well done, %(pupil)s!") % {"pupil": name}),
        str(_("%(pupil)s: %(milestone)s.") % {"pupil": name, "milestone": label}),
    )


def pupils_with_recent_records(*, since: datetime.datetime) -> list[int]:
    """Ids of current pupils with activity, judgements, awards or completed goals recorded since
    `since`: whose milestones the hourly run looks for."""
    ids = set()
    ids.update(ActivitySession.objects.filter(created_at__gte=since).values_list("pupil_id", flat=True))
    ids.update(CompetencyJudgement.objects.filter(created_at__gte=since).values_list("pupil_id", flat=True))
    ids.update(Award.objects.filter(created_at__gte=since).values_list("pupil_id", flat=True))
    ids.update(Goal.objects.filter(completed_at__gte=since).values_list("pupil_id", flat=True))
    return sorted(Pupil.objects.current().filter(pk__in=ids).values_list("pk", flat=True))


def recognise_recent(*, since: datetime.datetime | None = None) -> int:
    """Recognise milestones of every pupil with recent records; returns how many were new."""
    since = since or timezone.now() - datetime.timedelta(hours=26)
    return sum(len(recognise_milestones(pupil_id)) for pupil_id in pupils_with_recent_records(since=since))
