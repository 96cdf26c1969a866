"""Print a round as JSON on stdout: `manage.py export_round ROUND_ID`. See
`reports.exports.round_export` for the fields; a criterion without an agreed score has null."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from peerreview.models import Round
from reports.exports import round_export
from reports.models import SummaryReport


class Command(BaseCommand):
    help = "Print a round (scores, findings, action proposals) as JSON on stdout."

    def add_arguments(self, parser):
        parser.add_argument("round_id", type=int)

    def handle(self, *args, round_id: int, **options):
        review_round = Round.objects.select_related("host_city", "framework").filter(pk=round_id).first()
        if review_round is None:
            raise CommandError(f"There is no round with the id {round_id}.")
        try:
            data = round_export(review_round)
        except SummaryReport.DoesNotExist as error:
            raise CommandError(
                f"The round {round_id} (“{review_round.title}”) has no summary report yet: nothing to export."
            ) from error
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
