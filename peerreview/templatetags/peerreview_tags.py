"""Small display helpers shared by the round pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from ..models import MATURITY_LABELS, STATE_SEQUENCE, Round, RoundState

register = template.Library()


@register.filter
def maturity(level: int | None) -> str:
    """A level as its label ("2 – defined …"), or "not scored"."""
    if level is None or level == "":
        return _("not scored")
    return str(MATURITY_LABELS.get(int(level), level))


# Our own units for `duration`: Django's Finnish catalogue ends "%(num)d kuukautta " with a
# space, which printed "8 kuukautta , 1 viikko".
DURATION_UNITS = {
    "year": ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    "month": ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    "week": ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    "day": ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    "hour": ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    "minute": ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
}


@register.filter
def duration(earlier: datetime.date | None, later: datetime.date | None = None) -> str:
    """The time from `earlier` to `later` (default: now) in words ("8 months, 1 week"), in the
    active language; "" when a date is missing."""
    if not earlier:
        return ""
    try:
        return timesince(earlier, later or None, time_strings=DURATION_UNITS)
    except (ValueError, TypeError):
        return ""


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
