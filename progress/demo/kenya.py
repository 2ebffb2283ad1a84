"""The Mwangi family at Urban Home School (Nairobi, CBC): sixty days of learning for four
children. Jabari's engagement falls this week (34 minutes against 95 a week over the four weeks
before), Neema completes her reading goal and it is celebrated, Imani learns every day."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from accounts.models import Pupil, School, User
from progress.demo.rows import (
    RECORDED_AT,
    at,
    goal_upsert,
    judgements_upsert,
    milestones_recognise,
    school_today,
    subjects_upsert,
    sync,
    updates_upsert,
)
from progress.models import (
    ActivityKind,
    ActivitySession,
    Assessment,
    Award,
    AwardKind,
    CelebrationNote,
    Competency,
    CompetencyKind,
    GoalCategory,
    GoalOwner,
    GoalStatus,
    PupilVoice,
    Scale,
    Side,
)

SLUG = "urban-home-school"
DAYS = 60  # of activity, counting today

# Learning areas by level (Kenya CBC): pre-primary, lower primary, upper primary, junior school.
CBC_SUBJECTS = [
    "Mathematics",
    "English",
    "Kiswahili",
    "Integrated Science",
    "Science and Technology",
    "Social Studies",
    "Creative Arts",
    "Pre-Technical Studies",
    "Religious Education",
    "Environmental Activities",
    "Creative Activities",
    "Language Activities",
    "Mathematical Activities",
]
# Subject strands judged on the CBC rubric: code, name, subject.
CBC_STRANDS = [
    ("MA-NUM", "Numbers", "Mathematics"),
    ("MA-MEA", "Measurement", "Mathematics"),
    ("MA-GEO", "Geometry", "Mathematics"),
    ("EN-LS", "Listening and speaking", "English"),
    ("EN-RD", "Reading", "English"),
    ("EN-WR", "Writing", "English"),
    ("KI-KZ", "Kusikiliza na kuzungumza", "Kiswahili"),
    ("KI-KS", "Kusoma", "Kiswahili"),
    ("KI-KA", "Kuandika", "Kiswahili"),
]
CORE_CODES = ["CC", "CT", "CI", "CZ", "DL", "LL", "SE"]


@dataclass(frozen=True)
class Child:
    """How one Kenyan child learns in the demo."""

    first: str
    subjects: list[str]  # the learning areas of the child's level
    weekday_sessions: int  # sessions on a school day
    minutes: tuple[int, int]  # fewest and most per session
    saturday: float  # chance of a session on a Saturday (Wednesday is co-op day, Sunday is rest)
    scores: tuple[int, list[int]] | None  # out of, and a score per fortnight (oldest first); None: graded
    core: list[str]  # the seven core competencies (CORE_CODES) per round, as B/A/M/E letters
    strands: list[str] | None = None  # the nine strands (CBC_STRANDS) per round


CHILDREN = [
    Child(
        "Baraka",
        ["Language Activities", "Mathematical Activities", "Environmental Activities", "Creative Activities"],
        weekday_sessions=1,
        minutes=(15, 25),
        saturday=0.5,
        scores=None,  # pre-primary: described, not scored
        core=["AABAAAA", "AAAAAAA", "AMAAAAA"],
    ),
    Child(
        "Neema",
        ["Mathematics", "English", "Kiswahili", "Environmental Activities", "Creative Activities"],
        weekday_sessions=2,
        minutes=(15, 30),
        saturday=0.6,
        scores=(20, [11, 12, 14, 15, 17]),
        core=["MAMMAMA", "MMMMAMA", "MMMMAMM"],
        strands=["MMAMAMMAM", "MMAMMMMAM", "MMAMMMMMM"],
    ),
    Child(
        "Jabari",
        ["Mathematics", "English", "Kiswahili", "Science and Technology", "Social Studies", "Creative Arts"],
        weekday_sessions=1,  # his rhythm is fixed (JABARI_WEEK): the alert's numbers stay exact
        minutes=(10, 20),
        saturday=0,
        scores=(20, [14, 15, 15, 14, 11]),
        core=["MMMMMMM", "MMEMMMM", "MMEMMAM"],
        strands=["MMMMMMMMM", "MMMMMMMMM", "MAMMMMMMM"],
    ),
    Child(
        "Imani",
        ["Mathematics", "English", "Kiswahili", "Integrated Science", "Social Studies", "Pre-Technical Studies"],
        weekday_sessions=3,
        minutes=(15, 25),
        saturday=0.7,
        scores=(50, [36, 38, 41, 43, 46]),
        core=["MEMMEMM", "EEMMEMM", "EEMMEME"],
        strands=["MMMEMMMMM", "EMMEMMMMM", "EMMEMMMMM"],
    ),
]
FALLING = "Jabari"  # engagement down sharply this week
JABARI_WEEK = [25, 20, 0, 20, 20, 10, 0]  # minutes Monday to Sunday: any seven days hold 95
JABARI_THIS_WEEK = [15, 12, 7]  # the only sessions in the last seven days: 34 minutes
PUPIL_SIGN_IN = "imani@urbanhome.example"  # 13: old enough for her own sign-in
STREAK = "Imani"  # learns every day of the last three weeks
STREAK_DAYS = 21
CO_OP_DAY = 2  # Wednesday
SESSION_TIMES = [datetime.time(8, 30), datetime.time(10, 15), datetime.time(14, 0), datetime.time(16, 30)]
MORNING_DONE = datetime.time(13, 0)  # today's morning sessions exist once the morning is over

KINDS_BY_SUBJECT = {
    "English": [ActivityKind.LESSON, ActivityKind.READING, ActivityKind.PRACTICE],
    "Kiswahili": [ActivityKind.LESSON, ActivityKind.READING],
    "Language Activities": [ActivityKind.READING, ActivityKind.LESSON],
    "Mathematics": [ActivityKind.LESSON, ActivityKind.PRACTICE, ActivityKind.PRACTICE],
    "Mathematical Activities": [ActivityKind.PRACTICE, ActivityKind.OUTDOOR],
    "Environmental Activities": [ActivityKind.OUTDOOR, ActivityKind.LESSON],
    "Integrated Science": [ActivityKind.LESSON, ActivityKind.PROJECT],
    "Science and Technology": [ActivityKind.LESSON, ActivityKind.PROJECT],
    "Pre-Technical Studies": [ActivityKind.PROJECT, ActivityKind.PRACTICE],
}
TOPICS = {
    "Mathematics": ["Place value", "Fractions", "Measurement", "Geometry", "Data handling"],
    "English": ["Comprehension", "Grammar", "Composition", "Spelling", "Oral reading"],
    "Kiswahili": ["Ufahamu", "Sarufi", "Insha", "Msamiati", "Kusoma kwa sauti"],
    "Environmental Activities": ["Weather", "Clean water", "Plants around us", "Our home", "Keeping safe"],
    "Science and Technology": ["Living things", "Water", "Energy", "Simple machines", "Soil"],
    "Integrated Science": ["Mixtures", "Cells", "Electrical circuits", "The human body", "Force and motion"],
}
BARAKA_GRADES = [  # pre-primary: the rubric's words for what he did, every fortnight
    ("Mathematical Activities", "Counting to 20", "AE"),
    ("Language Activities", "Naming letter sounds", "AE"),
    ("Mathematical Activities", "Sorting by shape", "ME"),
    ("Language Activities", "Retelling a story", "ME"),
    ("Mathematical Activities", "Counting to 50", "EE"),
]


def seed(school: School) -> list[Pupil]:
    """The family's records; returns the children seeded (none without the accounts demo)."""
    parent = User.objects.filter(email="parent@urbanhome.example").first()
    tutor = User.objects.filter(email="tutor@urbanhome.example").first()
    pupils = {
        pupil.first_name: pupil
        for pupil in Pupil.objects.filter(school=school, last_name="Mwangi").select_related("school")
    }
    if parent is None or tutor is None or not all(child.first in pupils for child in CHILDREN):
        return []
    today = school_today(school)
    subjects = subjects_upsert(school, CBC_SUBJECTS)
    strands = [
        Competency.objects.update_or_create(
            school=school,
            code=code,
            defaults={
                "framework": "kenya_cbc",
                "kind": CompetencyKind.STRAND,
                "name": name,
                "subject": subjects[subject],
                "position": position,
            },
        )[0]
        for position, (code, name, subject) in enumerate(CBC_STRANDS)
    ]
    core = [Competency.objects.get(school=None, framework="kenya_cbc", code=code) for code in CORE_CODES]

    _activity(school, pupils, subjects, parent=parent, tutor=tutor, today=today)
    _assessments(pupils, subjects, tutor=tutor, today=today)
    children = [pupils[child.first] for child in CHILDREN]
    judgements_upsert(
        children,
        core,
        {pupils[child.first].pk: child.core for child in CHILDREN},
        scale=Scale.CBC_RUBRIC,
        recorded_by=tutor,
        today=today,
    )
    with_strands = [child for child in CHILDREN if child.strands]
    judgements_upsert(
        [pupils[child.first] for child in with_strands],
        strands,
        {pupils[child.first].pk: child.strands for child in with_strands},
        scale=Scale.CBC_RUBRIC,
        recorded_by=tutor,
        today=today,
    )
    _awards(pupils, tutor=tutor, today=today)
    _goals(school, pupils, parent=parent, tutor=tutor, today=today)
    return children


def _sessions(child: Child, day: datetime.date, today: datetime.date) -> list[tuple[datetime.time, str, int]]:
    """What `child` did on `day`: (start, subject, minutes) per session, the same on every run."""
    rng = random.Random(f"{child.first}:{day.isoformat()}")  # noqa: S311 (demo data, not secrets)
    days_back = (today - day).days
    if child.first == FALLING:
        minutes = JABARI_WEEK[day.weekday()]
        if days_back < 7:
            # This week: three short sessions, on the first school days after the week began.
            school_days = [
                today - datetime.timedelta(back)
                for back in range(6, 0, -1)
                if JABARI_WEEK[(today - datetime.timedelta(back)).weekday()]
            ]
            if day not in school_days[: len(JABARI_THIS_WEEK)]:
                return []
            minutes = JABARI_THIS_WEEK[school_days.index(day)]
        return [(SESSION_TIMES[1], child.subjects[day.toordinal() % len(child.subjects)], minutes)] if minutes else []
    weekday = day.weekday()
    if child.first == STREAK and days_back < STREAK_DAYS:
        count = child.weekday_sessions if weekday < 5 else 1
    elif weekday in (CO_OP_DAY, 6):
        count = 0  # the family's co-op day and Sunday: nothing recorded, so no streak by accident
    elif weekday == 5:
        count = 1 if rng.random() < child.saturday else 0
    else:
        count = child.weekday_sessions if rng.random() < 0.92 else 0
    picked = rng.sample(child.subjects, k=min(count, len(child.subjects)))
    return [(SESSION_TIMES[index], subject, rng.randint(*child.minutes)) for index, subject in enumerate(picked)]


def _activity(school, pupils, subjects, *, parent, tutor, today) -> None:
    now = timezone.localtime(timezone=ZoneInfo(school.time_zone))
    first_day = today - datetime.timedelta(DAYS - 1)
    rows = []
    for child in CHILDREN:
        pupil = pupils[child.first]
        for back in range(DAYS - 1, -1, -1):
            day = today - datetime.timedelta(back)
            for start, subject, minutes in _sessions(child, day, today):
                ends = (datetime.datetime.combine(day, start) + datetime.timedelta(minutes=minutes)).time()
                # Only what is over by now; today's mornings appear at once, at one fixed hour, so
                # two runs on the same day agree.
                if day == today and (now.time() < MORNING_DONE or ends > MORNING_DONE):
                    continue
                kinds = KINDS_BY_SUBJECT.get(subject, [ActivityKind.LESSON, ActivityKind.PROJECT])
                kind = kinds[day.toordinal() % len(kinds)]
                rows.append(
                    ActivitySession(
                        pupil=pupil,
                        subject=subjects[subject],
                        kind=kind,
                        started_at=at(school, day, start),
                        minutes=minutes,
                        recorded_by=tutor if kind == ActivityKind.LESSON else parent,
                        created_at=at(school, day, start) + datetime.timedelta(minutes=minutes),
                    )
                )
    sync(
        ActivitySession,
        rows,
        key=("pupil_id", "started_at"),
        scope=ActivitySession.objects.filter(
            pupil__in=pupils.values(), started_at__gte=at(school, first_day, datetime.time(0, 0))
        ),
    )


def _assessments(pupils, subjects, *, tutor, today) -> None:
    rows = []
    fortnights = [54, 40, 26, 12, 4]  # days back, oldest first
    for child in CHILDREN:
        pupil = pupils[child.first]
        if child.scores is None:
            for days, (subject, title, grade) in zip(fortnights, BARAKA_GRADES, strict=True):
                rows.append(
                    Assessment(
                        pupil=pupil,
                        subject=subjects[subject],
                        title=title,
                        assessed_on=today - datetime.timedelta(days),
                        grade=grade,
                        recorded_by=tutor,
                        created_at=at(pupil.school, today - datetime.timedelta(days), RECORDED_AT),
                    )
                )
            continue
        out_of, scores = child.scores
        for offset, subject in enumerate(name for name in child.subjects if name in TOPICS):
            for round_, (days, score) in enumerate(zip(fortnights, scores, strict=True)):
                # The subjects take turns a day apart, and vary a little around the child's line.
                wobble = (offset + round_) % 3 - 1
                rows.append(
                    Assessment(
                        pupil=pupil,
                        subject=subjects[subject],
                        title=f"{TOPICS[subject][round_]} check",
                        assessed_on=today - datetime.timedelta(days - offset),
                        score=Decimal(max(0, min(out_of, score + wobble))),
                        max_score=Decimal(out_of),
                        recorded_by=tutor,
                        created_at=at(pupil.school, today - datetime.timedelta(days - offset), RECORDED_AT),
                    )
                )
    sync(
        Assessment,
        rows,
        key=("pupil_id", "subject_id", "title"),
        scope=Assessment.objects.filter(pupil__in=pupils.values()),
    )


def _awards(pupils, *, tutor, today) -> None:
    awards = [
        ("Baraka", AwardKind.BADGE, "Counting star", "Counted to fifty without help.", 4),
        ("Neema", AwardKind.BADGE, "Bookworm", "A book a week for a month.", 30),
        ("Neema", AwardKind.CERTIFICATE, "Kiswahili reading challenge", "Ten storybooks read in Kiswahili.", 2),
        ("Jabari", AwardKind.BADGE, "Young scientist", "Took part in the science fair with a solar cooker.", 40),
        ("Imani", AwardKind.CERTIFICATE, "Introduction to coding", "Completed the Scratch coding course.", 20),
        ("Imani", AwardKind.BADGE, "Peer helper", "Helped her younger brother with his reading.", 25),
    ]
    rows = [
        Award(
            pupil=pupils[first],
            kind=kind,
            title=title,
            description=description,
            awarded_on=today - datetime.timedelta(days),
            awarded_by=tutor,
            created_at=at(pupils[first].school, today - datetime.timedelta(days), RECORDED_AT),
        )
        for first, kind, title, description, days in awards
    ]
    sync(Award, rows, key=("pupil_id", "title"), scope=Award.objects.filter(pupil__in=pupils.values()))


def _pupil_sign_in(pupil: Pupil) -> User:
    """The pupil's own sign-in (old enough: School.pupil_sign_in_age), with the demo password."""
    user, created = User.objects.get_or_create(
        email=PUPIL_SIGN_IN,
        defaults={
            "display_name": pupil.full_name,
            "preferred_language": "en-gb",
            "time_zone": pupil.school.time_zone,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if pupil.user_id != user.pk:
        pupil.user = user
        pupil.save(update_fields=["user"])
    return user


def _goals(school, pupils, *, parent, tutor, today) -> None:
    days = datetime.timedelta
    imani_user = _pupil_sign_in(pupils["Imani"])
    neema = pupils["Neema"]
    completed_on = today - days(2)
    reading = goal_upsert(
        neema,
        "Read ten Kiswahili storybooks",
        created_by=parent,
        created_on=today - days(50),
        description="Neema reads ten storybooks in Kiswahili and tells us about each one.",
        category=GoalCategory.ACADEMIC,
        owner=GoalOwner.BOTH,
        target_date=today + days(5),
        status=GoalStatus.COMPLETED,
        completed_at=at(school, completed_on, datetime.time(17, 0)),
        home_support="We read together after supper and tick each book off on the list on the fridge.",
        school_support="Wanjiru chooses books at the right level and talks about each one in Kiswahili sessions.",
    )
    updates_upsert(
        reading,
        [
            (41, parent, Side.HOME, 30, "Three books finished. Neema's favourite so far is Sungura Mjanja."),
            (27, tutor, Side.SCHOOL, 60, "Six books now, and she retold the last one in her own words."),
            (9, parent, Side.HOME, 90, "Nine! She reads the tenth to Baraka at bedtime."),
            (2, tutor, Side.SCHOOL, 100, "The tenth book is done: goal reached. Certificate on its way."),
        ],
    )
    PupilVoice.objects.update_or_create(
        pupil=neema,
        goal=reading,
        text="I liked Sungura Mjanja best because the hare tricks everyone.",
        defaults={"written_by": parent, "written_by_pupil": False, "created_at": at(school, completed_on)},
    )
    celebration = milestones_recognise(neema)[f"goal:{reading.pk}"].celebration
    for author, text in [
        (parent, "Neema, we are so proud of you. Which ten books next?"),
        (tutor, "A wonderful effort, Neema: your reading aloud has grown so much this term."),
    ]:
        CelebrationNote.objects.get_or_create(
            celebration=celebration, author=author, text=text, defaults={"created_at": at(school, today)}
        )

    jabari = goal_upsert(
        pupils["Jabari"],
        "Finish the water-cycle model for Science and Technology",
        created_by=tutor,
        created_on=today - days(30),
        description="A working model that shows evaporation, condensation and rain, explained to the family.",
        category=GoalCategory.ACADEMIC,
        owner=GoalOwner.BOTH,
        target_date=today + days(10),
        home_support="A corner of the kitchen table for the model, and old bottles saved for him.",
        school_support="Wanjiru checks the plan with him each Monday and lends the thermometer.",
    )
    updates_upsert(
        jabari,
        [
            (20, tutor, Side.SCHOOL, 30, "The plan is drawn and he knows which bottles he needs."),
            (12, parent, Side.HOME, 45, "The bottles are cut; the 'cloud' is next."),
        ],
    )
    imani = goal_upsert(
        pupils["Imani"],
        "Build a quiz game in Scratch",
        created_by=parent,
        created_on=today - days(20),
        description="A quiz on Kenya's counties that her brothers and sister can play.",
        category=GoalCategory.CREATIVE,
        owner=GoalOwner.BOTH,
        target_date=today + days(14),
        home_support="The laptop is hers for an hour after lunch on school days.",
        school_support="Wanjiru looks through the code with her on Fridays.",
    )
    updates_upsert(
        imani,
        [
            (13, tutor, Side.SCHOOL, 40, "The question screen works; we planned how to keep the score."),
            (6, parent, Side.HOME, 60, "Twenty questions work; she tested them on Baraka."),
            (1, imani_user, Side.PUPIL, 70, "I added a timer and a high-score table."),
        ],
    )
    PupilVoice.objects.update_or_create(
        pupil=pupils["Imani"],
        goal=imani,
        text="I want the game to tell you a fact about each county when you get it right.",
        defaults={"written_by": imani_user, "written_by_pupil": True, "created_at": at(school, today - days(5))},
    )
    goal_upsert(
        pupils["Baraka"],
        "Pack his own bag before lessons",
        created_by=parent,
        created_on=today - days(15),
        category=GoalCategory.SOCIAL,
        owner=GoalOwner.HOME,
        target_date=today + days(20),
        home_support="A picture list by the door of what goes in the bag.",
    )
