"""Who may start which conversation with whom, and who sees it afterwards (policies, tested from outside)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Guardianship, Membership
from accounts.models import Pupil as PupilModel
from messaging import policies
from messaging.models import Conversation, Participant
from messaging.services import MessagingError
from messaging.services import conversations as services
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world

Kind = Conversation.Kind


def names(users):
    return {str(user) for user in users}


def test_guardian_may_write_to_the_childs_teacher_sendco_and_leaders_only(world):
    reachable = policies.recipients_reachable(user=world.parent, kind=Kind.GUARDIAN_STAFF, pupil=world.child)
    assert names(reachable) == {"Tess Teacher", "Sid Sendco", "Lee Leader"}


def test_guardian_cannot_write_about_another_familys_child_or_pick_arbitrary_staff(world):
    assert not policies.can_start_conversation(user=world.parent, kind=Kind.GUARDIAN_STAFF, pupil=world.other_child)
    with pytest.raises(PermissionDenied):
        services.conversation_start(
            starter=world.parent,
            kind=Kind.GUARDIAN_STAFF,
            pupil=world.other_child,
            subject="x",
            body="y",
            recipient_ids=[world.other_teacher.pk],
        )
    for stranger in (world.other_teacher, world.other_parent, world.far_teacher, world.dsl, world.office):
        with pytest.raises(MessagingError):
            world.guardian_thread(recipients=[stranger])
    assert not Conversation.objects.exists()


def test_guardian_without_viewing_rights_can_start_nothing(world):
    for kind in (Kind.GUARDIAN_STAFF, Kind.FAMILY):
        assert not policies.can_start_conversation(user=world.no_rights_parent, kind=kind, pupil=world.child)
    assert not policies.can_start_conversation(user=world.no_rights_parent, kind=Kind.SUPPORT, school=world.school)


def test_staff_write_to_guardians_with_viewing_rights_and_colleagues_who_support_the_pupil(world):
    reachable = names(policies.recipients_reachable(user=world.teacher, kind=Kind.GUARDIAN_STAFF, pupil=world.child))
    assert {"Pat Parent", "Cam Coparent"} <= reachable
    assert "Nell Norights" not in reachable
    assert "Quinn Otherfamily" not in reachable
    assert "Otto Otherclass" not in reachable


def test_staff_who_do_not_teach_the_pupil_cannot_start_about_them(world):
    assert not policies.can_start_conversation(user=world.other_teacher, kind=Kind.GUARDIAN_STAFF, pupil=world.child)
    assert not policies.can_start_conversation(user=world.far_teacher, kind=Kind.STAFF_TEAM, pupil=world.child)


def test_separated_parents_can_be_kept_in_separate_conversations(world):
    first = world.guardian_thread(starter=world.teacher, recipients=[world.parent], subject="For mum")
    second = world.guardian_thread(starter=world.teacher, recipients=[world.co_parent], subject="For dad")
    assert policies.can_view_conversation(user=world.parent, conversation=first)
    assert not policies.can_view_conversation(user=world.parent, conversation=second)
    assert not policies.can_view_conversation(user=world.co_parent, conversation=first)


def test_staff_writing_to_a_family_must_include_a_guardian(world):
    with pytest.raises(MessagingError):
        world.guardian_thread(starter=world.teacher, recipients=[world.sendco])


def test_staff_team_thread_is_staff_only(world):
    reachable = names(policies.recipients_reachable(user=world.teacher, kind=Kind.STAFF_TEAM, pupil=world.child))
    assert {"Sid Sendco", "Lee Leader", "Dee Dsl", "Ola Office"} <= reachable
    assert not reachable & {"Pat Parent", "Cam Coparent", "Otto Otherclass"}
    assert not policies.can_start_conversation(user=world.parent, kind=Kind.STAFF_TEAM, pupil=world.child)


def test_family_thread_is_between_co_parents(world):
    reachable = names(policies.recipients_reachable(user=world.parent, kind=Kind.FAMILY, pupil=world.child))
    assert reachable == {"Cam Coparent"}
    assert not policies.can_start_conversation(user=world.teacher, kind=Kind.FAMILY, pupil=world.child)


def test_support_thread_goes_to_the_whole_school_office(world):
    conversation = services.conversation_start(
        starter=world.parent, kind=Kind.SUPPORT, school=world.school, subject="Dinner money", body="Hello office"
    )
    people = set(Participant.objects.filter(conversation=conversation).values_list("user__display_name", flat=True))
    assert people == {"Pat Parent", "Ola Office"}
    assert not policies.can_start_conversation(user=world.parent, kind=Kind.SUPPORT, school=world.far_school)


def test_access_is_for_participants_only_and_boring_404_otherwise(world):
    conversation = world.guardian_thread()
    assert policies.access_conversation(user=world.teacher, conversation_id=conversation.pk) == conversation
    for outsider in (world.co_parent, world.other_parent, world.sendco, world.far_teacher, world.other_teacher):
        with pytest.raises(Http404):
            policies.access_conversation(user=outsider, conversation_id=conversation.pk)
    with pytest.raises(Http404):
        policies.access_conversation(user=world.parent, conversation_id="not-a-number")


def test_losing_viewing_rights_or_the_class_removes_access_at_once(world):
    conversation = world.guardian_thread(recipients=[world.teacher])
    Guardianship.objects.filter(guardian=world.parent).update(can_view=False)
    assert not policies.can_view_conversation(user=world.parent, conversation=conversation)
    Membership.objects.filter(user=world.teacher).update(is_active=False)
    assert not policies.can_view_conversation(user=world.teacher, conversation=conversation)


def test_only_staff_participants_close_and_reopen_and_closed_threads_refuse_messages(world):
    from messaging.services import ConversationClosed
    from messaging.services.messages import message_send

    conversation = world.guardian_thread()
    with pytest.raises(PermissionDenied):
        services.conversation_close(user=world.parent, conversation=conversation)
    with pytest.raises(PermissionDenied):
        services.conversation_close(user=world.sendco, conversation=conversation)  # not taking part
    services.conversation_close(user=world.teacher, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.is_closed
    with pytest.raises(ConversationClosed):
        message_send(sender=world.parent, conversation=conversation, body="Still there?")
    services.conversation_reopen(user=world.teacher, conversation=conversation)
    conversation.refresh_from_db()
    message_send(sender=world.parent, conversation=conversation, body="Thanks")


def test_conversation_start_is_audited(world):
    from accounts.models import AuditEntry

    conversation = world.guardian_thread()
    entry = AuditEntry.objects.get(action="conversation.started")
    assert entry.target_id == str(conversation.pk)
    assert entry.school_id == world.school.pk


def test_left_pupils_are_not_offered_for_new_conversations(world):
    from django.utils import timezone

    from messaging import selectors

    PupilModel.objects.filter(pk=world.child.pk).update(left_at=timezone.now())
    assert list(selectors.pupils_to_write_about(world.parent)) == []
