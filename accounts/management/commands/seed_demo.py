"""Demo data: two schools, staff in every role, families. Safe to run again (it updates in place)."""

import datetime
import logging

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

from accounts.models import ClassGroup, Department, Guardianship, Membership, Pupil, Role, School, SendStatus, User

DEMO_PASSWORD = "homeroom-demo"

# What a school admin may do in Django admin, and nothing more: run their school's people and
# settings. Accounts themselves (passwords, email, second factors) are the operator's and the
# owner's; sign-in history and the audit log are there to read. Every model listed is scoped
# to the admin's own school by its ModelAdmin.
SCHOOL_ADMIN_PERMISSIONS = {
    "accounts": {
        "user": ["view", "add", "change"],
        "school": ["view", "change"],
        "department": ["view", "add", "change", "delete"],
        "membership": ["view", "add", "change", "delete"],
        "guardianship": ["view", "add", "change", "delete"],
        "pupil": ["view", "add", "change"],
        "classgroup": ["view", "add", "change", "delete"],
        "loginattempt": ["view"],
        "auditentry": ["view"],
        "accountlink": ["view"],
        # What each consent cell is for a child whose family has not chosen.
        "schoolconsentdefault": ["view", "add", "change", "delete"],
    },
    "messaging": {
        "messagingsettings": ["view", "add", "change"],
        "glossaryterm": ["view", "add", "change", "delete"],
        "safeguardingphrase": ["view", "add", "change", "delete"],
        "messagetemplate": ["view", "add", "change", "delete"],
    },
    "progress": {
        # The school's wording of its celebration cards.
        "celebrationtemplate": ["view", "add", "change", "delete"],
        # The school's subjects and its own competencies; corrections to pupils' records (removing
        # one keeps the row, marked deleted and audited: no "delete" permission is given).
        "subject": ["view", "add", "change"],
        "competency": ["view", "add", "change"],
        "assessment": ["view", "change"],
        "activitysession": ["view", "change"],
        "award": ["view", "change"],
        "competencyjudgement": ["view", "change"],
        "observation": ["view"],
        "goal": ["view"],
        "portfolioitem": ["view"],
    },
    "finance": {
        # What the school offers (plans are retired by switching them off, not deleted: families'
        # subscriptions refer to them), families' accounts and the Paybill references on them.
        "plan": ["view", "add", "change"],
        "addon": ["view", "add", "change"],
        "familyaccount": ["view", "add", "change"],
        "accountmember": ["view", "add", "change", "delete"],
        # More time for a family (grace, resume date); the rest is read-only in its admin.
        "subscription": ["view", "change"],
        "addonpurchase": ["view"],
        "payment": ["view"],
        # "add": corrections, posted as new entries from the family account's page.
        "ledgerentry": ["view", "add"],
        # "change": marking a flagged callback resolved (the record itself is read-only).
        "callbackrecord": ["view", "change"],
    },
    "reports": {
        # Reports and exports are made by jobs and read-only in admin; the school decides which
        # reports go to families by themselves.
        "report": ["view"],
        "reportbatch": ["view"],
        "export": ["view"],
        "reportsetting": ["view", "add", "change", "delete"],
    },
    "resources": {
        # The library is written on its own pages (sanitised, versioned, audited, shared by
        # policy): admin shows the school's part of it to the office, read-only. Partnerships name
        # another school, so they are the operator's; tags are the whole platform's.
        "resource": ["view"],
        "resourceversion": ["view"],
        "resourcegrant": ["view"],
        "shareapproval": ["view"],
        "strategyfeedback": ["view"],
        "review": ["view"],
        "resourceuse": ["view"],
        "strategysuggestion": ["view"],
        "collection": ["view"],
    },
}


def school_admin_group() -> Group:
    """The "School admins" group with exactly SCHOOL_ADMIN_PERMISSIONS (extra ones are removed)."""
    group, _ = Group.objects.get_or_create(name="School admins")
    wanted = [
        Permission.objects.get(
            content_type__app_label=app_label, content_type__model=model, codename=f"{action}_{model}"
        )
        for app_label, models in SCHOOL_ADMIN_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    group.permissions.set(wanted)
    return group


RIVERSIDE_STAFF = [
    # email, name, roles, department, class taught
    ("head@riverside.example", "Helen Okafor", [Role.LEADER], "Senior leadership", None),
    ("sendco@riverside.example", "Sam Patel", [Role.SENDCO], "Inclusion", None),
    ("dsl@riverside.example", "Dana Hughes", [Role.DSL, Role.LEADER], "Senior leadership", None),
    ("office@riverside.example", "Olivia Brown", [Role.SCHOOL_ADMIN, Role.DPL], None, None),
    ("facilitator@riverside.example", "Femi Adeyemi", [Role.FACILITATOR, Role.TEACHER], "Maths", "Year 6 Oak"),
    ("reception@riverside.example", "Rosa Lee", [Role.TEACHER], "Early years", "Reception Robins"),
    ("year1@riverside.example", "Tom Walsh", [Role.TEACHER], None, "Year 1 Wrens"),
    ("year2@riverside.example", "Grace Kim", [Role.TEACHER], None, "Year 2 Kingfishers"),
    ("teacher@riverside.example", "Tariq Shah", [Role.TEACHER], "English", "Year 3 Ash"),
    ("year4@riverside.example", "Ewa Nowak", [Role.TEACHER], None, "Year 4 Birch"),
    ("year5@riverside.example", "Ian Murray", [Role.TEACHER], "Science", "Year 5 Cedar"),
]

RIVERSIDE_CLASSES = [
    ("Reception Robins", "Reception", 2020),
    ("Year 1 Wrens", "Year 1", 2019),
    ("Year 2 Kingfishers", "Year 2", 2018),
    ("Year 3 Ash", "Year 3", 2017),
    ("Year 4 Birch", "Year 4", 2016),
    ("Year 5 Cedar", "Year 5", 2015),
    ("Year 6 Oak", "Year 6", 2014),
]

# first name, last name, class, SEND status, SEND needs, home languages
RIVERSIDE_PUPILS = [
    ("Amelia", "Clarke", "Reception Robins", SendStatus.NONE, "", "English"),
    ("Zofia", "Kowalska", "Reception Robins", SendStatus.NONE, "", "Polish, English"),
    ("Noah", "Ahmed", "Year 1 Wrens", SendStatus.NONE, "", "Urdu, English"),
    ("Isla", "Morgan", "Year 1 Wrens", SendStatus.SEN_SUPPORT, "Speech and language", "Welsh, English"),
    ("Lucía", "García", "Year 2 Kingfishers", SendStatus.NONE, "", "Spanish"),
    ("Oliver", "Clarke", "Year 3 Ash", SendStatus.SEN_SUPPORT, "Dyslexia", "English"),
    ("Maya", "Singh", "Year 3 Ash", SendStatus.NONE, "", "Punjabi, English"),
    ("Jakub", "Kowalski", "Year 4 Birch", SendStatus.EHCP, "Autism; sensory processing", "Polish"),
    ("Ella", "Wright", "Year 4 Birch", SendStatus.NONE, "", "English"),
    ("Mateo", "García", "Year 5 Cedar", SendStatus.NONE, "", "Spanish, English"),
    ("Aisha", "Bello", "Year 5 Cedar", SendStatus.NONE, "", "Yoruba, English"),
    ("Harry", "Evans", "Year 6 Oak", SendStatus.SEN_SUPPORT, "ADHD", "English"),
    ("Sofia", "Rossi", "Year 6 Oak", SendStatus.NONE, "", "Italian, English"),
]

# email, name, language, time zone, phone, [(pupil first, last, relationship, primary)]
RIVERSIDE_FAMILIES = [
    (
        "parent@riverside.example",
        "Emma Clarke",
        "en-gb",
        "+447911123456",
        [("Amelia", "Clarke", "mother", True), ("Oliver", "Clarke", "mother", True)],
    ),
    (
        "maria.garcia@riverside.example",
        "María García",
        "es",
        "+447911123457",
        [("Lucía", "García", "mother", True), ("Mateo", "García", "mother", True)],
    ),
    ("carlos.garcia@riverside.example", "Carlos García", "es", "", [("Lucía", "García", "father", False)]),
    (
        "anna.kowalska@riverside.example",
        "Anna Kowalska",
        "pl",
        "+447911123458",
        [("Zofia", "Kowalska", "mother", True), ("Jakub", "Kowalski", "mother", True)],
    ),
]

URBAN_CHILDREN = [
    ("Baraka", "Mwangi", "ECD 2", datetime.date(2021, 3, 14)),
    ("Neema", "Mwangi", "Grade 3", datetime.date(2018, 7, 2)),
    ("Jabari", "Mwangi", "Grade 6", datetime.date(2015, 1, 23)),
    ("Imani", "Mwangi", "Grade 8", datetime.date(2013, 9, 8)),
]


class Command(BaseCommand):
    help = (
        "Create or refresh the demo schools, staff, pupils and families. Idempotent. "
        "Demo accounts get the demo password (an operator's choice, for a demo only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, quiet=False, **options):
        # The demo's own messages would otherwise print every notification email and every
        # in-process job above the logins: a newcomer should see the logins last, and only them.
        jobs_log = logging.getLogger("celery.app.trace")
        level = jobs_log.level
        jobs_log.setLevel(logging.WARNING)
        try:
            # One transaction: a failed seed leaves nothing half-made. Its jobs run when it commits,
            # still inside the quiet block.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
                operator = self._user("admin@homeroom.example", "Homeroom Operator", is_staff=True, is_superuser=True)
                school_admins = school_admin_group()
                riverside = self._riverside(school_admins)
                urban = self._urban_home_school()
                # Apps above accounts add their own demo content without accounts importing them.
                for app_config in apps.get_app_configs():
                    if hasattr(app_config, "seed_demo"):
                        app_config.seed_demo(stdout=self.stdout)
        finally:
            jobs_log.setLevel(level)
        if not quiet:
            self._print_logins(operator, riverside, urban)
            self.stdout.flush()

    # -- people ---------------------------------------------------------------------------

    def _user(self, email, name, *, language="en-gb", time_zone="Europe/London", phone="", **flags):
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "display_name": name,
                "preferred_language": language,
                "time_zone": time_zone,
                "phone": phone,
                **flags,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _pupil(self, school, first, last, year_group, born, **extra):
        pupil, _ = Pupil.objects.update_or_create(
            school=school,
            first_name=first,
            last_name=last,
            defaults={"year_group": year_group, "date_of_birth": born, **extra},
        )
        return pupil

    def _link(self, guardian, pupil, relationship, primary):
        Guardianship.objects.update_or_create(
            guardian=guardian,
            pupil=pupil,
            defaults={"relationship": relationship, "is_primary_contact": primary, "status": "active"},
        )

    # -- schools --------------------------------------------------------------------------

    def _riverside(self, school_admins) -> School:
        school, _ = School.objects.update_or_create(
            slug="riverside-primary",
            defaults={
                "name": "Riverside Primary School",
                "country": "GB",
                "curriculum": "england",
                "time_zone": "Europe/London",
                "town": "Leeds",
                "urn": "107999",
            },
        )
        classes = {}
        for name, year_group, _born in RIVERSIDE_CLASSES:
            classes[name], _ = ClassGroup.objects.update_or_create(
                school=school, name=name, defaults={"year_group": year_group}
            )
        for email, name, roles, department_name, class_name in RIVERSIDE_STAFF:
            user = self._user(email, name, is_staff=Role.SCHOOL_ADMIN in roles)
            department = None
            if department_name:
                department, _ = Department.objects.get_or_create(school=school, name=department_name)
            for role in roles:
                Membership.objects.update_or_create(
                    user=user, school=school, role=role, defaults={"department": department, "is_active": True}
                )
            if Role.SCHOOL_ADMIN in roles:
                user.groups.add(school_admins)
            if class_name:
                classes[class_name].staff.add(user)
        born_by_class = {name: born for name, _year, born in RIVERSIDE_CLASSES}
        year_by_class = {name: year for name, year, _born in RIVERSIDE_CLASSES}
        pupils = {}
        for index, (first, last, class_name, send_status, send_needs, languages) in enumerate(RIVERSIDE_PUPILS):
            born = datetime.date(born_by_class[class_name], 1 + index % 12, 1 + (index * 3) % 27)
            pupil = self._pupil(
                school,
                first,
                last,
                year_by_class[class_name],
                born,
                send_status=send_status,
                send_needs=send_needs,
                home_languages=languages,
                upn=f"A1234567{index:05d}",
            )
            classes[class_name].pupils.add(pupil)
            pupils[(first, last)] = pupil
        for email, name, language, phone, children in RIVERSIDE_FAMILIES:
            guardian = self._user(email, name, language=language, phone=phone)
            for first, last, relationship, primary in children:
                self._link(guardian, pupils[(first, last)], relationship, primary)
        return school

    def _urban_home_school(self) -> School:
        school, _ = School.objects.update_or_create(
            slug="urban-home-school",
            defaults={
                "name": "Urban Home School",
                "country": "KE",
                "curriculum": "kenya_cbc",
                "time_zone": "Africa/Nairobi",
                "town": "Nairobi",
                "registration_number": "MOE/HS/2023/0417",
            },
        )
        tutor = self._user(
            "tutor@urbanhome.example", "Wanjiru Kamau", time_zone="Africa/Nairobi", phone="+254712345678"
        )
        Membership.objects.update_or_create(user=tutor, school=school, role=Role.TEACHER, defaults={"is_active": True})
        office = self._user("office@urbanhome.example", "Otieno Ouma", time_zone="Africa/Nairobi", is_staff=True)
        Membership.objects.update_or_create(
            user=office, school=school, role=Role.SCHOOL_ADMIN, defaults={"is_active": True}
        )
        office.groups.add(Group.objects.get(name="School admins"))
        parent = self._user(
            "parent@urbanhome.example",
            "Grace Mwangi",
            language="en-gb",
            time_zone="Africa/Nairobi",
            phone="+254722000190",
        )
        for first, last, grade, born in URBAN_CHILDREN:
            pupil = self._pupil(school, first, last, grade, born, home_languages="Swahili, English")
            group, _ = ClassGroup.objects.update_or_create(school=school, name=grade, defaults={"year_group": grade})
            group.staff.add(tutor)
            group.pupils.add(pupil)
            self._link(parent, pupil, "mother", True)
        return school

    def _print_logins(self, operator, riverside, urban):
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data is ready."))
        out.write(f"Open http://127.0.0.1:8000 and sign in with any of these (password: {DEMO_PASSWORD}):")
        rows = [
            ("Parent (English, two children)", "parent@riverside.example"),
            ("Parent (Spanish)", "maria.garcia@riverside.example"),
            ("Parent (Polish)", "anna.kowalska@riverside.example"),
            ("Parent, Kenya (four children)", "parent@urbanhome.example"),
            ("Pupil, Kenya (Imani, own goals)", "imani@urbanhome.example"),  # made by progress' demo
            ("Teacher, Year 3", "teacher@riverside.example"),
            ("Tutor, Urban Home School", "tutor@urbanhome.example"),
            ("SENDCO *", "sendco@riverside.example"),
            ("Designated safeguarding lead *", "dsl@riverside.example"),
            ("Head teacher *", "head@riverside.example"),
            ("School admin and data protection lead *", "office@riverside.example"),
            ("School office, Urban Home School *", "office@urbanhome.example"),
            ("Operator (superuser) *", operator.email),
        ]
        for label, email in rows:
            out.write(f"  {label:<34} {email}")
        out.write("* must set up two-factor authentication at first sign-in (any authenticator app).")
