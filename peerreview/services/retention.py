"""Keeping interviewees' personal data only as long as needed: their name, e-mail and
organisation are erased a set time (INTERVIEWEE_RETENTION_DAYS) after the report is published
(with the copies of them in the edit history),
and at once from what the report may show when they withdraw their consent to be named.

Published PDFs are files: whenever a name they may show is removed, the round is marked
(`names_removed_from`) and the reports app makes the PDF again without it."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..models import AssessmentDay, Interviewee, Round, RoundState, Session
from ..signals import names_removed

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
    # Only the names the report showed (given, with consent) are in published PDFs.
    named_in_reports = sorted(
        set(
            due.filter(consent_to_name=True).exclude(name="").values_list("session__day__round_id", flat=True)
        )
    )
    count = Interviewee.objects.filter(pk__in=due.values("pk")).update(
        name="", email="", organisation="", consent_to_name=False, anonymised_at=now
    )
    erased_copies = _erase_history_copies(cutoff)
    for round_id, number in sorted(per_round.items()):
        logger.info("Anonymised %d interviewees of round %s (published before %s)", number, round_id, cutoff)
    logger.info("Retention: anonymised %d interviewees in total", count)
    if erased_copies:
        logger.info("Retention: erased the names in %d edit-history copies of interviewees", erased_copies)
    names_removed_from(round_ids=named_in_reports)
    return count


def names_removed_from(*, round_ids: list[int]) -> None:
    """Mark rounds whose published documents may show a name that was just removed (with the
    time of the change itself, which renders are compared with); after commit, tell the apps
    that keep such documents (reports re-renders published PDFs)."""
    if not round_ids:
        return
    Round.objects.filter(pk__in=round_ids).update(names_changed_at=timezone.now())
    ids = list(round_ids)
    transaction.on_commit(lambda: names_removed.send(sender=Round, round_ids=ids), robust=True)


@transaction.atomic
def withdraw_consent(*, interviewee: Interviewee) -> bool:
    """The interviewee no longer agrees to be named in the report. Their name leaves the report
    page at once (it shows only names with consent) and, through `names_removed_from`, the
    published PDF is made again without it while the report's wording stays. The name itself
    stays in the planner, for the panel, until the retention period erases it. Returns whether
    anything changed (withdrawing twice changes nothing)."""
    person = Interviewee.objects.select_for_update().get(pk=interviewee.pk)
    if not person.consent_to_name:
        return False
    person.consent_to_name = False
    person.consent_withdrawn_at = timezone.now()
    person.version += 1  # a session form loaded before sees the change (services.versioning)
    person.save(update_fields=["consent_to_name", "consent_withdrawn_at", "version"])
    round_id = Session.objects.filter(pk=person.session_id).values_list("day__round_id", flat=True).get()
    names_removed_from(round_ids=[round_id])
    logger.info("Interviewee %s of round %s withdrew consent to be named", person.pk, round_id)
    return True


def _erase_history_copies(cutoff: datetime.datetime) -> int:
    """The edit history keeps copies of interviewees' rows (never their address): erase the
    names in them too, for every round past retention, including people and sessions deleted
    since (found through the sessions' and days' own histories). Running it again changes nothing."""
    past = Round.objects.filter(state=RoundState.PUBLISHED, published_at__lte=cutoff).values("pk")
    days = AssessmentDay.history.filter(round_id__in=past).values("id")
    sessions = Session.history.filter(day_id__in=days).values("id")
    return (
        Interviewee.history.filter(session_id__in=sessions)
        .exclude(name="", organisation="", consent_to_name=False)
        .update(name="", organisation="", consent_to_name=False)
    )
