"""`manage.py rebuild_evaluator_loads`: count every evaluator's panels again from the
assignments (after a restore, a bulk import or a fix in SQL, which the kept counts do not see)."""

from django.core.management.base import BaseCommand

from peerreview.services.evaluator_load import rebuild_loads


class Command(BaseCommand):
    help = (
        "Count every evaluator's panels again from the assignments (the ranking of suggestions reads them)."
    )

    def handle(self, *args, **options) -> None:
        count = rebuild_loads()
        self.stdout.write(f"Counted the panels of {count} evaluators.")
