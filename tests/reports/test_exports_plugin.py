"""The exports' hooks: the outbox effect runs on the "reports" queue, and the hourly clean-up
names a task the worker knows."""

from hub import outbox
from hub.celery import app
from reports.exports import plugin


def test_ready_registers_the_export_effect_on_the_reports_queue():
    plugin.ready()
    registration = outbox.registered("reports.export")
    assert registration.queue == "reports"


def test_the_periodic_clean_up_names_a_task_the_worker_knows():
    plugin.ready()
    entry = plugin.periodic_tasks()["reports-tidy-exports"]
    assert entry["task"] == "reports.exports.tasks.tidy_exports"
    assert entry["task"] in app.tasks
