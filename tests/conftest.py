"""Shared fixtures: the personas every view test uses."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from tests import factories


def pytest_configure(config) -> None:
    # The suite runs on PostgreSQL: CI must never fall back to SQLite silently.
    if os.environ.get("CI") and "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise pytest.UsageError("CI runs the tests on PostgreSQL: set DATABASE_URL (see README).")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Personas:
    coordinator: object
    host_member: object
    other_city_member: object
    assigned_evaluator: object  # accepted, lead
    second_evaluator: object  # accepted
    unassigned_evaluator: object
    review_round: object


@pytest.fixture
def personas(db) -> Personas:
    host = factories.CityFactory(name="Tampere")
    other = factories.CityFactory(name="Malmö", country="SE")
    review_round = factories.RoundFactory(host_city=host, title="Tampere 2026")
    lead = factories.AssignmentFactory(round=review_round, role="lead")
    second = factories.AssignmentFactory(round=review_round)
    return Personas(
        coordinator=factories.CoordinatorFactory(),
        host_member=factories.MembershipFactory(city=host).user,
        other_city_member=factories.MembershipFactory(city=other).user,
        assigned_evaluator=lead.evaluator,
        second_evaluator=second.evaluator,
        unassigned_evaluator=factories.EvaluatorProfileFactory(home_city=other).user,
        review_round=review_round,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set real passwords; the slow default hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mfa_not_required(settings):
    # As in the demo: people log in with their password alone, whatever DEBUG the shell has.
    # Tests of the MFA requirement turn it on themselves.
    settings.MFA_REQUIRED_FOR_COORDINATORS = False


@pytest.fixture(autouse=True)
def _default_language():
    # A test that activates a language must not leak it into the next one
    # (model labels and framework texts would come out in that language).
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """An S3-compatible server (moto's server mode) on a free loopback port for the session;
    yields its endpoint URL once it answers. Any access key is accepted."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = shutil.which("moto_server") or os.path.join(os.path.dirname(sys.executable), "moto_server")
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [command, "-H", "127.0.0.1", "-p", str(port)], stdout=output, stderr=subprocess.STDOUT
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"moto_server exited:\n{log.read_text()}"
            try:
                urllib.request.urlopen(endpoint, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (with an S3 error document): up
            except OSError:
                assert time.monotonic() < deadline, f"moto_server did not answer:\n{log.read_text()}"
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=20)


def pytest_make_parametrize_id(config, val, argname):
    """Bytes (generated files: zips with their time, PDFs with random ids) are named by their
    argument, not their content, so that every pytest-xdist worker collects the same test names."""
    if isinstance(val, bytes | bytearray):
        return argname
    return None


@pytest.fixture(autouse=True)
def _background_tasks_finish():
    # A PDF render handed to the in-process background thread (no broker) must not outlive its
    # test: it would write into the next test's data.
    yield
    from peerreview import background

    background.wait_idle()


@pytest.fixture
def broker_queue():
    """A broker (Celery's in-memory transport) with nobody consuming: what a worker would get."""
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    with current_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        queue.clear()
        try:
            yield queue
        finally:
            queue.clear()
            current_app.conf.task_always_eager = previous
