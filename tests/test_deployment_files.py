"""Checks on the deployment files: compose schema, documented settings, CI entry point.

None of these touch the database.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "peerreview" / "config" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"
CI_RUN = ROOT / ".ci" / "run"

ENV_READ = re.compile(r"""\benv_(?:str|bool|int|list)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def settings_variables() -> set[str]:
    return set(ENV_READ.findall(SETTINGS.read_text(encoding="utf-8")))


def documented_variables() -> set[str]:
    # `NAME=value` or, for an optional setting shown with its default, `# NAME=value`.
    assignment = re.compile(r"^\s*(?:#\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)
    return set(assignment.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def test_compose_file_matches_the_compose_spec() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_are_read_through_the_env_helpers() -> None:
    # Guards the test below against a regex that silently matches nothing.
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"} <= settings_variables()


def test_every_setting_variable_is_in_env_example() -> None:
    missing = sorted(settings_variables() - documented_variables())
    assert not missing, f".env.example does not list: {', '.join(missing)}"


def test_ci_run_is_executable() -> None:
    mode = CI_RUN.stat().st_mode
    assert mode & stat.S_IXUSR, f"{CI_RUN} is not executable: chmod +x .ci/run"
    assert os.access(CI_RUN, os.X_OK)
    assert CI_RUN.read_text(encoding="utf-8").startswith("#!"), f"{CI_RUN} has no shebang line"


def test_ci_run_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checks() -> None:
    """With DEBUG off and the required variables set, Django's deployment checks find nothing."""
    # Without the browser tests' async override, which a deployment never sets.
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-secret-key-for-this-check-only-0123456789abcdef",
        "ALLOWED_HOSTS": "peer-review.example.eu",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_web_process_sets_its_loaded_code_aside_from_the_garbage_collector() -> None:
    """gunicorn's entry point freezes what Django loaded: a full collection then walks only what
    requests create (the longest editing-page requests: 320 → 170-185 ms)."""
    show = "import gc, peerreview.config.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peerreview.config.settings"}
    shown = subprocess.run(
        [sys.executable, "-c", show], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert int(shown.stdout.strip()) > 50_000
