"""`manage.py rebuild_library_index`: rebuild the library's search entries of every published report."""

from django.core.management.base import BaseCommand

from network.index import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the library's full-text search entries of every published report."

    def handle(self, *args, **options) -> None:
        count = rebuild_index()
        self.stdout.write(f"Indexed {count} entries.")
