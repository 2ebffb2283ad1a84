"""Guards on the Celery configuration the fault tests rely on: every task of the project is
acknowledged late, redelivered when its worker dies, retried on transient errors, time-limited
below the broker's visibility timeout, and routed to its queue."""

from django.conf import settings

from hub.celery import ReliableTask, app


def test_every_project_task_is_reliable_and_time_limited():
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "hub.tasks.outbox_run" in tasks
    for name, task in tasks.items():
        assert isinstance(task, ReliableTask), name
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility <= 60
    # Retries of transient errors wait less than the visibility timeout (or they arrive twice).
    assert ReliableTask.transient_backoff_max < visibility
    assert settings.OUTBOX_RETRY_COUNTDOWN_MAX_SECONDS < visibility
    # kombu looks for a dead worker's jobs every interval x throttle seconds.
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10
    assert settings.EMAIL_TIMEOUT <= 10


def test_slow_work_has_its_own_queues():
    # What a worker imports at start (every app's tasks module): a test run alone may not have
    # imported them yet, and an unimported task is not registered.
    app.loader.import_default_modules()

    def queue_of(task_name: str) -> str:
        task = app.tasks[task_name]
        # What apply_async hands the router: the task's own options merged with hub's routes
        # (CELERY_TASK_ROUTES names each task's queue).
        return app.amqp.router.route(task._get_exec_options(), task_name, task_type=task)["queue"].name

    assert queue_of("messaging.tasks.translate_message") == "translation"
    assert queue_of("messaging.notifications.tasks.deliver_notification") == "email"
    assert queue_of("messaging.notifications.tasks.send_digest") == "email"
    assert queue_of("messaging.tasks.translate_field") == "translation"
    assert queue_of("hub.tasks.outbox_sweep") == "default"
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == {
        "safeguarding",
        "realtime",
        "translation",
        "email",
        "reports",
        "default",
    }
    assert "hub-outbox-sweep" in settings.CELERY_BEAT_SCHEDULE


def test_every_outbox_handler_runs_on_a_queue_the_worker_consumes():
    from hub import outbox

    consumed = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    handlers = {name: registered.queue for name, registered in outbox._handlers.items()}
    assert handlers, "no outbox handler is registered"
    assert {name: queue for name, queue in handlers.items() if queue not in consumed} == {}
