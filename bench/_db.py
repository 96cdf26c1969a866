"""What the bench scripts share: Django set up as production runs it (DEBUG off) with what the
test Client needs, and the helpers that create, seed and point at their own PostgreSQL databases
(never the tests'). Each script calls `setup()` before it imports anything of Django."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_server = "postgres://postgres@127.0.0.1:5432"


def setup(server: str, database: str) -> None:
    """Configure and start Django on `database` of `server`: plain HTTP, the test Client's host
    name, no second factor for the coordinator, e-mail kept in memory, tasks in-process (or, with
    `BENCH_CELERY_BROKER_URL` set, queued on that broker as production does; nothing consumes them)."""
    global _server
    _server = server
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "peerreview.config.settings",
            "DATABASE_URL": f"{server}/{database}",
            "DATABASE_CONN_MAX_AGE": "600",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret",
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "STATIC_MANIFEST": "0",
            "MFA_REQUIRED_FOR_COORDINATORS": "0",
            "AXES_ENABLED": "0",
            "CELERY_BROKER_URL": os.environ.get("BENCH_CELERY_BROKER_URL", ""),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


# The connections `switch_database` keeps open, by database name.
_kept: dict = {}


def use_database(name: str) -> None:
    """Point the default connection at another database (closing the current connection, and
    those `switch_database` kept: creating a database from a template needs it unused)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    for alias in connections:
        connections[alias].close()
    for kept in _kept.values():
        kept.close()
    _kept.clear()
    connection.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()


def switch_database(name: str) -> None:
    """Point the default connection at another database, keeping one open connection per
    database, as a web process with DATABASE_CONN_MAX_AGE keeps its own: the runs that take turns
    between two databases then time each page on a PostgreSQL backend that has served it before.
    Reconnecting at each turn timed every page on a fresh backend, whose catalogue caches are
    empty: 8-20 ms more on the pages that read twenty tables, 2 ms on a bare view's two."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    current = connections["default"]
    if current.settings_dict["NAME"] == name:
        return
    _kept[current.settings_dict["NAME"]] = current
    wrapper = _kept.pop(name, None)
    if wrapper is None:
        wrapper = type(current)({**current.settings_dict, "NAME": name}, current.alias)
    connections["default"] = wrapper
    ContentType.objects.clear_cache()


def admin_execute(statement: str) -> None:
    """CREATE/DROP DATABASE, from the maintenance database."""
    import psycopg

    with psycopg.connect(f"{_server}/postgres", autocommit=True) as admin:
        admin.execute(statement)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{_server}/postgres") as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def ensure_demo(name: str) -> None:
    """The demo-sized database: created, migrated and seeded once (migrated at every run)."""
    from django.core.management import call_command

    if not database_exists(name):
        admin_execute(f'CREATE DATABASE "{name}"')
    use_database(name)
    call_command("migrate", verbosity=0, interactive=False)
    from cities.models import User

    if not User.objects.filter(email="coordinator@demo.eu").exists():
        print(f"Seeding the demo into {name} …", flush=True)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def execute(statement: str, params: list | None = None) -> int:
    """Run SQL; without params nothing is interpolated (so `%` is PostgreSQL's modulo)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: list | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
        return row[0] if row else None


def rows(statement: str, params: list | None = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def reset_sequence(table: str) -> None:
    execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def backend_cpu() -> float:
    """CPU seconds used so far by the current connection's PostgreSQL backend (same machine:
    /proc). With this process's own CPU time it measures a request's work in a way a loaded
    machine does not inflate (wall-clock time counts the waiting for a core)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
