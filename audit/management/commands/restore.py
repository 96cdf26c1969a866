"""`manage.py restore --from DIR [--force]`: restore a backup made by `manage.py backup`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and file storage, after checking every checksum. "
        "Refuses a database with tables (or a storage with files) unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="source", required=True, metavar="DIR")
        parser.add_argument(
            "--force", action="store_true", help="Replace what the database and storage hold."
        )

    def handle(self, *args, source: str, force: bool, **options) -> None:
        try:
            manifest = restore(source, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: "
                f"{len(manifest['tables'])} tables, {len(manifest['files'])} files."
            )
        )
