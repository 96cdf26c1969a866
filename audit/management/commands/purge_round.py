"""`manage.py purge_round ID --confirm`: remove a round for good (see audit/purge.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cities.models import User
from peerreview.models import Round

from ...purge import PurgeRefused, plan_purge, purge_round


class Command(BaseCommand):
    help = (
        "Remove a round, everything in it and its stored files, for good. Without --confirm, "
        "only lists what would be removed. The purge is recorded in the audit trail."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_id", type=int)
        parser.add_argument("--confirm", action="store_true", help="Really remove it.")
        parser.add_argument(
            "--by", metavar="EMAIL", help="The coordinator who asked for it (for the audit trail)."
        )
        parser.add_argument("--reason", default="", help="Why, for the audit trail.")

    def handle(self, *args, round_id: int, confirm: bool, by: str | None, reason: str, **options) -> None:
        actor = None
        if by:
            actor = User.objects.filter(email__iexact=by, is_coordinator=True).first()
            if actor is None:
                raise CommandError(f"No coordinator with the e-mail {by}.")
        try:
            plan = plan_purge(round_id)
            if not confirm:
                self._print(plan, "Would remove")
                self.stdout.write("Nothing removed: run again with --confirm to purge.")
                return
            plan = purge_round(round_id=round_id, actor=actor, reason=reason)
        except Round.DoesNotExist as error:
            raise CommandError(f"There is no round {round_id}.") from error
        except PurgeRefused as error:
            raise CommandError(" ".join(error.problems)) from error
        self._print(plan, "Removed")
        self.stdout.write(self.style.SUCCESS(f"Round {round_id} purged; the purge is in the audit trail."))

    def _print(self, plan, verb: str) -> None:
        self.stdout.write(f"{verb} round {plan.review_round.pk} “{plan.review_round.title}”:")
        for label, count in sorted(plan.rows.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"  stored files: {len(plan.files)}")
