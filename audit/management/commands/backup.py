"""`manage.py backup --to DIR|s3://bucket/prefix`: the database and every stored file, with
checksums, into a folder or an S3-compatible bucket (audit/backup.py)."""

from __future__ import annotations

import subprocess

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, Bucket, backup, backup_to_bucket, parse_location


class Command(BaseCommand):
    help = (
        "Write a backup (database dump, all media files, manifest of SHA-256 checksums) into an empty folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--to",
            required=True,
            metavar="DIR",
            help="A new or empty folder, or s3://bucket/prefix (an empty prefix; endpoint and keys from BACKUP_S3_*).",
        )

    def handle(self, *args, to: str, **options) -> None:
        try:
            target = parse_location(to)
            result = backup_to_bucket(target) if isinstance(target, Bucket) else backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except subprocess.CalledProcessError as error:
            raise CommandError(f"pg_dump failed: {error.stderr}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {result.folder}: {result.tables} tables, {result.files} files."
            )
        )
