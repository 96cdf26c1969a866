"""Small display helpers shared by the round pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MATURITY_LABELS, STATE_SEQUENCE, Round, RoundState

register = template.Library()


@register.filter
def maturity(level: int | None) -> str:
    """A level as its label ("2 – defined …"), or "not scored"."""
    if level is None or level == "":
        return _("not scored")
    return str(MATURITY_LABELS.get(int(level), level))


@register.filter
def level_or_dash(level: int | None) -> str:
    return "–" if level is None else str(level)


@register.inclusion_tag("peerreview/_step_timeline.html")
def step_timeline(review_round: Round) -> dict:
    current = review_round.step_index
    steps = [
        {"label": RoundState(state).label, "done": index < current, "current": index == current}
        for index, state in enumerate(STATE_SEQUENCE)
    ]
    return {"steps": steps, "cancelled": review_round.state == RoundState.CANCELLED}


@register.simple_tag
def due_status(review_round: Round) -> dict:
    """{'date': due date or None, 'overdue': bool, 'days': days left (negative when late)}."""
    due: datetime.date | None = review_round.current_due_date
    if due is None:
        return {"date": None, "overdue": False, "days": None}
    days = (due - timezone.localdate()).days
    return {"date": due, "overdue": days < 0, "days": days}
