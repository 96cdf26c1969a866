"""Render a round's summary report to a PDF file (the same HTML and WeasyPrint call as the
stored PDF; nothing is stored): `manage.py render_report ROUND_ID --output FILE.pdf`."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from peerreview.models import Round
from reports.models import SummaryReport
from reports.pdf import render_pdf


class Command(BaseCommand):
    help = "Render a round's summary report to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("round_id", type=int)
        parser.add_argument("--output", "-o", required=True, help="The PDF file to write.")

    def handle(self, *args, round_id: int, output: str, **options):
        review_round = Round.objects.select_related("host_city", "framework").filter(pk=round_id).first()
        if review_round is None:
            raise CommandError(f"There is no round with the id {round_id}.")
        started = time.perf_counter()
        try:
            rendered = render_pdf(review_round)
        except SummaryReport.DoesNotExist as error:
            raise CommandError(
                f"The round {round_id} (“{review_round.title}”) has no summary report yet: "
                "the lead evaluator starts it at the assessment-days step."
            ) from error
        path = Path(output)
        try:
            path.write_bytes(rendered.pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        self.stdout.write(
            f"Wrote {path} ({rendered.page_count} pages, {len(rendered.pdf) // 1024} KiB) "
            f"in {time.perf_counter() - started:.2f} s."
        )
