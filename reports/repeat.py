"""The repeat round on the reports side: carrying the previous round's action proposals
over for progress reporting, and the host city's progress updates.

`open_due_repeat_rounds` is the entry point of the periodic job and of
`manage.py open_due_rounds`: it opens due rounds through
`peerreview.services.repeat_rounds.open_due_rounds` and passes the carry-over as the
hook that runs in each round's opening transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from peerreview.models import Criterion, Round, RoundState
from peerreview.services.repeat_rounds import open_due_rounds, open_repeat_round

from .models import ActionProgress, ActionProposal


def carry_over_action_proposals(review_round: Round) -> list[ActionProgress]:
    """One progress item, "not started", per action proposal of the previous round's report.
    Safe to run again: existing items are kept."""
    if not review_round.previous_round_id:
        return []
    proposals = ActionProposal.objects.filter(report__round_id=review_round.previous_round_id)
    ActionProgress.objects.bulk_create(
        [ActionProgress(round=review_round, proposal=proposal) for proposal in proposals],
        ignore_conflicts=True,
    )
    return list(ActionProgress.objects.filter(round=review_round))


def open_due_repeat_rounds(today: datetime.date) -> list[Round]:
    """Open the repeat rounds due on `today`, each exactly once, with the earlier
    action proposals ready for progress reporting."""
    return open_due_rounds(today, on_opened=[carry_over_action_proposals])


def open_repeat_round_now(*, review_round: Round, actor) -> bool:
    """The coordinator opens a planned repeat round before its date, with the same effects
    as the scheduled job (and, like it, exactly once)."""
    if review_round.previous_round_id is None or review_round.state != RoundState.PLANNED:
        raise ValidationError(_("Only a planned repeat round can be opened this way."))
    return open_repeat_round(review_round, on_opened=[carry_over_action_proposals], actor=actor)


def progress_items(review_round: Round) -> list[ActionProgress]:
    """The round's progress items in proposal order. Each carries `current_criterion`: the
    proposal's criterion in this round's framework version, matched by theme and criterion
    code when the repeat round opened with a newer version; None when the proposal had no
    criterion or its criterion no longer exists. Two queries."""
    items = list(
        ActionProgress.objects.filter(round=review_round)
        .select_related("proposal__criterion__theme", "updated_by")
        .order_by("proposal__number")
    )
    current = {
        (criterion.theme.code, criterion.code): criterion
        for criterion in Criterion.objects.filter(
            theme__framework_id=review_round.framework_id
        ).select_related("theme")
    }
    for item in items:
        criterion = item.proposal.criterion
        if criterion is None or criterion.theme.framework_id == review_round.framework_id:
            item.current_criterion = criterion
        else:
            item.current_criterion = current.get((criterion.theme.code, criterion.code))
    return items


@transaction.atomic
def save_action_progress(*, review_round: Round, changes: dict[int, dict], user) -> list[ActionProgress]:
    """Save the host city's progress: `changes` maps a progress item's id to
    {"status": ..., "evidence": ...}. Only while the repeat round's pre-report is open."""
    state = Round.objects.select_for_update().values_list("state", flat=True).get(pk=review_round.pk)
    if state != RoundState.PREREPORT_OPEN:
        raise ValidationError(_("Progress is reported while the repeat round's pre-report is open."))
    items = list(ActionProgress.objects.filter(round=review_round, pk__in=changes))
    if len(items) != len(changes):
        raise ValidationError(_("Some progress items do not belong to this round."))
    valid = set(ActionProgress.Status.values)
    for item in items:
        status = changes[item.pk]["status"]
        if status not in valid:
            raise ValidationError(_("Choose a status for every action proposal."))
        item.status = status
        item.evidence = changes[item.pk].get("evidence", "")
        item.updated_by = user
        item.save(update_fields=["status", "evidence", "updated_by", "updated_at"])
    return items
