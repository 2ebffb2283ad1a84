"""Each app registers its own periodic tasks; hub's settings hold only hub's own.

The beat process is started the way `celery -A hub beat` starts it, in a fresh interpreter where
Django is not set up yet, so the test sees what production's beat would schedule.
"""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hub import celery

ROOT = Path(__file__).resolve().parents[2]
MESSAGING_TASKS = {
    "notifications-daily-digests": "messaging.notifications.tasks.send_daily_digests",
    "notifications-release-held": "messaging.notifications.tasks.release_held_notifications",
    "messaging-dispatch-scheduled": "messaging.tasks.dispatch_scheduled_messages",
}

# What `celery -A hub beat` does before its first tick (celery.apps.beat.Beat.run): initialise the
# loader (the Django fixup sets Django up), finalize the app, then build the scheduler from
# app.conf.beat_schedule. Prints the scheduler's entries and the registered task names.
BEAT_START = """
import json
from celery.apps.beat import Beat
from hub.celery import app

beat = Beat(app=app, quiet=True)
beat.init_loader()
scheduler = beat.Service(app=app, scheduler_cls="celery.beat:Scheduler").get_scheduler()
print(json.dumps({
    "schedule": {name: entry.task for name, entry in scheduler.schedule.items()},
    "tasks": sorted(app.tasks),
}))
"""


def _app_task_names() -> set[str]:
    """Task names under any installed app other than hub (`messaging.…`, `accounts.…`)."""
    return {config.name for config in apps.get_app_configs() if config.name != "hub"}


def test_a_freshly_started_beat_schedules_messagings_periodic_tasks_and_knows_their_jobs():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings.test", "CELERY_SKIP_CHECKS": "1"}
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", BEAT_START], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout.strip().splitlines()[-1])

    for name, task in MESSAGING_TASKS.items():
        assert started["schedule"][name] == task
        assert task in started["tasks"]  # imported by messaging itself, not named in hub's settings
    assert "messaging.notifications.tasks.deliver_notification" in started["tasks"]


def test_the_celery_app_in_this_process_has_the_same_schedule():
    celery.app.finalize()
    schedule = dict(celery.app.conf.beat_schedule)
    assert {name: entry["task"] for name, entry in schedule.items() if name in MESSAGING_TASKS} == MESSAGING_TASKS
    assert celery.beat_schedule().keys() == schedule.keys()


def test_hub_settings_name_no_apps_periodic_tasks_or_task_modules():
    app_names = _app_task_names()

    def of_an_app(dotted: str) -> bool:
        return dotted.split(".")[0] in app_names

    assert not [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if of_an_app(entry["task"])]
    assert not [module for module in settings.CELERY_IMPORTS if of_an_app(module)]
    source = (ROOT / "hub" / "settings" / "base.py").read_text()
    for task in MESSAGING_TASKS.values():
        assert task not in source


class _Declares(AppConfig):
    path = "/nonexistent"

    def periodic_tasks(self):
        return {"messaging-dispatch-scheduled": {"task": "reports.tasks.dispatch", "schedule": 60.0}}


def test_two_apps_declaring_one_periodic_task_name_stop_start_up(monkeypatch):
    config = _Declares("reports", types.ModuleType("reports"))
    monkeypatch.setitem(apps.app_configs, "reports", config)
    with pytest.raises(ImproperlyConfigured, match="messaging-dispatch-scheduled"):
        celery.periodic_tasks_from_apps()
