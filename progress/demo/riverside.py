"""Riverside Primary (Leeds): the Clarke, García and Kowalska families share goals with their
children's teachers, with updates from both sides; one observation from home is approved by
Oliver's teacher and one waits for Lucía's. Oliver reads at home every evening (a streak his
teacher sees in the class overview, beside Year 3's spelling tests)."""

import datetime
from decimal import Decimal

from accounts.models import Pupil, School, User
from progress.demo.rows import (
    RECORDED_AT,
    at,
    goal_upsert,
    judgements_upsert,
    school_today,
    subjects_upsert,
    sync,
    updates_upsert,
)
from progress.models import (
    ActivityKind,
    ActivitySession,
    Assessment,
    Competency,
    GoalCategory,
    GoalOwner,
    Observation,
    ReviewStatus,
    Scale,
    Side,
)

SLUG = "riverside-primary"
ENGLAND_SUBJECTS = [
    "English",
    "Mathematics",
    "Science",
    "History",
    "Geography",
    "Art and design",
    "Computing",
    "Music",
    "Physical education",
    "PSHE",
]


def seed(school: School) -> list[Pupil]:
    """The families' goals and observations; returns the pupils seeded (none without the accounts demo)."""
    people = {user.email.split("@")[0]: user for user in User.objects.filter(email__endswith="@riverside.example")}
    pupils = {
        (pupil.first_name, pupil.last_name): pupil
        for pupil in Pupil.objects.filter(school=school).select_related("school")
    }
    wanted = ["parent", "maria.garcia", "anna.kowalska", "teacher", "year2", "year4", "reception"]
    names = [("Oliver", "Clarke"), ("Amelia", "Clarke"), ("Lucía", "García"), ("Jakub", "Kowalski")]
    if not all(name in people for name in wanted) or not all(name in pupils for name in names):
        return []
    subjects = subjects_upsert(school, ENGLAND_SUBJECTS)
    today = school_today(school)
    days = datetime.timedelta
    emma, maria, anna = people["parent"], people["maria.garcia"], people["anna.kowalska"]
    tariq, grace, ewa, rosa = people["teacher"], people["year2"], people["year4"], people["reception"]
    oliver, amelia, lucia, jakub = (pupils[name] for name in names)

    reading = goal_upsert(
        oliver,
        "Read aloud for ten minutes every day",
        created_by=tariq,
        created_on=today - days(24),
        description="Oliver reads a page of his book aloud without stopping, using his overlay.",
        category=GoalCategory.ACADEMIC,
        owner=GoalOwner.BOTH,
        target_date=today + days(28),
        home_support="Ten minutes with the yellow overlay after tea; Emma signs the reading record.",
        school_support="A daily phonics session with Mrs Ali, and decodable books sent home each Monday.",
    )
    updates_upsert(
        reading,
        [
            (20, tariq, Side.SCHOOL, 30, "Oliver chose his own book this week and read two pages to Mrs Ali."),
            (14, emma, Side.HOME, 45, "Every night this week, even Saturday. The overlay really helps."),
            (6, tariq, Side.SCHOOL, 60, "He sounded out 'frightened' and 'explained' on his own today."),
            (2, emma, Side.HOME, 70, "He read to his grandad on the phone for twelve minutes."),
        ],
    )
    talking = goal_upsert(
        lucia,
        "Tell the story of a book in English, in her own words",
        created_by=maria,
        created_on=today - days(18),
        category=GoalCategory.ACADEMIC,
        owner=GoalOwner.BOTH,
        target_date=today + days(21),
        home_support="We read the book in Spanish first, then Lucía tells it to us in English.",
        school_support="Story time in a small group on Wednesdays, with picture cards to retell from.",
    )
    updates_upsert(
        talking,
        [
            (12, maria, Side.HOME, 25, "She told us 'The Gruffalo' with the pictures, half in Spanish."),
            (8, grace, Side.SCHOOL, 40, "Lucía retold the beginning to her group, all in English."),
            (4, maria, Side.HOME, 55, "Tonight she did the whole story in English without the pictures."),
            (1, grace, Side.SCHOOL, 65, "She asked to read to the class on Friday."),
        ],
    )
    breaks = goal_upsert(
        jakub,
        "Use his break card when he needs a quiet moment",
        created_by=ewa,
        created_on=today - days(30),
        category=GoalCategory.BEHAVIOURAL,
        owner=GoalOwner.BOTH,
        target_date=today + days(35),
        home_support="The same green card at home, and the beanbag corner when he shows it.",
        school_support="A quiet table outside the classroom; staff answer the card at once, no questions asked.",
    )
    updates_upsert(
        breaks,
        [
            (25, ewa, Side.SCHOOL, 20, "He used the card twice this week, both times before things got loud."),
            (18, anna, Side.HOME, 35, "Jakub showed me the card before his cousin's party. We left early, calmly."),
            (9, ewa, Side.SCHOOL, 50, "He used the card and came back to the lesson on his own after five minutes."),
            (3, anna, Side.HOME, 60, "He made a second card for his grandmother's house."),
        ],
    )
    coat = goal_upsert(
        amelia,
        "Put her coat on and zip it up by herself",
        created_by=rosa,
        created_on=today - days(14),
        category=GoalCategory.HEALTH,
        owner=GoalOwner.BOTH,
        target_date=today + days(14),
        home_support="Practise the 'coat flip' before school and let her have a go first.",
        school_support="Time at the pegs before outdoor play, and a helper who shows, not does.",
    )
    updates_upsert(
        coat,
        [
            (10, rosa, Side.SCHOOL, 40, "Amelia flipped her coat on by herself at home time!"),
            (5, emma, Side.HOME, 60, "Coat on every morning; the zip is still tricky."),
        ],
    )

    Observation.objects.update_or_create(
        pupil=oliver,
        author=emma,
        note="Oliver read the first chapter of 'The Owl Who Was Afraid of the Dark' to his grandad and "
        "sounded out 'frightened' on his own.",
        defaults={
            "observed_on": today - days(8),
            "status": ReviewStatus.APPROVED,
            "reviewed_by": tariq,
            "reviewed_at": at(school, today - days(7), datetime.time(15, 45)),
            "review_note": "Brilliant. I have added this to his reading record and told him how proud we are.",
            "created_at": at(school, today - days(8), datetime.time(19, 30)),
        },
    )
    Observation.objects.update_or_create(
        pupil=lucia,
        author=maria,
        note="Lucía counted the coins in her money box in English and worked out she has £3.40.",
        defaults={
            "observed_on": today - days(1),
            "status": ReviewStatus.PENDING,
            "created_at": at(school, today - days(1), datetime.time(18, 0)),
        },
    )

    are = {
        code: Competency.objects.get(school=None, framework="england", code=code) for code in ["READ", "WRIT", "MATH"]
    }
    elg = [Competency.objects.get(school=None, framework="england", code=code) for code in ["ELG02", "ELG04", "ELG11"]]
    judgements_upsert(
        [oliver, lucia, jakub],
        list(are.values()),
        {
            oliver.pk: ["WTS WTS EXS".split(), "WTS WTS EXS".split(), "EXS WTS EXS".split()],
            lucia.pk: ["WTS EXS EXS".split(), "EXS EXS EXS".split(), "EXS EXS GDS".split()],
            jakub.pk: ["EXS WTS EXS".split(), "EXS WTS GDS".split(), "EXS EXS GDS".split()],
        },
        scale=Scale.ENGLAND_ARE,
        recorded_by={oliver.pk: tariq, lucia.pk: grace, jakub.pk: ewa},
        today=today,
    )
    judgements_upsert(
        [amelia],
        elg,
        {amelia.pk: ["EMG EMG EMG".split(), "EMG EXP EMG".split(), "EXP EXP EMG".split()]},
        scale=Scale.EYFS_ELG,
        recorded_by=rosa,
        today=today,
    )
    maya = pupils.get(("Maya", "Singh"))
    _reading_and_spelling(school, subjects, oliver, maya, parent=emma, teacher=tariq, today=today)
    return [oliver, amelia, lucia, jakub] + ([maya] if maya else [])


# Year 3 Ash's weekly spelling tests: (days back, title), and each pupil's score out of 10.
SPELLING = [
    (26, "Spelling: -tion words"),
    (19, "Spelling: silent letters"),
    (12, "Spelling: un- and dis-"),
    (5, "Spelling: homophones"),
]
SPELLING_SCORES = {"Oliver": [4, 5, 6, 7], "Maya": [8, 9, 8, 9]}
READING_DAYS = 22  # Oliver has read at home every evening since his goal was set (not yet today)


def _reading_and_spelling(school, subjects, oliver, maya, *, parent, teacher, today) -> None:
    """Oliver's reading at home, logged by his mother every evening, and the class's spelling tests."""
    evening = datetime.time(19, 0)
    sessions = [
        ActivitySession(
            pupil=oliver,
            subject=subjects["English"],
            kind=ActivityKind.READING,
            started_at=at(school, day, evening),
            minutes=10 + day.toordinal() % 5,
            recorded_by=parent,
            created_at=at(school, day, evening) + datetime.timedelta(minutes=10 + day.toordinal() % 5),
        )
        for day in (today - datetime.timedelta(back) for back in range(READING_DAYS, 0, -1))
    ]
    first = at(school, today - datetime.timedelta(READING_DAYS), datetime.time(0))
    scope = ActivitySession.objects.filter(pupil=oliver, started_at__gte=first)
    sync(ActivitySession, sessions, key=("pupil_id", "started_at"), scope=scope)
    pupils = [pupil for pupil in (oliver, maya) if pupil is not None]
    tests = [
        Assessment(
            pupil=pupil,
            subject=subjects["English"],
            title=title,
            assessed_on=today - datetime.timedelta(back),
            score=Decimal(score),
            max_score=Decimal(10),
            recorded_by=teacher,
            created_at=at(school, today - datetime.timedelta(back), RECORDED_AT),
        )
        for pupil in pupils
        for (back, title), score in zip(SPELLING, SPELLING_SCORES[pupil.first_name], strict=True)
    ]
    sync(Assessment, tests, key=("pupil_id", "subject_id", "title"), scope=Assessment.objects.filter(pupil__in=pupils))
