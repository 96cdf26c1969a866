"""`manage.py restore --from DIR|s3://bucket/prefix [--force]`: restore a backup made by
`manage.py backup`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, Bucket, parse_location, restore, restore_from_bucket


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and file storage, after checking every checksum. "
        "Refuses a database with tables (or a storage with files) unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            required=True,
            metavar="DIR",
            help="The backup's folder, or s3://bucket/prefix (endpoint and keys from BACKUP_S3_*).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Replace what the database and storage hold."
        )

    def handle(self, *args, source: str, force: bool, **options) -> None:
        try:
            location = parse_location(source)
            if isinstance(location, Bucket):
                manifest = restore_from_bucket(location, force=force)
            else:
                manifest = restore(location, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: "
                f"{len(manifest['tables'])} tables, {len(manifest['files'])} files."
            )
        )
