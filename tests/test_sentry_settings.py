"""Sentry is optional: with SENTRY_DSN set the settings start sentry-sdk (Django and Celery
integrations, no personal data, the request id as a tag); unset, nothing is started. Each case
loads the settings in a fresh interpreter, as a deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
import sentry_sdk
from django.conf import settings
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "dsn": options.get("dsn"),
    "pii": options.get("send_default_pii"),
    "integrations": sorted(getattr(client, "integrations", {}) or {}),
    "environment": options.get("environment"),
}))
"""


def _load_settings(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="peerreview.config.settings", **extra)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_sentry_dsn_nothing_is_started():
    assert _load_settings()["active"] is False


def test_with_sentry_dsn_sentry_reports_errors_without_personal_data():
    # A DSN on a closed loopback port: starting sends nothing; only an error event would.
    loaded = _load_settings(SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging")

    assert loaded["active"] is True
    assert loaded["dsn"] == "http://public@127.0.0.1:9/1"
    assert loaded["pii"] is False
    assert loaded["environment"] == "staging"
    assert {"django", "celery"} <= set(loaded["integrations"])
