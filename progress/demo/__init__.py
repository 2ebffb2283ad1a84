"""Demo data for progress, called by `manage.py seed_demo` after the people exist.

The story a new user should see:

- Urban Home School (Nairobi, CBC): Grace Mwangi's four children have sixty days of learning
  activity, assessments and core-competency judgements that grow over the term. Jabari's
  engagement has fallen this week (34 minutes against 95 a week over the four weeks before) and
  his Kiswahili results are slipping: the insight rules raise both alerts with their numbers.
  Neema has just completed her reading goal (a celebration card with her mother's and her
  tutor's words), Imani is on a learning streak and signs in as herself, and there are
  certificates and badges.
- Riverside Primary (Leeds): the Clarke, García and Kowalska families share goals with their
  children's teachers (how home and school each support them, updates from both sides), one
  observation from home is approved by Oliver's teacher and one waits for Lucía's.

Seeding writes the records directly: nobody is notified or emailed about records of the past
(only the insights' own audit entries are written, as the nightly run would).
Safe to run again: every row has a fixed key (the pupil with a date and time for activity, a
title, a note or a comment for the rest), so a second run on the same day finds every row and
changes nothing. Dates count back from today in the school's time zone; a run on a later day
moves the titled rows to their new dates and adds the new days of activity.
"""

from django.db import transaction

from accounts.models import School
from progress import competencies
from progress.demo import kenya, riverside
from progress.demo.rows import milestones_recognise, templates_create
from progress.insights.services import refresh_insights


@transaction.atomic
def seed(stdout=None) -> None:
    seeded = []
    competencies.ensure_built_in()  # made by a migration; made again if a table was emptied since
    urban = School.objects.filter(slug=kenya.SLUG).first()
    if urban is not None:
        templates_create(urban)
        seeded += kenya.seed(urban)
    riverside_school = School.objects.filter(slug=riverside.SLUG).first()
    if riverside_school is not None:
        seeded += riverside.seed(riverside_school)
    for pupil in seeded:
        # What recognition and the nightly insight run would find in these records: milestones
        # with their cards, and alerts with their numbers.
        milestones_recognise(pupil)
        refresh_insights(pupil=pupil)
