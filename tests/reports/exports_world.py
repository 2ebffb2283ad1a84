"""Two families at one school and one at another, each with one of everything an export reads
(portfolio items in every state, a conversation with a stored translation, a goal with an update,
consents and their history, an account with a payment and ledger entries, sign-ins, audit entries,
notifications, a subject-access request), for the exports' tests. Builders and fixtures only."""

import datetime
import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import audit
from accounts.models import ConsentChange, ConsentRecord, DataRequest, LoginAttempt, Pupil, User
from finance.models import AccountMember, FamilyAccount, LedgerEntry, Payment
from messaging.models import Conversation, Message, Notification, Participant, StoredTranslation
from parents.models import MoodCheckIn
from progress.models import Goal, GoalUpdate, PortfolioItem
from tests import factories
from tests.conftest import force_verified_login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Family:
    parent: User
    child: Pupil
    word: str  # a marker in every text the family's rows carry
    items: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)


def item(child, added_by, title, *, status="approved", visibility="family", file=True, deleted=False, **extra):
    return PortfolioItem.objects.create(
        pupil=child,
        kind="work",
        title=title,
        description=extra.pop("description", f"About {title}"),
        file=SimpleUploadedFile(f"{title}.png", PNG, content_type="image/png") if file else "",
        original_name=f"{title}.png" if file else "",
        content_type="image/png" if file else "",
        visibility=visibility,
        status=status,
        added_by=added_by,
        deleted_at=timezone.now() if deleted else None,
        **extra,
    )


def fill(family: Family, teacher: User) -> Family:
    """One of everything an export reads, for `family` (texts carry `family.word`)."""
    parent, child, word = family.parent, family.child, family.word
    day = timezone.now() - datetime.timedelta(days=3)
    family.items = {
        "first": item(child, teacher, f"{word} volcano model", created_at=day),
        "second": item(child, parent, f"{word} reading diary", created_at=day + datetime.timedelta(days=1)),
        "reflection": item(
            child, teacher, f"{word} reflection", file=False, created_at=day + datetime.timedelta(days=2)
        ),
        "pending": item(child, parent, f"{word} pending drawing", status="pending"),
        "declined": item(child, parent, f"{word} declined drawing", status="declined"),
        "deleted": item(child, teacher, f"{word} deleted drawing", deleted=True),
    }
    conversation = Conversation.objects.create(
        school=child.school, pupil=child, kind="guardian_staff", subject=f"{word} subject", created_by=parent
    )
    Participant.objects.create(conversation=conversation, user=parent)
    Participant.objects.create(conversation=conversation, user=teacher)
    sent = Message.objects.create(
        conversation=conversation, sender=parent, body=f"{word} hola mensaje", language="es", sent_at=timezone.now()
    )
    received = Message.objects.create(
        conversation=conversation, sender=teacher, body=f"{word} teacher reply", language="en", sent_at=timezone.now()
    )
    StoredTranslation.objects.create(
        content_type=ContentType.objects.get_for_model(Message),
        object_id=sent.pk,
        field="body",
        language="en",
        body=f"{word} hello message",
        engine="test",
        source_language="es",
        school=child.school,
    )
    goal = Goal.objects.create(pupil=child, title=f"{word} goal", category="academic", created_by=parent)
    update = GoalUpdate.objects.create(goal=goal, pupil=child, author=parent, side="home", note=f"{word} goal update")
    record = ConsentRecord.objects.create(
        pupil=child, data_kind="photos", recipient="other_families", given=False, reason=f"{word} reason", set_by=parent
    )
    change = ConsentChange.objects.create(
        record=record,
        pupil=child,
        data_kind="photos",
        recipient="other_families",
        action="refused",
        performed_by=parent,
        old_value=True,
        new_value=False,
        reason=f"{word} reason",
    )
    account = FamilyAccount.objects.create(school=child.school, currency="KES")
    AccountMember.objects.create(account=account, pupil=child)
    payment = Payment.objects.create(
        account=account,
        requested_by=parent,
        amount=Decimal("1500"),
        phone="+254712345678",
        status="paid",
        mpesa_receipt=f"{word.upper()[:8]}R1",
        settled_at=timezone.now(),
    )
    entry = LedgerEntry.objects.create(
        account=account,
        kind="payment",
        purpose="balance",
        amount=Decimal("1500"),
        currency="KES",
        payment=payment,
        key=f"{word}-payment",
    )
    sign_in = LoginAttempt.objects.create(
        user=parent, email_entered=parent.email, outcome="success", town=f"{word}town"
    )
    audit_entry = audit.record(actor=parent, action="pupil.viewed", target=child, note=f"{word} audit")
    notification = Notification.objects.create(user=parent, kind="message", title=f"{word} notification", url="/")
    # Registered into the export by the parents' dashboard (reports cannot import it).
    mood = MoodCheckIn.objects.create(guardian=parent, pupil=child, emoji="good", mood=4, energy=3, note=f"{word} mood")
    data_request = DataRequest.objects.create(
        school=child.school,
        requester=parent,
        kind="access",
        details=f"{word} wants a copy",
        received_at=timezone.now(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    family.rows = {
        "message": [sent.pk, received.pk],
        "goal": [goal.pk],
        "goal_update": [update.pk],
        "consent": [record.pk],
        "consent_change": [change.pk],
        "payment": [payment.pk],
        "ledger": [entry.pk],
        "sign_in": [sign_in.pk],
        "audit": [audit_entry.pk],
        "notification": [notification.pk],
        "mood": [mood.pk],
        "data_request": data_request,
        "account": account.pk,
    }
    return family


class World:
    def __init__(self):
        self.school = factories.SchoolFactory(name="Home School")
        self.far_school = factories.SchoolFactory(name="Elsewhere Academy")
        self.teacher = factories.UserFactory(display_name="Tess Teacher")
        factories.MembershipFactory(user=self.teacher, school=self.school, role="teacher")
        self.dpl = factories.UserFactory(display_name="Dana Dataprotection")
        factories.MembershipFactory(user=self.dpl, school=self.school, role="dpl")
        self.far_dpl = factories.UserFactory(display_name="Fay Fardpl")
        factories.MembershipFactory(user=self.far_dpl, school=self.far_school, role="dpl")
        far_teacher = factories.UserFactory(display_name="Vic Farteacher")
        factories.MembershipFactory(user=far_teacher, school=self.far_school, role="teacher")

        self.family = self._family(self.school, "Pat Parent", "Visible", "Childname", "Sunflower")
        self.co_parent = factories.UserFactory(display_name="Cam Coparent")
        factories.GuardianshipFactory(guardian=self.co_parent, pupil=self.family.child, relationship="father")
        self.other = self._family(self.school, "Quinn Otherfamily", "Secretfamily", "Kidd", "Secretfamily")
        self.far = self._family(self.far_school, "Remy Farparent", "Farschool", "Hidden", "Farschool")
        fill(self.family, self.teacher)
        fill(self.other, self.teacher)
        fill(self.far, far_teacher)

    @property
    def parent(self):
        return self.family.parent

    @property
    def child(self):
        return self.family.child

    def _family(self, school, name, first, last, word) -> Family:
        parent = factories.UserFactory(display_name=name, preferred_language="en-gb")
        child = factories.PupilFactory(school=school, first_name=first, last_name=last)
        factories.GuardianshipFactory(guardian=parent, pupil=child, relationship="mother")
        return Family(parent=parent, child=child, word=word)


@pytest.fixture
def world(db):
    return World()


def sign_in(client, user):
    """Signed in past the second factor where the role needs one (the data protection lead)."""
    from accounts.policies import requires_two_factor

    if requires_two_factor(user):
        force_verified_login(client, user)
    else:
        client.force_login(user)
    return client


def zip_of(export) -> zipfile.ZipFile:
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def json_files(archive: zipfile.ZipFile) -> dict[str, list]:
    return {name: json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")}
