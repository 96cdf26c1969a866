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


def _restore(
    source: Path | str, database: str, media: Path, *extra: str, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=_url(database),
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="peerreview.config.settings",
        **(env_extra or {}),
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


# --- to and from an S3-compatible bucket (moto's server on loopback) ----------------------------

BACKUP_KEYS = {"BACKUP_S3_ACCESS_KEY_ID": "backup-key", "BACKUP_S3_SECRET_ACCESS_KEY": "backup-secret"}


@pytest.fixture
def backup_bucket(s3_server, settings):
    """A new bucket on the loopback S3 server; this process's BACKUP_S3 pointed at it as the
    environment would (the restore below runs in a fresh process configured by environment)."""
    import uuid

    import boto3

    name = f"backups-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="eu-north-1",
        aws_access_key_id=BACKUP_KEYS["BACKUP_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=BACKUP_KEYS["BACKUP_S3_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    env = {"BACKUP_S3_ENDPOINT_URL": s3_server, "BACKUP_S3_REGION": "eu-north-1", **BACKUP_KEYS}
    settings.BACKUP_S3 = {
        "endpoint_url": s3_server,
        "region_name": "eu-north-1",
        "access_key": BACKUP_KEYS["BACKUP_S3_ACCESS_KEY_ID"],
        "secret_key": BACKUP_KEYS["BACKUP_S3_SECRET_ACCESS_KEY"],
        "addressing_style": "path",
    }
    yield s3, name, env


def _objects(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


@pytest.mark.django_db(transaction=True)
def test_a_backup_in_a_bucket_restores_into_an_empty_database_with_every_row_and_file(
    personas, tmp_path, empty_database, backup_bucket
):
    s3, bucket, env = backup_bucket
    review_round = personas.review_round
    add_evidence(
        prereport=prepare_prereport(review_round),
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
        user=personas.host_member,
    )
    review_round.state = RoundState.DRAFTING
    review_round.save()
    ensure_pdf(get_or_create_report(review_round))
    target = f"s3://{bucket}/nightly/2026-12-03"

    call_command("backup", "--to", target)

    objects = _objects(s3, bucket, "nightly/2026-12-03/")
    manifest = json.loads(objects["nightly/2026-12-03/manifest.json"])
    assert "nightly/2026-12-03/database.dump" in objects
    assert {key.removeprefix("nightly/2026-12-03/media/") for key in objects if "/media/" in key} == set(
        manifest["files"]
    )
    for name, digest in manifest["files"].items():  # the manifest vouches for what is in the bucket
        assert hashlib.sha256(objects[f"nightly/2026-12-03/media/{name}"]).hexdigest() == digest

    restored_media = tmp_path / "restored-media"
    result = _restore(target, empty_database, restored_media, env_extra=env)
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

    # A second backup into the same place is refused; nothing there is overwritten.
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--to", target)
    assert _objects(s3, bucket, "nightly/2026-12-03/") == objects


def test_a_damaged_backup_in_a_bucket_is_refused_before_anything_is_touched(
    tmp_path, backup_bucket, empty_database
):
    s3, bucket, env = backup_bucket
    prefix = "damaged"
    dump = b"not really a dump"
    manifest = {
        "vendor": "postgresql",
        "created_at": "x",
        "tables": {},
        "database": {"file": "database.dump", "sha256": hashlib.sha256(dump).hexdigest()},
        "files": {"reports/a.pdf": hashlib.sha256(b"%PDF-original").hexdigest()},
    }
    s3.put_object(Bucket=bucket, Key=f"{prefix}/database.dump", Body=dump)
    s3.put_object(Bucket=bucket, Key=f"{prefix}/media/reports/a.pdf", Body=b"%PDF-tampered")
    s3.put_object(Bucket=bucket, Key=f"{prefix}/manifest.json", Body=json.dumps(manifest).encode())

    result = _restore(f"s3://{bucket}/{prefix}", empty_database, tmp_path / "media", env_extra=env)

    assert result.returncode != 0 and "media/reports/a.pdf is missing or damaged" in result.stderr
    with psycopg.connect(_conninfo(empty_database)) as restored:
        assert (
            restored.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        )
    incomplete = _restore(f"s3://{bucket}/nothing-here", empty_database, tmp_path / "media", env_extra=env)
    assert incomplete.returncode != 0 and "No manifest.json" in incomplete.stderr
