"""Background work with the real parts: Redis, a Celery worker process, two concurrent
`open_due_rounds` processes, all on the test database (committed data: transactional_db).
Redis must be up (CI starts it): these tests fail, never skip, without it."""

from __future__ import annotations

import ast
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from peerreview.config.celery import app as celery_app
from peerreview.models import Notification, RoundEvent, RoundState
from reports.models import ActionProgress
from tests import factories
from tests.test_repeat_rounds import make_repeat_round

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = "redis://127.0.0.1:6379/15"
MAX_DELAY_SECONDS = 300
# A queue of this test session's own: other sessions' workers on the same Redis never take its tasks.
QUEUE = f"test-background-{os.getpid()}"


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    assert db["ENGINE"].endswith("postgresql"), "the background tests run on PostgreSQL"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def _environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=_test_database_url(),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="peerreview.config.settings",
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def redis_server():
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not answering at {BROKER_URL}: {error}")
    client.flushdb()
    return client


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, redis_server, tmp_path_factory):
    """A real `celery worker` process on Redis db 15 and the test database."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock(), log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "peerreview.config",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "-Q",
                QUEUE,
            ],
            cwd=ROOT,
            env=_environment(CELERY_BROKER_URL=BROKER_URL),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while "ready." not in log.read_text():
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text()
                time.sleep(0.2)
            yield log
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def broker(celery_worker_process):
    """Tasks enqueued in this process go to Redis (not run in-process) for the test.
    The app's cached routing and connection pool are rebuilt from the changed settings."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url, celery_app.conf.task_default_queue
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER_URL, task_default_queue=QUEUE)
    _reset_producer(celery_app)
    yield
    celery_app.conf.update(task_always_eager=saved[0], broker_url=saved[1], task_default_queue=saved[2])
    _reset_producer(celery_app)


def _reset_producer(app) -> None:
    app.__dict__.pop("amqp", None)  # routing (default queue) and producer pool, rebuilt on next use
    app._pool = None


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_request_enqueues_a_task_that_the_worker_executes(client, broker):
    from peerreview.models import AssessmentDay, Session

    review_round = factories.RoundFactory(state=RoundState.ASSESSMENT)
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2027, 2, 3))
    Session.objects.create(day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy")
    client.force_login(lead.evaluator)

    # The lead sends the assessment-day programme: one e-mail per panel member, by the worker.
    response = client.post(reverse("peerreview:programme_send", args=[review_round.pk]))

    assert response.status_code == 302
    notification = Notification.objects.get(recipient=lead.evaluator)
    _wait_for(lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT)
    notification.refresh_from_db()
    assert (notification.kind, notification.attempts) == (Notification.Kind.ASSESSMENT_PROGRAMME, 1)


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_a_task_under_the_request_id_of_the_request_that_enqueued_it(
    client, broker, celery_worker_process
):
    """The id travels in the task's X-Request-ID header; the worker's log lines of the task carry it."""
    import uuid

    from peerreview.models import AssessmentDay, Session

    review_round = factories.RoundFactory(state=RoundState.ASSESSMENT)
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    day = AssessmentDay.objects.create(round=review_round, date=datetime.date(2027, 2, 3))
    Session.objects.create(day=day, start_time=datetime.time(9), end_time=datetime.time(10), topic="Strategy")
    client.force_login(lead.evaluator)
    request_id = uuid.uuid4().hex

    response = client.post(
        reverse("peerreview:programme_send", args=[review_round.pk]), headers={"X-Request-ID": request_id}
    )

    assert response["X-Request-ID"] == request_id
    _wait_for(
        lambda: any(f"[{request_id}]" in line for line in _finished_sends(celery_worker_process)), timeout=60
    )


def _finished_sends(log: Path) -> list[str]:
    return [
        line for line in log.read_text().splitlines() if "send_notification[" in line and "succeeded" in line
    ]


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_to_the_worker_sends_one_email(broker, celery_worker_process):
    from peerreview.tasks import send_notification

    notification = Notification.objects.create(
        recipient=factories.UserFactory(),
        kind=Notification.Kind.REPORT_PUBLISHED,
        round=factories.RoundFactory(),
        dedupe_key="twice:1",
    )
    before = len(_finished_sends(celery_worker_process))

    send_notification.delay(notification.pk)
    send_notification.delay(notification.pk)

    _wait_for(lambda: len(_finished_sends(celery_worker_process)) == before + 2)
    results = [line.rsplit(":", 1)[1].strip() for line in _finished_sends(celery_worker_process)[before:]]
    notification.refresh_from_db()
    assert sorted(results) == ["False", "True"]  # one delivery sent the e-mail, the other found it sent
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_a_notification_made_while_the_broker_was_down_is_sent_after_the_sweep(
    client, broker, celery_worker_process, settings
):
    """The request succeeds with the broker down (the enqueue after commit is logged); the row
    waits as "pending"; the periodic sweep enqueues it again and the worker sends it."""
    from django.db import transaction

    from peerreview.jobs import retry_stuck_sends
    from peerreview.services.notifications import notify_invitation

    review_round = factories.RoundFactory(state=RoundState.PREREPORT_OPEN)
    lead = factories.AssignmentFactory(round=review_round, role="lead", state="invited")
    celery_app.conf.update(broker_url="redis://127.0.0.1:1/15", broker_connection_retry=False)
    _reset_producer(celery_app)
    try:
        # What the panel page does when a coordinator invites: the enqueue after commit fails.
        with transaction.atomic():
            notify_invitation(lead)
    finally:
        celery_app.conf.update(broker_url=BROKER_URL, broker_connection_retry=True)
        _reset_producer(celery_app)

    notification = Notification.objects.get(recipient=lead.evaluator)
    assert notification.status == Notification.Status.PENDING
    settings.NOTIFICATION_PENDING_MINUTES = 0  # as if the sweep ran minutes later

    assert retry_stuck_sends.apply().get() == [notification.pk]

    _wait_for(lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT)


@pytest.mark.django_db(transaction=True)
def test_open_due_rounds_in_two_processes_at_once_opens_each_round_once(redis_server):
    rounds = [make_repeat_round(opens_on=datetime.date(2027, 6, 1)) for _ in range(25)]
    command = [sys.executable, "manage.py", "open_due_rounds", "--today", "2027-06-01"]

    processes = [
        subprocess.Popen(command, cwd=ROOT, env=_environment(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    opened = [
        int(line.split()[2].rstrip(":"))
        for out in outputs
        for line in out.splitlines()
        if line.startswith("Opened")
    ]
    assert sorted(opened) == sorted(r.pk for r in rounds)
    for review_round in rounds:
        review_round.refresh_from_db()
        assert review_round.state == RoundState.PREREPORT_OPEN
        assert RoundEvent.objects.filter(round=review_round, to_state=RoundState.PREREPORT_OPEN).count() == 1
        assert ActionProgress.objects.filter(round=review_round).count() == 2


def _source_files():
    for app in ("cities", "peerreview", "reports"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_task_is_delayed_in_the_broker_beyond_five_minutes():
    """Every eta/countdown in the code is a literal of at most five minutes, and retries
    of every task back off by at most five minutes. Schedules live in database columns."""
    problems = []
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "eta":
                    problems.append(f"{path}:{node.lineno} passes eta=")
                if keyword.arg in ("countdown", "retry_backoff_max", "default_retry_delay"):
                    value = keyword.value
                    if not (isinstance(value, ast.Constant) or isinstance(value, ast.Name)):
                        problems.append(f"{path}:{node.lineno} {keyword.arg}= is not a literal")
                    elif isinstance(value, ast.Constant) and value.value > MAX_DELAY_SECONDS:
                        problems.append(f"{path}:{node.lineno} {keyword.arg}={value.value}")
    celery_app.loader.import_default_modules()
    for name, task in celery_app.tasks.items():
        if name.startswith("celery.") or not getattr(task, "autoretry_for", ()):
            continue
        if getattr(task, "retry_backoff", False) and task.retry_backoff_max > MAX_DELAY_SECONDS:
            problems.append(f"{name} retry_backoff_max={task.retry_backoff_max}")
        if not getattr(task, "retry_backoff", False) and task.default_retry_delay > MAX_DELAY_SECONDS:
            problems.append(f"{name} default_retry_delay={task.default_retry_delay}")
    assert problems == []


def test_periodic_jobs_are_defined_in_code_and_exist():
    celery_app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks == {
        "reports.jobs.open_due_repeat_rounds",
        "peerreview.jobs.send_reminders",
        "peerreview.jobs.anonymise_old_interviewees",
        "peerreview.jobs.retry_stuck_sends",
        "peerreview.jobs.heartbeat",
        "peerreview.jobs.count_expired_evaluator_loads",
        "reports.jobs.send_discussion_digests",
        "reports.jobs.retry_failed_pdfs",
        "reports.jobs.remove_names_from_published_pdfs",
    }
    assert tasks <= set(celery_app.tasks)


@pytest.mark.django_db(transaction=True)  # the scheduler closes the connection it finds
def test_beat_database_scheduler_installs_the_periodic_jobs():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=celery_app, lazy=False)

    installed = dict(PeriodicTask.objects.filter(enabled=True).values_list("name", "task"))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert installed[name] == entry["task"]
