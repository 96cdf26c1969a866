"""Backup and restore: a backup restored into an empty PostgreSQL database has the same rows in
every table and the same files, byte for byte; a non-empty database and a damaged backup are refused."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from audit.backup import table_row_counts
from peerreview.models import RoundState
from peerreview.services.prereport import add_evidence
from peerreview.services.rounds import prepare_prereport
from reports.pdf import ensure_pdf
from reports.services import get_or_create_report
from tests.files import pdf_bytes

ROOT = Path(__file__).resolve().parent.parent


def _conninfo(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f" password={db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} user={db['USER']}{password} dbname={name}"


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    )


@pytest.fixture
def empty_database():
    """A second, empty database next to the test database, dropped afterwards."""
    name = f"{settings.DATABASES['default']['NAME']}_restore"
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _restore(source: Path, database: str, media: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=_url(database),
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="peerreview.config.settings",
    )
    return subprocess.run(
        [sys.executable, "manage.py", "restore", "--from", str(source), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(personas, tmp_path, empty_database):
    review_round = personas.review_round
    add_evidence(
        prereport=prepare_prereport(review_round),
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
        user=personas.host_member,
    )
    review_round.state = RoundState.DRAFTING
    review_round.save()
    ensure_pdf(get_or_create_report(review_round))
    backup = tmp_path / "backup"

    call_command("backup", "--to", str(backup))

    assert (backup / "database.dump").exists() and (backup / "manifest.json").exists()
    restored_media = tmp_path / "restored-media"
    result = _restore(backup, empty_database, restored_media)
    assert result.returncode == 0, result.stderr

    original = table_row_counts()
    assert original["peerreview_evidencefile"] == 1 and original["reports_reportpdf"] == 1
    with psycopg.connect(_conninfo(empty_database)) as restored:
        counts = {
            table: restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in original
        }
    assert counts == original
    files = _checksums(Path(settings.MEDIA_ROOT))
    assert len(files) == 2
    assert _checksums(restored_media) == files

    # The audit trail stays append-only in the restored database.
    with psycopg.connect(_conninfo(empty_database)) as restored:
        with pytest.raises(psycopg.Error, match="append-only"):
            restored.execute("UPDATE audit_auditentry SET reason = 'x'")

    # A second restore into the now non-empty database is refused.
    again = _restore(backup, empty_database, tmp_path / "other-media")
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path):
    from audit.backup import BackupError, verify

    backup = tmp_path / "backup"
    (backup / "media").mkdir(parents=True)
    (backup / "database.dump").write_bytes(b"dump")
    (backup / "media" / "a.pdf").write_bytes(b"tampered")
    manifest = {
        "vendor": "postgresql",
        "created_at": "x",
        "tables": {},
        "database": {"file": "database.dump", "sha256": hashlib.sha256(b"dump").hexdigest()},
        "files": {"a.pdf": "0"},
    }
    (backup / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match="media/a.pdf is missing or damaged"):
        verify(backup)


@pytest.mark.django_db
def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x")

    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--to", str(tmp_path))
