"""Keeping interviewees' personal data only as long as needed: their name, e-mail and
organisation are erased a set time (INTERVIEWEE_RETENTION_DAYS) after the report is published."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Count

from ..models import Interviewee, RoundState

logger = logging.getLogger(__name__)


def anonymise_interviewees(*, now: datetime.datetime) -> int:
    """Anonymise the interviewees of rounds published more than the retention period ago;
    logs how many per round. Returns the number anonymised. Running it again changes nothing."""
    cutoff = now - datetime.timedelta(days=settings.INTERVIEWEE_RETENTION_DAYS)
    due = Interviewee.objects.filter(
        anonymised_at__isnull=True,
        session__day__round__state=RoundState.PUBLISHED,
        session__day__round__published_at__lte=cutoff,
    )
    per_round = dict(
        due.order_by()
        .values_list("session__day__round_id")
        .annotate(n=Count("pk"))
        .values_list("session__day__round_id", "n")
    )
    count = Interviewee.objects.filter(pk__in=due.values("pk")).update(
        name="", email="", organisation="", consent_to_name=False, anonymised_at=now
    )
    for round_id, number in sorted(per_round.items()):
        logger.info("Anonymised %d interviewees of round %s (published before %s)", number, round_id, cutoff)
    logger.info("Retention: anonymised %d interviewees in total", count)
    return count
