"""`manage.py backup --to DIR`: the database and every stored file, with checksums (audit/backup.py)."""

from __future__ import annotations

import subprocess

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup (database dump, all media files, manifest of SHA-256 checksums) into an empty folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", required=True, metavar="DIR", help="A new or empty folder.")

    def handle(self, *args, to: str, **options) -> None:
        try:
            result = backup(to)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except subprocess.CalledProcessError as error:
            raise CommandError(f"pg_dump failed: {error.stderr}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {result.folder}: {result.tables} tables, {result.files} files."
            )
        )
