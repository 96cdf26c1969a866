"""Liveness and readiness for operators and the compose file's health checks.

- ``/healthz``: the process answers (no database, nothing else): restart me if this fails.
- ``/readyz``: the platform can do its work: the database answers, every migration is applied,
  and — when a broker is configured — Redis answers, a worker ran the heartbeat task within
  ``WORKER_HEARTBEAT_MAX_AGE_MINUTES`` and beat sent a periodic job recently. Answers JSON with
  each check, 200 when all pass and 503 otherwise. Without a broker (the demo: tasks run
  in-process) the worker and beat checks do not apply and say so.

The worker's heartbeat is a key in the broker's Redis written by ``peerreview.jobs.heartbeat``,
which beat schedules every minute: a fresh key means beat sent the job *and* a worker ran it.
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "peerreview:worker-heartbeat"
REDIS_TIMEOUT_SECONDS = 2


def broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def redis_client():
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def record_heartbeat() -> None:
    """Called by the worker (peerreview.jobs.heartbeat): now, as seconds since the epoch."""
    if broker_is_redis():
        redis_client().set(HEARTBEAT_KEY, str(time.time()), ex=24 * 3600)


def check_database() -> tuple[bool, str]:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # any failure to reach it is "not ready", with the reason
        return False, f"database unreachable: {type(error).__name__}"
    if plan:
        return False, f"{len(plan)} migrations not applied"
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    try:
        redis_client().ping()
    except Exception as error:
        return False, f"Redis unreachable: {type(error).__name__}"
    return True, "ok"


def check_worker() -> tuple[bool, str]:
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE_MINUTES * 60
    try:
        value = redis_client().get(HEARTBEAT_KEY)
    except Exception as error:
        return False, f"Redis unreachable: {type(error).__name__}"
    if value is None:
        return False, "no worker heartbeat yet (is a worker and beat running?)"
    age = time.time() - float(value)
    if age > max_age:
        return False, f"last worker heartbeat {int(age)} s ago (limit {max_age} s)"
    return True, f"heartbeat {int(age)} s ago"


def check_beat() -> tuple[bool, str]:
    from django_celery_beat.models import PeriodicTask

    try:
        last = PeriodicTask.objects.exclude(last_run_at=None).order_by("-last_run_at").first()
    except Exception as error:
        return False, f"beat schedule unreadable: {type(error).__name__}"
    if last is None:
        return False, "beat has not sent any periodic job yet"
    age = timezone.now() - last.last_run_at
    if age > datetime.timedelta(minutes=settings.WORKER_HEARTBEAT_MAX_AGE_MINUTES):
        return False, f"beat last sent a job {int(age.total_seconds())} s ago"
    return True, f"{last.name} sent {int(age.total_seconds())} s ago"


def readiness() -> dict[str, dict]:
    checks: dict[str, tuple[bool, str]] = {"database": check_database()}
    if broker_is_redis():
        checks["redis"] = check_redis()
        checks["worker"] = check_worker()
        checks["beat"] = check_beat()
    else:
        checks["tasks"] = (True, "no broker configured: background tasks run in-process")
    return {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )
