"""The demo tells its story: sixty days of the Mwangi children's learning, Jabari's engagement
falling (an alert with its numbers), Neema's goal completed and celebrated, and the Leeds families'
goals shared with teachers and an approved observation from home. Seeding again changes nothing."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Pupil, User
from accounts.policies import is_guardian_of, teaches_or_supports
from hub.models import OutboxEntry
from messaging.models import Notification
from progress import demo, frameworks
from progress.models import (
    ActivitySession,
    Assessment,
    Award,
    Celebration,
    CompetencyJudgement,
    Goal,
    GoalOwner,
    GoalStatus,
    Insight,
    InsightRule,
    Milestone,
    MilestoneKind,
    Observation,
    ReviewStatus,
    Side,
    Subject,
)

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture
def seeded(db):
    call_command("seed_demo", quiet=True)


def nairobi_today() -> datetime.date:
    return timezone.localdate(timezone=NAIROBI)


def mwangi(first: str) -> Pupil:
    return Pupil.objects.get(school__slug="urban-home-school", first_name=first, last_name="Mwangi")


def minutes_between(pupil: Pupil, first: datetime.date, last: datetime.date) -> int:
    """Minutes of activity on the days from `first` to `last` (Nairobi dates, both included)."""
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=NAIROBI)
    end = datetime.datetime.combine(last + datetime.timedelta(1), datetime.time(0), tzinfo=NAIROBI)
    sessions = ActivitySession.objects.filter(pupil=pupil, started_at__gte=start, started_at__lt=end)
    return sessions.aggregate(total=Sum("minutes"))["total"] or 0


def progress_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("progress").get_models()}


def test_each_school_has_its_own_subjects(seeded):
    urban = set(Subject.objects.filter(school__slug="urban-home-school").values_list("name", flat=True))
    riverside = set(Subject.objects.filter(school__slug="riverside-primary").values_list("name", flat=True))
    assert {"Mathematics", "English", "Kiswahili", "Integrated Science", "Social Studies", "Creative Arts"} <= urban
    assert {"English", "Mathematics", "Science", "History", "Geography"} <= riverside
    assert "Kiswahili" not in riverside


def test_the_kenyan_children_have_sixty_days_of_learning(seeded):
    today = nairobi_today()
    for first in ["Baraka", "Neema", "Jabari", "Imani"]:
        pupil = mwangi(first)
        days = {
            timezone.localtime(at, NAIROBI).date()
            for at in pupil.activity_sessions.values_list("started_at", flat=True)
        }
        assert min(days) >= today - datetime.timedelta(59), first
        assert min(days) <= today - datetime.timedelta(56), first
        assert max(days) <= today
        # On most school days (Wednesday is the family's co-op day), in several subjects and kinds.
        school_days = [today - datetime.timedelta(back) for back in range(1, 60)]
        school_days = [day for day in school_days if day.weekday() in (0, 1, 3, 4)]
        assert sum(day in days for day in school_days) >= len(school_days) * 0.7, first
        sessions = pupil.activity_sessions.all()
        assert sessions.values("subject").distinct().count() >= 3
        assert sessions.values("kind").distinct().count() >= 2
        assert all(session.started_at <= timezone.now() for session in sessions)

        assessments = Assessment.objects.filter(pupil=pupil)
        assert assessments.count() >= 5
        assert min(assessments.values_list("assessed_on", flat=True)) <= today - datetime.timedelta(50)
        assert all(a.score is None or a.score <= a.max_score for a in assessments)


def test_assessments_are_scored_per_subject_every_fortnight(seeded):
    neema = mwangi("Neema")
    maths = Assessment.objects.filter(pupil=neema, subject__name="Mathematics").order_by("assessed_on")
    dates = list(maths.values_list("assessed_on", flat=True))
    assert len(dates) == 5
    assert all(1 <= (later - earlier).days <= 14 for earlier, later in zip(dates, dates[1:], strict=False))
    assert maths.last().percent > maths.first().percent  # she is getting better
    # The youngest is described on the rubric, not scored.
    baraka = Assessment.objects.filter(pupil=mwangi("Baraka"))
    assert set(baraka.values_list("grade", flat=True)) <= {"BE", "AE", "ME", "EE"}
    assert not baraka.filter(score__isnull=False).exists()


def test_core_competencies_grow_over_the_term(seeded):
    for first in ["Baraka", "Neema", "Jabari", "Imani"]:
        judgements = CompetencyJudgement.objects.filter(pupil=mwangi(first), competency__kind="core")
        assert {j.competency.code for j in judgements} == {"CC", "CT", "CI", "CZ", "DL", "LL", "SE"}
        assert {j.scale for j in judgements} == {"cbc_rubric"}
        assert len({j.judged_on for j in judgements}) == 3  # three rounds over the term
        assert all(j.level_info is not None for j in judgements)
    neema = CompetencyJudgement.objects.filter(pupil=mwangi("Neema"), competency__kind="core")
    first_round, last_round = min(j.judged_on for j in neema), max(j.judged_on for j in neema)
    before = {j.competency.code: j.level_info.rank for j in neema if j.judged_on == first_round}
    after = {j.competency.code: j.level_info.rank for j in neema if j.judged_on == last_round}
    assert all(after[code] >= before[code] for code in before)
    assert sum(after[code] > before[code] for code in before) >= 2
    # Subject strands too, for the children past pre-primary.
    strands = CompetencyJudgement.objects.filter(pupil=mwangi("Imani"), competency__kind="strand")
    assert {j.competency.subject.name for j in strands} == {"Mathematics", "English", "Kiswahili"}


def test_jabari_engagement_falls_and_the_alert_shows_its_numbers(seeded):
    today = nairobi_today()
    jabari = mwangi("Jabari")
    this_week = minutes_between(jabari, today - datetime.timedelta(6), today)
    four_weeks = minutes_between(jabari, today - datetime.timedelta(34), today - datetime.timedelta(7))
    assert this_week == 34
    assert four_weeks == 4 * 95
    # The others learn as usual this week.
    for first in ["Baraka", "Neema", "Imani"]:
        pupil = mwangi(first)
        usual = minutes_between(pupil, today - datetime.timedelta(34), today - datetime.timedelta(7)) / 4
        assert minutes_between(pupil, today - datetime.timedelta(6), today) > usual * 0.6, first

    alert = Insight.objects.get(pupil=jabari, rule=InsightRule.ENGAGEMENT_DROP, resolved_at__isnull=True)
    year, week, _ = today.isocalendar()
    assert alert.key == f"engagement_drop:{year}-W{week:02d}"
    assert alert.numbers["this_week"] == 34
    assert alert.numbers["average"] == 95
    assert not Insight.objects.filter(rule=InsightRule.ENGAGEMENT_DROP).exclude(pupil=jabari).exists()
    # His Kiswahili results slip too: the story holds together.
    assert Insight.objects.filter(pupil=jabari, rule=InsightRule.DECLINING_TREND, resolved_at__isnull=True).exists()


def test_imani_learns_every_day_of_the_last_three_weeks(seeded):
    today = nairobi_today()
    days = {
        timezone.localtime(at, NAIROBI).date()
        for at in mwangi("Imani").activity_sessions.values_list("started_at", flat=True)
    }
    assert all(today - datetime.timedelta(back) in days for back in range(1, 21))
    # The others rest on the family's co-op day (Wednesday) and on Sundays: no streak by accident.
    for first in ["Baraka", "Neema", "Jabari"]:
        rest = [
            at
            for at in mwangi(first).activity_sessions.values_list("started_at", flat=True)
            if timezone.localtime(at, NAIROBI).weekday() in (2, 6)
        ]
        assert rest == [], first


def test_neema_completes_her_goal_and_it_is_celebrated(seeded):
    today = nairobi_today()
    neema = mwangi("Neema")
    goal = Goal.objects.get(pupil=neema, status=GoalStatus.COMPLETED)
    assert goal.owner == GoalOwner.BOTH
    assert today - datetime.timedelta(7) <= timezone.localtime(goal.completed_at, NAIROBI).date() <= today
    assert goal.updates.filter(side=Side.HOME).exists()
    assert goal.updates.filter(side=Side.SCHOOL).exists()
    assert goal.updates.order_by("created_at").last().progress == 100

    milestone = Milestone.objects.get(pupil=neema, kind=MilestoneKind.GOAL_COMPLETED)
    assert goal.title in milestone.title
    celebration = Celebration.objects.get(milestone=milestone)
    assert "Neema" in celebration.heading  # in the school's own words
    assert goal.title in celebration.body
    authors = {note.author.email for note in celebration.notes.all()}
    assert authors == {"parent@urbanhome.example", "tutor@urbanhome.example"}
    news = Insight.objects.filter(pupil=neema, rule=InsightRule.MILESTONE, resolved_at__isnull=True)
    assert goal.title in [insight.numbers["title"] for insight in news]
    # Her own words, written down by her mother (she is too young to sign in).
    voice = goal.voices.get()
    assert not voice.written_by_pupil
    assert voice.written_by.email == "parent@urbanhome.example"


def test_some_children_have_certificates_and_badges(seeded):
    awards = Award.objects.filter(pupil__last_name="Mwangi", pupil__school__slug="urban-home-school")
    assert {"certificate", "badge"} == set(awards.values_list("kind", flat=True))
    assert awards.values("pupil").distinct().count() >= 3


def test_leeds_families_share_goals_with_teachers(seeded):
    goals = Goal.objects.filter(pupil__school__slug="riverside-primary", owner=GoalOwner.BOTH)
    assert goals.count() >= 3
    assert goals.values("pupil__guardianships__guardian").distinct().count() >= 3  # several families
    for goal in goals:
        assert goal.home_support
        assert goal.school_support
        home = goal.updates.filter(side=Side.HOME)
        school = goal.updates.filter(side=Side.SCHOOL)
        assert home.exists(), goal.title
        assert school.exists(), goal.title
        assert all(is_guardian_of(user=update.author, pupil=goal.pupil) for update in home)
        assert all(teaches_or_supports(user=update.author, pupil=goal.pupil) for update in school)


def test_an_observation_from_home_is_approved_and_another_waits(seeded):
    observations = Observation.objects.filter(pupil__school__slug="riverside-primary")
    approved = observations.get(status=ReviewStatus.APPROVED)
    assert is_guardian_of(user=approved.author, pupil=approved.pupil)
    assert approved.reviewed_by is not None
    assert approved.reviewed_at is not None
    assert teaches_or_supports(user=approved.reviewed_by, pupil=approved.pupil)
    assert approved.reviewed_at.date() >= approved.observed_on
    pending = observations.get(status=ReviewStatus.PENDING)
    assert pending.reviewed_by is None
    assert is_guardian_of(user=pending.author, pupil=pending.pupil)


def test_england_judgements_use_their_own_scales(seeded):
    judgements = CompetencyJudgement.objects.filter(pupil__school__slug="riverside-primary")
    assert {j.scale for j in judgements} == {"england_are", "eyfs_elg"}
    assert all(frameworks.level(j.scale, j.level) is not None for j in judgements)


def test_seeding_again_changes_nothing(seeded):
    before = progress_counts()
    call_command("seed_demo", quiet=True)
    assert progress_counts() == before
    assert before["progress.ActivitySession"] > 200


def test_seeding_writes_records_without_notifying_anyone(seeded):
    Notification.objects.all().delete()
    OutboxEntry.objects.all().delete()
    ActivitySession.objects.all().delete()
    demo.seed()
    assert not Notification.objects.exists()
    assert not OutboxEntry.objects.exists()
    assert ActivitySession.objects.exists()


def test_a_run_on_a_later_day_moves_the_story_along(seeded):
    """The demo reseeded tomorrow still shows the same story, without piling up rows."""
    before = progress_counts()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        demo.seed()
        today = nairobi_today()
        jabari = mwangi("Jabari")
        assert minutes_between(jabari, today - datetime.timedelta(6), today) == 34
        assert minutes_between(jabari, today - datetime.timedelta(34), today - datetime.timedelta(7)) == 4 * 95
        assert Insight.objects.filter(pupil=jabari, rule=InsightRule.ENGAGEMENT_DROP).count() in (1, 2)
    after = progress_counts()
    for label in ["progress.Assessment", "progress.CompetencyJudgement", "progress.Goal", "progress.Milestone"]:
        assert after[label] == before[label], label
    # A new day of activity at most (four children, a few sessions each).
    assert 0 <= after["progress.ActivitySession"] - before["progress.ActivitySession"] <= 12


def test_seeding_needs_the_people(db):
    """Without the accounts demo (a fresh database), progress seeds nothing and fails on nothing."""
    demo.seed()
    assert not ActivitySession.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize("days_ahead", range(7))
def test_jabari_week_reads_the_same_whatever_the_weekday(days_ahead):
    """34 minutes in the last seven days against 95 in every week before, on any day of the week."""
    from progress.demo import kenya

    jabari = next(child for child in kenya.CHILDREN if child.first == kenya.FALLING)
    today = datetime.date(2026, 11, 30) + datetime.timedelta(days_ahead)

    def minutes(first_back, last_back):
        days = [today - datetime.timedelta(back) for back in range(last_back, first_back + 1)]
        return sum(minutes for day in days for _start, _subject, minutes in kenya._sessions(jabari, day, today))

    assert minutes(6, 0) == 34
    assert [minutes(back + 6, back) for back in (7, 14, 21, 28)] == [95, 95, 95, 95]


def test_today_counts_only_what_is_over(db):
    """Seeded in the morning, today has no activity yet (two runs the same morning agree)."""
    morning = datetime.datetime.combine(nairobi_today(), datetime.time(9, 0), tzinfo=NAIROBI)
    with mock.patch("django.utils.timezone.now", return_value=morning):
        call_command("seed_demo", quiet=True)
        start = datetime.datetime.combine(nairobi_today(), datetime.time(0), tzinfo=NAIROBI)
        assert not ActivitySession.objects.filter(started_at__gte=start).exists()


def test_imani_signs_in_as_herself(seeded, client):
    imani = mwangi("Imani")
    assert imani.user is not None
    assert imani.user.email == "imani@urbanhome.example"
    assert client.login(email="imani@urbanhome.example", password="homeroom-demo")
    goal = Goal.objects.get(pupil=imani, title="Build a quiz game in Scratch")
    assert goal.updates.filter(side=Side.PUPIL, author=imani.user).exists()
    assert goal.voices.get().written_by_pupil


def test_milestones_are_recognised_once_and_quietly(seeded):
    """The seed finds what recognition finds (Imani's streak, levels gained, awards), so the
    hourly recognition run has nothing left to announce about these records of the past."""
    from progress.goals.milestones import recognise_milestones

    imani = mwangi("Imani")
    assert Milestone.objects.filter(pupil=imani, kind=MilestoneKind.STREAK, details__days=20).exists()
    assert Milestone.objects.filter(kind=MilestoneKind.LEVEL_GAINED, pupil__school__slug="riverside-primary").exists()
    assert Milestone.objects.filter(kind=MilestoneKind.AWARD, pupil=imani).exists()
    assert not Celebration.objects.filter(milestone__isnull=True).exists()
    assert Celebration.objects.count() == Milestone.objects.count()
    # Riverside keeps no wording of its own: its families read the default card in their language.
    assert not Celebration.objects.filter(pupil__school__slug="riverside-primary").exclude(heading="").exists()

    Notification.objects.all().delete()
    for pupil in Pupil.objects.filter(milestones__isnull=False).distinct():
        assert recognise_milestones(pupil) == [], pupil.first_name
    assert not Notification.objects.exists()


def test_grace_reads_jabari_alert_with_its_numbers(seeded, client):
    client.force_login(User.objects.get(email="parent@urbanhome.example"))
    page = client.get(f"/progress/pupils/{mwangi('Jabari').pk}/insights/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "34 minutes of learning in the last 7 days, against 95 a week" in text


def test_imani_sees_her_own_goals_only(seeded, client):
    assert client.login(email="imani@urbanhome.example", password="homeroom-demo")
    page = client.get("/progress/me/", follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Build a quiz game in Scratch" in text
    assert "Read ten Kiswahili storybooks" not in text  # her sister's goal is not hers


def test_oliver_reads_every_evening_and_his_teacher_sees_the_class_records(seeded):
    oliver = Pupil.objects.get(school__slug="riverside-primary", first_name="Oliver", last_name="Clarke")
    london = ZoneInfo("Europe/London")
    today = timezone.localdate(timezone=london)
    days = {
        timezone.localtime(at, london).date() for at in oliver.activity_sessions.values_list("started_at", flat=True)
    }
    assert all(today - datetime.timedelta(back) in days for back in range(1, 21))
    assert Milestone.objects.filter(pupil=oliver, kind=MilestoneKind.STREAK, details__days=20).exists()
    # Year 3's spelling tests, recorded by their teacher (Oliver's improving, no alert about them).
    tests = Assessment.objects.filter(pupil__class_groups__name="Year 3 Ash")
    assert tests.values("pupil").distinct().count() == 2
    assert {test.recorded_by.email for test in tests} == {"teacher@riverside.example"}
    assert (
        not Insight.objects.filter(pupil=oliver, resolved_at__isnull=True).exclude(rule=InsightRule.MILESTONE).exists()
    )
