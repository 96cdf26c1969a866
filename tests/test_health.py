"""/healthz and /readyz: readiness fails when the database, Redis or the worker is down.

Redis is a real server (db 14 here); "down" is a broker address where nothing listens, and the
database is taken away by pointing the connection at a closed port.
"""

from __future__ import annotations

import datetime
import json
import socket
import time

import pytest
import redis
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from peerreview.health import HEARTBEAT_KEY, readyz, record_heartbeat

BROKER_URL = "redis://127.0.0.1:6379/14"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)


@pytest.fixture
def redis_broker(settings):
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:  # fail, never skip: CI starts Redis
        pytest.fail(f"Redis must run at {BROKER_URL}: {error}")
    client.delete(HEARTBEAT_KEY)
    settings.CELERY_BROKER_URL = BROKER_URL
    yield client
    client.delete(HEARTBEAT_KEY)


def beat_sent_a_job(minutes_ago: int = 0) -> None:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.update_or_create(
        name="worker-heartbeat",
        defaults={
            "task": "peerreview.jobs.heartbeat",
            "interval": every_minute,
            "last_run_at": timezone.now() - datetime.timedelta(minutes=minutes_ago),
        },
    )


def test_healthz_answers_without_login_or_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_without_a_broker_says_tasks_run_in_process(client):
    status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["database"]["ok"]
    assert "in-process" in body["checks"]["tasks"]["detail"]


@pytest.mark.django_db
def test_ready_with_redis_a_fresh_worker_heartbeat_and_beat(client, redis_broker):
    status, body = ready(client)
    assert status == 503
    assert not body["checks"]["worker"]["ok"] and not body["checks"]["beat"]["ok"]
    beat_sent_a_job()
    record_heartbeat()  # what the worker does when it runs beat's heartbeat job
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ready"


@pytest.mark.django_db
def test_not_ready_when_the_worker_stopped(client, redis_broker, settings):
    beat_sent_a_job()
    limit = settings.WORKER_HEARTBEAT_MAX_AGE_MINUTES * 60
    redis_broker.set(HEARTBEAT_KEY, str(time.time() - limit - 60))
    status, body = ready(client)
    assert status == 503
    assert "last worker heartbeat" in body["checks"]["worker"]["detail"]
    assert body["checks"]["redis"]["ok"]


@pytest.mark.django_db
def test_not_ready_when_beat_stopped(client, redis_broker, settings):
    beat_sent_a_job(minutes_ago=settings.WORKER_HEARTBEAT_MAX_AGE_MINUTES + 5)
    record_heartbeat()
    status, body = ready(client)
    assert status == 503
    assert not body["checks"]["beat"]["ok"]


@pytest.mark.django_db
def test_not_ready_when_redis_is_down(client, redis_broker, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    status, body = ready(client)
    assert status == 503
    assert not body["checks"]["redis"]["ok"]
    assert "Redis unreachable" in body["checks"]["redis"]["detail"]


@pytest.mark.django_db(transaction=True)
def test_not_ready_when_the_database_is_down():
    request = RequestFactory().get("/readyz")
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(closed_port())
    try:
        response = readyz(request)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    body = json.loads(response.content)
    assert not body["checks"]["database"]["ok"]
    assert "database unreachable" in body["checks"]["database"]["detail"]
    assert connection.cursor() is not None  # and back again for the rest of the suite
