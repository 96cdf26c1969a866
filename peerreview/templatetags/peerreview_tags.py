"""Small display helpers shared by the round pages."""

from __future__ import annotations

import datetime
import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language, ngettext_lazy, pgettext
from django.utils.translation import gettext as _

from ..models import MATURITY_LABELS, STATE_SEQUENCE, Round, RoundState

register = template.Library()


# A number no round has, put where the id goes and replaced by each row's id.
_ID_MARKER = 987654321987


@functools.lru_cache(maxsize=32)
def _round_url_parts(name: str, script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    head, marker, tail = reverse(name, args=[_ID_MARKER], urlconf=urlconf).partition(str(_ID_MARKER))
    if not marker:
        raise ValueError(f"{name} does not take a round's id as its only argument")
    return head, tail


@register.simple_tag
def round_url(round_id: int, name: str = "peerreview:round_detail") -> str:
    """`{% url name round_id %}` for a page of one round, for lists of rounds: the address is
    reversed once (per script prefix) and each row's id put in it, where `{% url %}` resolves
    the pattern again for every row (15 µs; 70 rows on the coordinator's dashboard)."""
    head, tail = _round_url_parts(name, get_script_prefix(), get_urlconf())
    return f"{head}{int(round_id)}{tail}"


@register.filter
def machine_datetime(moment: datetime.datetime | None) -> str:
    """A moment for a `<time datetime>` attribute: ISO 8601 in the current time zone, to the
    second. Django's `date:'c'` writes six digits of a second, which HTML does not allow."""
    if moment is None:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


@register.filter
def maturity(level: int | None) -> str:
    """A level as its label ("2 – defined …"), or "not scored"."""
    if level is None or level == "":
        return _("not scored")
    return str(MATURITY_LABELS.get(int(level), level))


class DurationUnit:
    """One unit of `duration` ("%(num)d month"), translated once per language and number:
    Django's ngettext tries every catalogue's plural function in turn (about 50 µs for an English
    string no catalogue holds), and a dashboard's due-date cells asked it 80 times."""

    def __init__(self, text) -> None:
        self.text = text  # ngettext_lazy(…, "num")
        self.translated: dict[tuple[str | None, int], str] = {}  # a few languages × numbers

    def __mod__(self, values: dict) -> str:
        key = (get_language(), values["num"])
        if key not in self.translated:
            self.translated[key] = self.text % values
        return self.translated[key]


# Our own units for `duration`: Django's Finnish catalogue ends "%(num)d kuukautta " with a
# space, which printed "8 kuukautta , 1 viikko".
DURATION_UNITS = {
    "year": DurationUnit(ngettext_lazy("%(num)d year", "%(num)d years", "num")),
    "month": DurationUnit(ngettext_lazy("%(num)d month", "%(num)d months", "num")),
    "week": DurationUnit(ngettext_lazy("%(num)d week", "%(num)d weeks", "num")),
    "day": DurationUnit(ngettext_lazy("%(num)d day", "%(num)d days", "num")),
    "hour": DurationUnit(ngettext_lazy("%(num)d hour", "%(num)d hours", "num")),
    "minute": DurationUnit(ngettext_lazy("%(num)d minute", "%(num)d minutes", "num")),
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


@register.simple_tag(takes_context=True)
def due_cell(context, review_round: Round) -> SafeString:
    """The due date of the round's current step, and how late or how far ahead it is (the
    context's `today`): the cell of every list of rounds. Written here rather than as an included
    template: a dashboard has up to forty of them, and the include with its translation blocks
    was the larger part of rendering one (0.4 ms a row)."""
    today = context.get("today")  # the view's timezone.localdate()
    return _due_cell_html(get_language(), review_round.current_due_date, today, today or timezone.localdate())


@functools.lru_cache(maxsize=4096)
def _due_cell_html(
    language: str | None, due: datetime.date | None, today: datetime.date | None, local_today: datetime.date
) -> SafeString:
    """The cell for a due date, as seen on a day in a language: a pure function of its arguments,
    kept for the next row and request with the same ones (a list's rounds share a few dates). The
    date and the two durations in words cost about 0.1 ms a cell, as much as the rest of the row."""
    if due is None:
        return format_html('<span class="text-body-secondary">{}</span>\n', _("no date set"))
    days = (due - local_today).days
    shown = format_html(
        '<time datetime="{}">{}</time>\n',
        due.isoformat(),
        formats.date_format(due, "DATE_FORMAT"),
    )
    if days < 0:
        late = pgettext("overdue by a time", "by %(late)s") % {
            "late": conditional_escape(duration(due, today))
        }
        state = format_html(
            '<span class="badge text-bg-danger">{}</span> <span class="overdue">{}</span>\n\n',
            _("Overdue"),
            mark_safe(late),  # noqa: S308 - the translation, with the escaped duration in it
        )
    elif days == 0:
        state = format_html('<span class="badge text-bg-warning">{}</span>\n\n', _("Due today"))
    else:
        left = _("in %(left)s") % {"left": conditional_escape(duration(today, due))}
        state = format_html(
            '<span class="text-body-secondary">({})</span>\n',
            mark_safe(left),  # noqa: S308 - the translation, with the escaped duration in it
        )
    return shown + state


@register.simple_tag
def panel_counts(review_round: Round) -> SafeString:
    """ "2 accepted, 1 invited" for a row of a list of rounds (`selectors.with_panel_counts`)."""
    counts = {
        "accepted": conditional_escape(review_round.accepted_count),
        "invited": conditional_escape(review_round.invited_count),
    }
    return mark_safe(_("%(accepted)s accepted, %(invited)s invited") % counts)  # noqa: S308 - escaped counts
