"""Open the repeat rounds that are due: the periodic job, run by hand."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.repeat import open_due_repeat_rounds


class Command(BaseCommand):
    help = "Open planned repeat rounds whose date has come (each exactly once) and print them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, today: str | None = None, **options) -> None:
        try:
            day = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--today must be a date as YYYY-MM-DD, not {today!r}.") from error
        opened = open_due_repeat_rounds(day)
        for review_round in opened:
            self.stdout.write(
                f"Opened round {review_round.pk}: {review_round.title} "
                f"({review_round.host_city.name}, due {review_round.opens_on.isoformat()})"
            )
        self.stdout.write(f"{len(opened)} repeat round(s) opened for {day.isoformat()}.")
