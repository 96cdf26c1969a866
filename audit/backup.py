"""Backup and restore of the whole platform: the database and every stored file.

A backup is a folder: `database.dump` (pg_dump's custom format, PostgreSQL) or
`database.json` (`dumpdata`, SQLite), `media/` (every file of the default storage) and
`manifest.json` with the SHA-256 of each of them and the row count of every table.
`restore` checks every checksum before it touches anything, restores into an empty database
(refusing one with tables unless forced) and writes the files back.

The same folder can live in an S3-compatible bucket instead (`s3://bucket/prefix`, reached with
django-storages; endpoint and keys from BACKUP_S3_* in the environment): the backup is made in a
temporary folder and uploaded, its manifest last, so an interrupted upload is never a backup;
a restore downloads it into a temporary folder and goes on as from a folder.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

MANIFEST = "manifest.json"
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    """pg_dump/pg_restore connection options for the default database (password in the env)."""
    db = connection.settings_dict
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def table_row_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's and others')."""
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _storage_files(directory: str = "", storage=None) -> list[str]:
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" if directory else name for name in files]
    for folder in folders:
        names += _storage_files(f"{directory}/{folder}" if directory else folder, storage)
    return sorted(names)


@dataclass
class BackupResult:
    folder: Path | str
    tables: int
    files: int


# --- where a backup lives: a folder or a bucket -------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A backup's place in an S3-compatible bucket: `s3://name/prefix`."""

    name: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.name}/{self.prefix}"


def parse_location(value: str) -> Path | Bucket:
    """A folder, or `s3://bucket/prefix` (the prefix is required: one backup per prefix)."""
    if not value.startswith("s3://"):
        return Path(value)
    name, _slash, prefix = value.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    if not name or not prefix:
        raise BackupError(f"{value}: give a bucket and a folder in it, like s3://backups/2026-12-03")
    return Bucket(name=name, prefix=prefix)


def bucket_storage(bucket: Bucket):
    """django-storages' S3 storage for the backup's prefix, configured from BACKUP_S3_* (read by
    the settings from the environment). Exact names (no renaming), no ACL, private."""
    from storages.backends.s3 import S3Storage

    return S3Storage(
        bucket_name=bucket.name,
        location=bucket.prefix,
        file_overwrite=True,
        default_acl=None,
        querystring_auth=True,
        signature_version="s3v4",
        **{key: value for key, value in settings.BACKUP_S3.items() if value},
    )


def backup_to_bucket(bucket: Bucket) -> BackupResult:
    """Make the backup in a temporary folder and upload it; the manifest goes last and each
    object's size is checked against the file it came from."""
    storage = bucket_storage(bucket)
    if _storage_files(storage=storage):
        raise BackupError(f"{bucket} is not empty: choose a new folder in the bucket for the backup.")
    with tempfile.TemporaryDirectory(prefix="peerreview-backup-") as temporary:
        folder = Path(temporary) / "backup"
        result = backup(folder)
        files = sorted(path for path in folder.rglob("*") if path.is_file())
        for path in [*(p for p in files if p.name != MANIFEST or p.parent != folder), folder / MANIFEST]:
            name = path.relative_to(folder).as_posix()
            with path.open("rb") as handle:
                storage.save(name, File(handle, name=name))
            if storage.size(name) != path.stat().st_size:
                raise BackupError(f"{name} was not uploaded whole to {bucket}")
    return BackupResult(folder=str(bucket), tables=result.tables, files=result.files)


def restore_from_bucket(bucket: Bucket, *, force: bool = False) -> dict:
    """Download the backup into a temporary folder, then restore it as from a folder (every
    checksum is checked before anything is touched)."""
    storage = bucket_storage(bucket)
    names = _storage_files(storage=storage)
    if MANIFEST not in names:
        raise BackupError(f"No {MANIFEST} in {bucket}: not a (complete) backup.")
    with tempfile.TemporaryDirectory(prefix="peerreview-restore-") as temporary:
        folder = Path(temporary)
        for name in names:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, target.open("wb") as output:
                shutil.copyfileobj(source, output, CHUNK)
        return restore(folder, force=force)


def backup(to: Path) -> BackupResult:
    to = Path(to)
    if to.exists() and any(to.iterdir()):
        raise BackupError(f"{to} is not empty: choose a new folder for the backup.")
    (to / MEDIA).mkdir(parents=True, exist_ok=True)
    manifest: dict = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "vendor": connection.vendor,
        "files": {},
    }
    if connection.vendor == "postgresql":
        dump = to / "database.dump"
        args, env = _pg_env()
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
             "--file", str(dump), connection.settings_dict["NAME"]],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
    else:
        dump = to / "database.json"
        with dump.open("w", encoding="utf-8") as output:
            call_command(
                "dumpdata", "--natural-foreign", "--natural-primary",
                "--exclude=contenttypes", "--exclude=auth.permission", "--exclude=sessions",
                stdout=output,
            )  # fmt: skip
    manifest["database"] = {"file": dump.name, "sha256": sha256_of(dump)}
    manifest["tables"] = table_row_counts()
    for name in _storage_files():
        target = to / MEDIA / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, target.open("wb") as output:
            shutil.copyfileobj(source, output, CHUNK)
        manifest["files"][name] = sha256_of(target)
    (to / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return BackupResult(folder=to, tables=len(manifest["tables"]), files=len(manifest["files"]))


def verify(source: Path) -> dict:
    """The manifest, once every file in the backup matches its checksum."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"No readable {MANIFEST} in {source}: {error}") from error
    problems = []
    dump = source / manifest["database"]["file"]
    if not dump.exists() or sha256_of(dump) != manifest["database"]["sha256"]:
        problems.append(f"{dump.name} is missing or damaged")
    for name, digest in manifest["files"].items():
        path = source / MEDIA / name
        if not path.exists() or sha256_of(path) != digest:
            problems.append(f"media/{name} is missing or damaged")
    if problems:
        raise BackupError("The backup does not match its manifest: " + "; ".join(problems[:20]))
    return manifest


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore a verified backup; returns its manifest. Raises BackupError."""
    source = Path(source)
    manifest = verify(source)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"This backup is of a {manifest['vendor']} database, not {connection.vendor}.")
    if not force and not database_is_empty():
        raise BackupError(
            "The database is not empty: restore into an empty database, or use --force to replace it."
        )
    existing = _storage_files()
    if existing and not force:
        raise BackupError(
            f"The file storage already holds {len(existing)} files: use --force to replace them."
        )
    dump = source / manifest["database"]["file"]
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        clean = ["--clean", "--if-exists"] if force else []
        connection.close()
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *clean, *args,
             "--dbname", connection.settings_dict["NAME"], str(dump)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:2000]}")
    else:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("loaddata", str(dump), verbosity=0)
    for name in existing:
        default_storage.delete(name)
    for name, digest in manifest["files"].items():
        with (source / MEDIA / name).open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"media/{name} was stored as {saved}")
        with default_storage.open(name, "rb") as stored:
            check = hashlib.sha256(stored.read()).hexdigest()
        if check != digest:
            raise BackupError(f"media/{name} does not match its checksum after restoring")
    return manifest
