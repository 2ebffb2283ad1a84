"""One access contract per object kind: `access_<noun>(*, user, <noun>_id, for_update=False)` in an
app's policies returns the object or raises Http404, and `for_update=True` holds the row locked for
the rest of the caller's transaction (so a service writing it is not raced)."""

import importlib
import inspect
import pkgutil
import threading

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import OperationalError
from django.http import Http404

from accounts import policies as people
from messaging import policies
from tests.messaging import world as messaging_world

outside = messaging_world.outside
world = messaging_world.world


def policy_modules():
    """Every `policies` module of the project's own apps (sub-packages included)."""
    found = []
    for config in apps.get_app_configs():
        if not str(config.path).startswith(str(settings.BASE_DIR)) or "site-packages" in str(config.path):
            continue
        for info in pkgutil.walk_packages([config.path], prefix=f"{config.name}."):
            if info.name.rsplit(".", 1)[-1] == "policies":
                found.append(importlib.import_module(info.name))
    return found


def access_functions():
    for module in policy_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("access_") and function.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", function


def test_every_access_function_keeps_the_contract():
    checked = []
    for name, function in access_functions():
        parameters = inspect.signature(function).parameters
        assert all(p.kind == p.KEYWORD_ONLY for p in parameters.values()), f"{name}: keyword-only"
        assert "user" in parameters, f"{name}: takes the acting user"
        assert any(p.endswith("_id") for p in parameters), f"{name}: takes the object's id"
        assert "for_update" in parameters, f"{name}: takes for_update"
        assert parameters["for_update"].default is False, f"{name}: for_update defaults to False"
        checked.append(name)
    assert "messaging.policies.access_conversation" in checked
    assert "accounts.policies.access_pupil" in checked


def test_a_guessed_id_answers_404_with_or_without_a_lock(world):
    far = world.far_thread()
    for for_update in (False, True):
        with transaction.atomic(), pytest.raises(Http404):
            policies.access_conversation(user=world.parent, conversation_id=far.pk, for_update=for_update)
        with transaction.atomic(), pytest.raises(Http404):
            people.access_pupil(user=world.parent, pupil_id=world.far_pupil.pk, for_update=for_update)


@pytest.mark.django_db(transaction=True)
def test_for_update_holds_the_row_until_the_transaction_ends(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs it)")
    thread = world.guardian_thread()
    other_saw = []

    def try_to_lock():
        from django.db import connection as own

        try:
            with transaction.atomic():
                with own.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                type(thread).objects.select_for_update().get(pk=thread.pk)
            other_saw.append("got it")
        except OperationalError:
            other_saw.append("waited")
        finally:
            own.close()

    with transaction.atomic():
        locked = policies.access_conversation(user=world.parent, conversation_id=thread.pk, for_update=True)
        assert locked.pk == thread.pk
        worker = threading.Thread(target=try_to_lock)
        worker.start()
        worker.join(10)
    assert other_saw == ["waited"]
    after = threading.Thread(target=try_to_lock)
    after.start()
    after.join(10)
    assert other_saw == ["waited", "got it"]
