"""A Kenyan home-schooling family with records, for the dashboard's tests and bench/dashboard.py.

`seed_family(children=4, days=60)` makes a guardian and `children` pupils at a CBC school, and
for each child `days` days of activity (two sessions a day, some days off), an assessment every
five days, a judgement of every core competency every twenty days, awards, a goal due soon, a
celebration, an open engagement alert and a conversation with an unread message. Rows are
bulk-inserted, so 600 days stay quick.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Guardianship, Pupil, School, User
from messaging.models import Conversation, Message, Participant
from progress.competencies import ensure_built_in
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Celebration,
    Competency,
    CompetencyJudgement,
    Goal,
    Insight,
    Milestone,
    Subject,
)
from tests.factories import DEFAULT_PASSWORD

LEVELS = ["BE", "AE", "ME", "EE"]


@dataclass
class Family:
    guardian: User
    school: School
    children: list[Pupil] = field(default_factory=list)
    teacher: User | None = None


def seed_family(
    *, children: int = 4, days: int = 60, label: str = "", school: School | None = None, today=None
) -> Family:
    stamp = label or f"{timezone.now().timestamp():.6f}".replace(".", "")
    school = school or School.objects.create(
        name=f"Nairobi Home School {stamp}",
        slug=f"nairobi-{stamp}",
        country="KE",
        curriculum="kenya_cbc",
        time_zone="Africa/Nairobi",
    )
    guardian = User.objects.create_user(
        f"wanjiru-{stamp}@family.example",
        DEFAULT_PASSWORD,
        display_name="Wanjiru Kamau",
        time_zone="Africa/Nairobi",
    )
    teacher = User.objects.create_user(
        f"teacher-{stamp}@school.example", DEFAULT_PASSWORD, display_name="Otieno Teacher"
    )
    subjects = [
        Subject.objects.get_or_create(school=school, name=name)[0] for name in ("Mathematics", "English", "Science")
    ]
    ensure_built_in()  # a transactional test's flush removes the migration's rows
    core = list(Competency.objects.filter(school__isnull=True, framework="kenya_cbc", kind="core").order_by("position"))
    today = today or timezone.localdate(timezone=guardian.zone)
    now = timezone.now()
    family = Family(guardian=guardian, school=school, teacher=teacher)
    names = ["Amani", "Baraka", "Chiku", "Dalia", "Eshe", "Faraji"]
    for number in range(children):
        child = Pupil.objects.create(
            school=school,
            first_name=f"{names[number % len(names)]}{stamp[-4:]}",
            last_name="Kamau",
            date_of_birth=datetime.date(2013 + number, 3, 1),
            year_group=f"Grade {8 - number}",
        )
        Guardianship.objects.create(guardian=guardian, pupil=child, relationship="mother", status="active")
        family.children.append(child)
        sessions, assessments, judgements, awards = [], [], [], []
        for offset in range(days):
            day = today - datetime.timedelta(days=offset)
            if (offset + number) % 9 == 8:
                continue  # a day off now and then
            for hour, subject in ((9, subjects[offset % 3]), (14, subjects[(offset + 1) % 3])):
                started = datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=guardian.zone)
                sessions.append(
                    ActivitySession(
                        pupil=child, subject=subject, kind="lesson", started_at=started, minutes=20 + number * 5
                    )
                )
            if offset % 5 == 0:
                assessments.append(
                    Assessment(
                        pupil=child,
                        subject=subjects[offset % 3],
                        title=f"Quiz {offset}",
                        assessed_on=day,
                        score=7,
                        max_score=10,
                    )
                )
            if offset % 20 == 0:
                for index, competency in enumerate(core):
                    judgements.append(
                        CompetencyJudgement(
                            pupil=child,
                            competency=competency,
                            scale="cbc_rubric",
                            level=LEVELS[(index + number + offset // 20) % 4],
                            judged_on=day,
                        )
                    )
            if offset % 30 == 0:
                awards.append(Award(pupil=child, kind="badge", title=f"Reading badge {offset}", awarded_on=day))
        ActivitySession.objects.bulk_create(sessions)
        Assessment.objects.bulk_create(assessments)
        CompetencyJudgement.objects.bulk_create(judgements)
        Award.objects.bulk_create(awards)
        Goal.objects.create(
            pupil=child,
            title=f"Read every evening ({number})",
            category="academic",
            target_date=today + datetime.timedelta(days=3),
            created_by=guardian,
        )
        milestone = Milestone.objects.create(
            pupil=child, kind="streak", key=f"streak-{stamp}-{number}", title="Ten days in a row", happened_on=today
        )
        Celebration.objects.create(
            milestone=milestone, pupil=child, heading="Ten days of learning in a row", body="Well done!"
        )
        Insight.objects.create(
            pupil=child,
            rule="engagement_drop",
            severity="warning",
            key=f"engagement_drop:{stamp}",
            numbers={"this_week": 34, "average": 95, "weeks": 4},
            raised_at=now,
        )
        conversation = Conversation.objects.create(
            school=school, pupil=child, kind="guardian_staff", subject=f"About {child.first_name}", created_by=teacher
        )
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user=guardian),
                Participant(conversation=conversation, user=teacher),
            ]
        )
        Message.objects.create(
            conversation=conversation,
            sender=teacher,
            body="A note from school",
            language="en",
            status="sent",
            sent_at=now,
        )
    return family
