"""The outbox in-process (jobs run eagerly, as in the demo): what is recorded, when it runs, what
a failure leaves for operators. Faults against a real worker and Redis are in tests/faults/."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from hub import outbox
from hub.models import OutboxEntry
from tests import factories
from tests.conftest import force_verified_login

pytestmark = pytest.mark.django_db

EFFECT = "test.welcome_email"
FLAKY = "test.flaky"


def _send_welcome(entry: OutboxEntry) -> None:
    person = entry.target
    mail.send_mail(f"Welcome {person.display_name}", entry.payload.get("text", ""), None, [person.email])


@pytest.fixture(autouse=True)
def effects():
    outbox.register(EFFECT, _send_welcome, queue="email", max_attempts=3)
    failures = {"left": 0}

    def flaky(entry):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionRefusedError("SMTP server not answering")
        mail.send_mail("Flaky", "", None, ["flaky@example.org"])

    outbox.register(FLAKY, flaky, max_attempts=3)
    yield failures
    outbox.unregister(EFFECT)
    outbox.unregister(FLAKY)


@pytest.mark.django_db(transaction=True)  # no test-wide transaction: the service forgot atomic()
def test_recording_outside_a_transaction_is_refused():
    person = factories.UserFactory()
    with pytest.raises(TransactionManagementError):
        outbox.record(EFFECT, target=person)
    assert not OutboxEntry.objects.exists()


def test_an_unknown_effect_is_refused_when_recorded():
    with pytest.raises(outbox.UnknownEffect), transaction.atomic():
        outbox.record("test.nobody_handles_this", payload={})


def test_a_committed_effect_runs_once_after_the_commit(django_capture_on_commit_callbacks):
    person = factories.UserFactory(display_name="Amina")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            entry = outbox.record(EFFECT, target=person, payload={"text": "Hello"})
            assert mail.outbox == []  # nothing happens before the commit
    assert [m.subject for m in mail.outbox] == ["Welcome Amina"]
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.DONE
    assert entry.attempts == 1
    assert entry.queue == "email"
    assert entry.done_at is not None


def test_recording_the_same_effect_twice_keeps_one_entry_and_sends_once(django_capture_on_commit_callbacks):
    person = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox.record(EFFECT, target=person)
        second = outbox.record(EFFECT, target=person)
    # A retried request records it again, after the first ran.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        third = outbox.record(EFFECT, target=person)
    assert first.pk == second.pk == third.pk
    assert len(mail.outbox) == 1
    # A key makes a second effect for the same target distinct.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.record(EFFECT, target=person, key="reminder")
    assert len(mail.outbox) == 2
    assert OutboxEntry.objects.count() == 2


def test_a_rolled_back_write_records_and_sends_nothing(django_capture_on_commit_callbacks):
    person = factories.UserFactory()

    @transaction.atomic
    def write_that_fails():
        outbox.record(EFFECT, target=person)
        raise RuntimeError("the write failed after recording")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        write_that_fails()
    assert callbacks == []
    assert not OutboxEntry.objects.exists()
    assert mail.outbox == []


def test_a_failing_handler_backs_off_then_succeeds_once(effects, django_capture_on_commit_callbacks):
    effects["left"] = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = outbox.record(FLAKY, key="one")
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.PENDING
    assert entry.attempts == 1
    assert "ConnectionRefusedError: SMTP server not answering" in entry.last_error
    assert entry.next_attempt_at > timezone.now()  # backoff: not before its time...
    assert outbox.run(entry.pk) == "skipped"
    assert mail.outbox == []

    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep() == 1  # ...then the sweeper runs it (in-process without a broker)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.DONE
    assert entry.attempts == 2
    assert entry.last_error == ""
    assert len(mail.outbox) == 1
    assert outbox.run(entry.pk) == "skipped"  # a duplicate delivery of the task does nothing
    assert len(mail.outbox) == 1


HALFWAY = "test.halfway"


@pytest.mark.django_db(transaction=True)  # the handler's transaction is the outermost: it really rolls back
def test_a_handler_failing_halfway_leaves_none_of_its_writes_and_its_attempt_is_counted(
    django_capture_on_commit_callbacks,
):
    person = factories.UserFactory(display_name="Before")
    tries = []

    def halfway(entry):
        # Writes, records a follow-up effect, then fails on the first attempt.
        type(person).objects.filter(pk=person.pk).update(display_name=f"After {len(tries) + 1}")
        outbox.record(EFFECT, target=person, payload={"text": "follow-up"})
        tries.append(entry.attempts)
        if len(tries) == 1:
            raise ConnectionRefusedError("SMTP server not answering")

    outbox.register(HALFWAY, halfway)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entry = outbox.record(HALFWAY, key="once")
        entry.refresh_from_db()
        person.refresh_from_db()
        assert (entry.status, entry.attempts) == (OutboxEntry.Status.PENDING, 1)
        assert "SMTP server not answering" in entry.last_error
        assert person.display_name == "Before"  # its write rolled back with the failure...
        assert not OutboxEntry.objects.filter(effect=EFFECT).exists()  # ...and so did its follow-up
        assert mail.outbox == []

        OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        assert outbox.run(entry.pk) == "done"
        entry.refresh_from_db()
        person.refresh_from_db()
        assert (entry.status, entry.attempts, entry.last_error) == (OutboxEntry.Status.DONE, 2, "")
        assert person.display_name == "After 2"
        assert [mail_sent.body for mail_sent in mail.outbox] == ["follow-up"]  # the follow-up, once
        assert tries == [1, 2]
    finally:
        outbox.unregister(HALFWAY)


def test_after_its_last_attempt_an_entry_fails_for_operators_to_retry(effects, django_capture_on_commit_callbacks):
    effects["left"] = 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = outbox.record(FLAKY, key="two")
    for _attempt in range(2):
        OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        outbox.run(entry.pk)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.FAILED
    assert entry.attempts == 3
    assert mail.outbox == []

    call_command("outbox")
    call_command("outbox", "--failed")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("outbox", "--retry-failed", "--effect", FLAKY)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.DONE
    assert len(mail.outbox) == 1


def test_the_operator_command_counts_by_effect_and_status(capsys, effects, django_capture_on_commit_callbacks):
    effects["left"] = 3
    person = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.record(EFFECT, target=person)
        outbox.record(FLAKY, key="three")
    OutboxEntry.objects.filter(effect=FLAKY).update(
        status=OutboxEntry.Status.FAILED, last_error="ConnectionRefusedError"
    )
    call_command("outbox")
    summary = capsys.readouterr().out
    assert f"{EFFECT}  done" in summary.replace("   ", "  ")
    assert "failed" in summary
    call_command("outbox", "--failed")
    listing = capsys.readouterr().out
    assert FLAKY in listing
    assert "ConnectionRefusedError" in listing
    assert "1 failed entries." in listing


def test_the_sweeper_runs_an_entry_whose_task_was_never_picked_up():
    person = factories.UserFactory(display_name="Bo")
    with transaction.atomic():  # the commit's callback is lost (as if Redis was down)
        entry = outbox.record(EFFECT, target=person)
    assert outbox.sweep() == 0  # published a moment ago: give the worker its grace period
    OutboxEntry.objects.filter(pk=entry.pk).update(enqueued_at=timezone.now() - timedelta(minutes=1))
    assert outbox.sweep() == 1
    assert [m.subject for m in mail.outbox] == ["Welcome Bo"]
    assert outbox.sweep() == 0


def test_an_effect_recorded_with_a_delay_waits_for_the_sweeper_once_it_is_due(
    django_capture_on_commit_callbacks, monkeypatch
):
    person = factories.UserFactory(display_name="Cy")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.record(EFFECT, target=person, delay=timedelta(minutes=2))
    assert callbacks == []  # nothing published at commit
    assert mail.outbox == []
    assert outbox.sweep() == 0  # not due yet

    two_minutes_on = timezone.now() + timedelta(minutes=2, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: two_minutes_on)
    assert outbox.sweep() == 1
    assert [m.subject for m in mail.outbox] == ["Welcome Cy"]
    assert outbox.sweep() == 0


def test_a_waiting_entry_hastened_runs_at_commit_and_only_waiting_ones_are(django_capture_on_commit_callbacks):
    waiting, other_key, done = (factories.UserFactory(display_name=name) for name in ("Wyn", "Kit", "Dot"))
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        outbox.record(EFFECT, target=waiting, key="awaiting", delay=timedelta(minutes=2))
        outbox.record(EFFECT, target=other_key, key="another", delay=timedelta(minutes=2))
        finished = outbox.record(EFFECT, target=done, key="awaiting", delay=timedelta(minutes=2))
    OutboxEntry.objects.filter(pk=finished.pk).update(status=OutboxEntry.Status.DONE)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        hastened = outbox.hasten([EFFECT], targets=[waiting, other_key, done], key="awaiting")

    assert hastened == 1
    assert [m.subject for m in mail.outbox] == ["Welcome Wyn"]  # ran at commit, not after two minutes
    assert outbox.hasten([EFFECT], targets=[waiting], key="awaiting") == 0  # done now: nothing to hasten
    assert OutboxEntry.objects.get(dedupe_key__endswith=f":{other_key.pk}:another").next_attempt_at > timezone.now()


def test_a_settled_entry_is_done_without_running_and_only_while_its_payload_is_unchanged(monkeypatch):
    settled, changed, other_key = (factories.UserFactory(display_name=name) for name in ("Sal", "Cha", "Kit"))
    with transaction.atomic():
        outbox.record(EFFECT, target=settled, key="waits", payload={"text": "hi"}, delay=timedelta(minutes=2))
        outbox.record(EFFECT, target=changed, key="waits", payload={"text": "hi, and more"}, delay=timedelta(minutes=2))
        outbox.record(EFFECT, target=other_key, key="another", payload={"text": "hi"}, delay=timedelta(minutes=2))

    with transaction.atomic():
        for person in (settled, changed, other_key):
            outbox.settle(EFFECT, target=person, keys=("waits", "or-this"), payload={"text": "hi"})

    entry = OutboxEntry.objects.get(dedupe_key__endswith=f":{settled.pk}:waits")
    assert (entry.status, entry.attempts) == (OutboxEntry.Status.DONE, 0)  # settled: never run
    assert outbox.settle(EFFECT, target=settled, keys=("waits",), payload={"text": "hi"}) == 0  # done already
    two_minutes_on = timezone.now() + timedelta(minutes=2, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: two_minutes_on)
    # The entry whose payload had grown and the one of another key still run, at their time.
    assert outbox.sweep() == 2
    assert sorted(m.subject for m in mail.outbox) == ["Welcome Cha", "Welcome Kit"]


RUN_HERE = "test.run_here"


@pytest.fixture
def inline_effect():
    """An effect whose handler writes (a welcome email's subject saved as the person's name, the
    stand-in for a notification) and then, after the commit, sends the email (the stand-in for a
    push); `fail` makes the handler raise before writing, `push_fails` makes the step raise."""
    state = {"fail": False, "push_fails": 0, "handled_in": []}

    def handler(entry: OutboxEntry):
        person = entry.target
        if state["fail"]:
            raise RuntimeError("nothing written yet")
        state["handled_in"].append(transaction.get_connection().in_atomic_block)
        if not outbox.written(entry):
            person.display_name = f"{person.display_name} (welcomed)"
            person.save(update_fields=["display_name"])

        def step():
            if state["push_fails"]:
                state["push_fails"] -= 1
                raise ConnectionRefusedError("Redis is down")
            mail.send_mail(f"Welcome {person.display_name}", "", None, [person.email])

        return outbox.AfterCommit(step)

    outbox.register(RUN_HERE, handler)
    yield state
    outbox.unregister(RUN_HERE)


def test_an_effect_run_here_writes_in_the_callers_transaction_and_steps_after_its_commit(
    inline_effect, django_capture_on_commit_callbacks
):
    person = factories.UserFactory(display_name="Ren")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        entry = outbox.run_here(RUN_HERE, target=person)
        person.refresh_from_db()
        assert person.display_name == "Ren (welcomed)"  # written now, in this transaction
        assert mail.outbox == []  # the step waits for the commit
    assert inline_effect["handled_in"] == [True]
    assert len(callbacks) == 1  # the step; nothing published for a worker
    assert [m.subject for m in mail.outbox] == ["Welcome Ren (welcomed)"]
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.DONE
    assert outbox.written(entry)


def test_an_effect_run_here_hands_its_handler_the_callers_own_target(django_assert_num_queries):
    seen = []
    outbox.register("test.sees_target", lambda entry: seen.append(entry.target))
    person = factories.UserFactory(display_name="Tam")
    # The entry's content type, as every process keeps it after its first entry: not counted here.
    ContentType.objects.get_for_model(person)
    try:
        with transaction.atomic():
            # The entry's insert and nothing else: the target is not loaded again.
            with django_assert_num_queries(1):
                outbox.run_here("test.sees_target", target=person)
    finally:
        outbox.unregister("test.sees_target")
    assert seen[0] is person


def test_an_effect_run_here_in_a_rolled_back_transaction_leaves_nothing(inline_effect):
    person = factories.UserFactory(display_name="Rae")

    def send_that_fails():
        with transaction.atomic():
            outbox.run_here(RUN_HERE, target=person)
            raise ZeroDivisionError  # the write it follows from fails

    with pytest.raises(ZeroDivisionError):
        send_that_fails()
    person.refresh_from_db()
    assert person.display_name == "Rae"
    assert not OutboxEntry.objects.filter(effect=RUN_HERE).exists()
    assert mail.outbox == []


def test_a_handler_failing_here_leaves_its_entry_to_a_worker(inline_effect, django_capture_on_commit_callbacks):
    person = factories.UserFactory(display_name="Rio")
    inline_effect["fail"] = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        entry = outbox.run_here(RUN_HERE, target=person)
    assert entry.status == OutboxEntry.Status.PENDING
    assert not outbox.written(entry)
    inline_effect["fail"] = False
    for callback in callbacks:
        callback()  # published: the worker (eager here) runs it all
    person.refresh_from_db()
    assert person.display_name == "Rio (welcomed)"
    assert [m.subject for m in mail.outbox] == ["Welcome Rio (welcomed)"]


def test_a_step_failing_after_a_run_here_is_retried_without_writing_again(
    inline_effect, django_capture_on_commit_callbacks, monkeypatch
):
    person = factories.UserFactory(display_name="Ray")
    inline_effect["push_fails"] = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = outbox.run_here(RUN_HERE, target=person)
    entry.refresh_from_db()
    assert entry.status == OutboxEntry.Status.PENDING
    assert outbox.written(entry)
    assert mail.outbox == []

    later = entry.next_attempt_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert outbox.run(entry.pk) == "done"
    person.refresh_from_db()
    assert person.display_name == "Ray (welcomed)"  # not "(welcomed) (welcomed)"
    assert [m.subject for m in mail.outbox] == ["Welcome Ray (welcomed)"]


def test_an_effect_run_here_with_a_key_keeps_its_payload_and_runs_once_per_key(django_capture_on_commit_callbacks):
    """A reader's receipts: the entry is keyed (reader and message) and carries what to push; a
    second transaction that records the same key after the first committed (two tabs reading the
    same message at once) gets the first's entry and pushes nothing more."""
    steps = []

    def handler(entry: OutboxEntry):
        return outbox.AfterCommit(lambda: steps.append(entry.payload["pushes"]))

    outbox.register("test.run_here.keyed", handler)
    try:
        person = factories.UserFactory(display_name="Kit")
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            first = outbox.run_here("test.run_here.keyed", target=person, key="read:7", payload={"pushes": [[1, 2]]})
        first.refresh_from_db()
        assert first.status == OutboxEntry.Status.DONE
        assert first.payload["pushes"] == [[1, 2]]
        assert outbox.written(first)
        assert steps == [[[1, 2]]]

        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            again = outbox.run_here("test.run_here.keyed", target=person, key="read:7", payload={"pushes": [[1, 2]]})
        assert again.pk == first.pk
        assert callbacks == []
        assert steps == [[[1, 2]]]
        assert OutboxEntry.objects.filter(effect="test.run_here.keyed").count() == 1
    finally:
        outbox.unregister("test.run_here.keyed")


def test_an_entry_runs_only_when_pending_and_due():
    person = factories.UserFactory(display_name="Di")
    with transaction.atomic():  # the commit's callback is lost: the test runs the entry itself
        entry = outbox.record(EFFECT, target=person, delay=timedelta(minutes=5))
    assert outbox.run(entry.pk) == "skipped"  # not due yet (a task published early)
    assert mail.outbox == []
    assert OutboxEntry.objects.get(pk=entry.pk).attempts == 0

    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    assert outbox.run(entry.pk) == "done"
    assert outbox.run(entry.pk) == "skipped"  # done: a task delivered twice sends once
    assert [m.subject for m in mail.outbox] == ["Welcome Di"]
    assert outbox.run(-1) == "skipped"  # gone (purged)


@pytest.mark.django_db(transaction=True)
def test_an_entry_another_worker_holds_is_skipped_without_waiting():
    import threading

    from django.db import connection

    person = factories.UserFactory(display_name="Ed")
    with transaction.atomic():  # delayed, so nothing runs at the commit; then made due
        entry = outbox.record(EFFECT, target=person, delay=timedelta(minutes=5))
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_worker():  # its own connection, holding the entry's row as a run does
        try:
            with transaction.atomic():
                OutboxEntry.objects.select_for_update().get(pk=entry.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    threading.Thread(target=other_worker, daemon=True).start()
    assert held.wait(10)
    try:
        assert outbox.run(entry.pk) == "skipped"  # SKIP LOCKED: no wait for the other worker
        assert mail.outbox == []
    finally:
        release.set()
        done.wait(10)
    assert outbox.run(entry.pk) == "done"
    assert [m.subject for m in mail.outbox] == ["Welcome Ed"]


def test_only_superusers_see_the_outbox_in_admin(client):
    staff = factories.UserFactory(is_staff=True)
    force_verified_login(client, staff)
    assert client.get("/admin/hub/outboxentry/").status_code == 403

    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    force_verified_login(client, operator)
    with transaction.atomic():
        entry = outbox.record(EFFECT, target=operator)
    assert client.get("/admin/hub/outboxentry/").status_code == 200
    assert client.get(f"/admin/hub/outboxentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/hub/outboxentry/add/").status_code == 403
    assert client.post(f"/admin/hub/outboxentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxEntry.objects.filter(pk=entry.pk).exists()


def test_operators_purge_entries_done_long_ago(django_capture_on_commit_callbacks):
    person = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        old = outbox.record(EFFECT, target=person)
        recent = outbox.record(EFFECT, target=person, key="recent")
        pending = outbox.record(FLAKY, key="pending")
    OutboxEntry.objects.filter(pk=old.pk).update(done_at=timezone.now() - timedelta(days=40))
    OutboxEntry.objects.filter(pk=pending.pk).update(status=OutboxEntry.Status.PENDING, done_at=None)
    call_command("outbox", "--purge-done-days", "30")
    assert set(OutboxEntry.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
