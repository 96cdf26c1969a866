"""Opening repeat rounds when their date comes.

Publishing a report plans the repeat round in the database (`schedule_repeat_round`);
this periodic job opens it. Each due round is claimed with a conditional
`UPDATE … WHERE state = 'planned'` that must change exactly one row, so two runs at
the same time (two beat processes, a manual run beside the scheduled one) open each
round once; the loser skips it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from ..models import Framework, Round, RoundEvent, RoundState
from ..models.rounds import NOTE_REPEAT_OPENED, NOTE_REPEAT_OPENED_NEWEST
from .notifications import notify_repeat_round_opened
from .rounds import prepare_prereport

logger = logging.getLogger(__name__)

S = RoundState

# Called inside the opening transaction with the round just opened; the reports app passes
# the carry-over of the previous round's action proposals (peerreview never imports reports).
OpenedHook = Callable[[Round], None]


def due_repeat_rounds(today: datetime.date):
    """Planned repeat rounds whose date has come, and whose previous round was not cancelled."""
    return (
        Round.objects.filter(previous_round__isnull=False, state=S.PLANNED, opens_on__lte=today)
        .exclude(previous_round__state=S.CANCELLED)
        .select_related("host_city", "previous_round", "framework")
        .order_by("opens_on", "pk")
    )


def framework_for_repeat(review_round: Round) -> Framework:
    """The framework version a repeat round opens with: the same as its previous round, or
    the newest version offered for new rounds (same slug) when the coordinator chose so at
    publication (`Round.repeat_with_newest_framework` of the previous round)."""
    previous = review_round.previous_round
    if previous is None or not previous.repeat_with_newest_framework:
        return review_round.framework
    newest = Framework.objects.active().newest_version_of(review_round.framework.slug)
    return newest or review_round.framework


def open_repeat_round(review_round: Round, *, on_opened: Iterable[OpenedHook] = (), actor=None) -> bool:
    """Open one planned repeat round, exactly once. Returns False when another process
    claimed it first (or it was cancelled meanwhile).

    Effects, in one transaction: the state moves planned → pre-report open by a conditional
    update (which also switches to the framework's newest version when that was chosen);
    a RoundEvent records it; the pre-report is prepared for the round's framework; each
    `on_opened` hook runs; after commit the host city's members and the coordinators are
    notified."""
    framework = framework_for_repeat(review_round)
    newer = framework.pk != review_round.framework_id
    with transaction.atomic():
        claimed = Round.objects.filter(pk=review_round.pk, state=S.PLANNED).update(
            state=S.PREREPORT_OPEN, framework=framework, updated_at=timezone.now()
        )
        if claimed != 1:
            return False
        review_round.state = S.PREREPORT_OPEN
        review_round.framework = framework
        RoundEvent.objects.create(
            round=review_round,
            from_state=S.PLANNED,
            to_state=S.PREREPORT_OPEN,
            actor=actor,
            note=NOTE_REPEAT_OPENED_NEWEST if newer else NOTE_REPEAT_OPENED,
        )
        prepare_prereport(review_round)
        for hook in on_opened:
            hook(review_round)
        notify_repeat_round_opened(review_round)
    logger.info("Opened repeat round %s (%s) with framework %s", review_round.pk, review_round, framework)
    return True


def open_due_rounds(today: datetime.date, *, on_opened: Iterable[OpenedHook] = ()) -> list[Round]:
    """Open every repeat round due on `today`; returns the rounds this call opened.
    Each round gets its own transaction, so one failure does not undo the others."""
    hooks = list(on_opened)
    return [
        review_round
        for review_round in due_repeat_rounds(today)
        if open_repeat_round(review_round, on_opened=hooks)
    ]
