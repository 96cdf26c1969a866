"""`manage.py rebuild_synthesis_tallies`: count the programme synthesis's and the benchmark's
tallies again from every published round (after a restore, a bulk import or a fix in SQL)."""

from django.core.management.base import BaseCommand

from network.models import TalliedRound
from network.tallies import rebuild_tallies
from reports.models import SummaryReport


class Command(BaseCommand):
    help = (
        "Count the programme synthesis's and the network benchmark's tallies again from the published rounds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only when published reports exist and nothing is counted yet: the first deployment "
            "after upgrading (the compose file's migrate step runs it; a no-op afterwards).",
        )

    def handle(self, *args, **options) -> None:
        if options["if_missing"] and (
            TalliedRound.objects.exists()
            or not SummaryReport.objects.filter(published_at__isnull=False).exists()
        ):
            self.stdout.write("The tallies are in place: nothing to count.")
            return
        count = rebuild_tallies()
        self.stdout.write(f"Counted {count} published rounds.")
