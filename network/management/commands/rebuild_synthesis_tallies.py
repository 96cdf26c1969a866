"""`manage.py rebuild_synthesis_tallies`: count the programme synthesis's and the benchmark's
tallies again from every published round (after a restore, a bulk import or a fix in SQL)."""

from django.core.management.base import BaseCommand

from network.tallies import rebuild_tallies


class Command(BaseCommand):
    help = (
        "Count the programme synthesis's and the network benchmark's tallies again from the published rounds."
    )

    def handle(self, *args, **options) -> None:
        count = rebuild_tallies()
        self.stdout.write(f"Counted {count} published rounds.")
