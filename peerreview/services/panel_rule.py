"""The panel rule of the seed: 2–3 evaluators from at least two different cities other than the
host. Checked when evaluators are invited (no more than three open invitations and acceptances)
and when the round moves to scoring; a coordinator may let a panel differ by recording why
(`override_panel_rule`), which the audit trail keeps with the round."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Assignment, Round

MIN_PANEL_SIZE = 2
MAX_PANEL_SIZE = 3
MIN_PANEL_CITIES = 2


def has_override(review_round: Round) -> bool:
    return bool(review_round.panel_rule_override_reason.strip())


def panel_rule_problems(review_round: Round) -> list[str]:
    """What the accepted panel lacks under the rule (an empty list when it holds). One query."""
    accepted = list(review_round.assignments.accepted().select_related("evaluator__evaluator_profile"))
    problems = []
    if len(accepted) < MIN_PANEL_SIZE:
        problems.append(
            _("At least %(n)d evaluators must have accepted; %(accepted)d have.")
            % {"n": MIN_PANEL_SIZE, "accepted": len(accepted)}
        )
    if len(accepted) > MAX_PANEL_SIZE:
        problems.append(
            _("A panel has at most %(n)d evaluators; %(accepted)d have accepted.")
            % {"n": MAX_PANEL_SIZE, "accepted": len(accepted)}
        )
    cities = {
        assignment.evaluator.evaluator_profile.home_city_id
        for assignment in accepted
        if getattr(assignment.evaluator, "evaluator_profile", None) is not None
    }
    if len(accepted) >= MIN_PANEL_SIZE and len(cities) < MIN_PANEL_CITIES:
        problems.append(
            ngettext(
                "The evaluators come from %(count)d city; the panel needs evaluators from at least %(n)d cities "
                "other than the host.",
                "The evaluators come from %(count)d cities; the panel needs evaluators from at least %(n)d cities "
                "other than the host.",
                len(cities),
            )
            % {"count": len(cities), "n": MIN_PANEL_CITIES}
        )
    return problems


def open_seats(review_round: Round) -> int:
    """How many more evaluators may be invited under the rule (invitations and acceptances count)."""
    active = review_round.assignments.exclude(state=Assignment.State.DECLINED).count()
    return max(MAX_PANEL_SIZE - active, 0)


@transaction.atomic
def override_panel_rule(*, review_round: Round, reason: str, actor) -> Round:
    """Let this round's panel differ from the rule, with the coordinator's reason (kept)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this panel may differ from the rule.")})
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    locked.panel_rule_override_reason = reason.strip()
    locked.panel_rule_override_by = actor
    locked.panel_rule_override_at = timezone.now()
    locked.save(
        update_fields=["panel_rule_override_reason", "panel_rule_override_by", "panel_rule_override_at"]
    )
    return locked
