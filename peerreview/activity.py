"""The round page's activity feed: recent edits, uploads, comments and state changes, merged
from several sources and filtered by what the viewer may see.

A source is a function ``(access, limit) -> list[ActivityItem]`` that runs ONE query (the newest
``limit`` rows it may show to ``access.user``), so the feed runs a fixed number of queries
whatever the size of the round. Other apps add sources with ``register`` (the reports app from
its ``AppConfig.ready``: this app never imports it)::

    from peerreview.activity import ActivityItem, register

    @register
    def report_comments(access, limit): ...
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import (
    AgreedScore,
    Answer,
    EvidenceFile,
    IndicatorValue,
    PreReport,
    RoundEvent,
    RoundState,
    Score,
    Session,
)
from .permissions import RoundAccess

# How many items the round page shows (the newest; older ones are in each unit's history).
ACTIVITY_LIMIT = 20


@dataclass
class ActivityItem:
    at: datetime.datetime
    actor: object | None
    text: str
    url: str = ""
    kind: str = "edit"  # "edit", "upload", "comment", "state"


ActivitySource = Callable[[RoundAccess, int], list[ActivityItem]]
_SOURCES: list[ActivitySource] = []


def register(source: ActivitySource) -> ActivitySource:
    """Add a source to every round's feed (idempotent, usable as a decorator)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def recent_activity(access: RoundAccess, limit: int = ACTIVITY_LIMIT) -> list[ActivityItem]:
    """The newest ``limit`` items of all sources the viewer may see, newest first."""
    items: list[ActivityItem] = []
    for source in _SOURCES:
        items.extend(source(access, limit))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _history_url(access: RoundAccess, kind: str, unit_id: int) -> str:
    return reverse("peerreview:unit_history", args=[access.round.pk, kind, unit_id])


@register
def round_events(access: RoundAccess, limit: int) -> list[ActivityItem]:
    events = (
        RoundEvent.objects.filter(round=access.round).select_related("actor").order_by("-at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            at=event.at,
            actor=event.actor,
            text=(
                _("moved the round to “%(state)s”") % {"state": RoundState(event.to_state).label}
                if event.from_state
                else _("created the round")
            ),
            kind="state",
        )
        for event in events
    ]


def history_items(
    rows: QuerySet,
    limit: int,
    text: Callable[[Any], str],
    *,
    url: Callable[[Any], str] | None = None,
    kind: str = "edit",
) -> list[ActivityItem]:
    """The newest ``limit`` rows of a django-simple-history queryset as feed items (one query).

    Every history source is the same shape: filter by round and viewer, newest first, say what
    happened (``text``) and, where the unit has a history page, link to it (``url``). Sources in
    other apps use it too.
    """
    rows = rows.select_related("history_user").order_by("-history_date")[:limit]
    return [
        ActivityItem(
            at=row.history_date,
            actor=row.history_user,
            text=text(row),
            url=url(row) if url else "",
            kind=kind,
        )
        for row in rows
    ]


def _history_link(access: RoundAccess, unit_kind: str) -> Callable[[Any], str]:
    return lambda row: _history_url(access, unit_kind, row.id)


@register
def prereport_answers(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if access.refuse_view_prereport():
        return []
    return history_items(
        Answer.history.filter(prereport__round_id=access.round.pk)
        .exclude(history_type="+")
        .select_related("criterion"),
        limit,
        lambda row: _("changed the answer to %(code)s") % {"code": row.criterion.code},
        url=_history_link(access, "answer"),
    )


@register
def prereport_header(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if access.refuse_view_prereport():
        return []
    return history_items(
        PreReport.history.filter(round_id=access.round.pk).exclude(history_type="+"),
        limit,
        lambda row: _("changed the guiding questions and context"),
        url=_history_link(access, "context"),
    )


@register
def evidence_files(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if access.refuse_view_prereport():
        return []
    texts = {
        "+": _("uploaded the evidence file “%(name)s”"),
        "-": _("deleted the evidence file “%(name)s”"),
        "~": _("changed the evidence file “%(name)s”"),
    }
    return history_items(
        EvidenceFile.history.filter(prereport__round_id=access.round.pk),
        limit,
        lambda row: texts[row.history_type] % {"name": row.original_name},
        kind="upload",
    )


@register
def indicator_values(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if access.refuse_view_prereport():
        return []
    texts = {
        "+": _("entered the value of “%(indicator)s” for %(year)s"),
        "-": _("removed the value of “%(indicator)s” for %(year)s"),
        "~": _("changed the value of “%(indicator)s” for %(year)s"),
    }
    return history_items(
        IndicatorValue.history.filter(prereport__round_id=access.round.pk).select_related("indicator"),
        limit,
        lambda row: texts[row.history_type] % {"indicator": row.indicator.name, "year": row.year},
    )


@register
def scores(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """Evaluators' scores: one's own drafts; others' only once both are submitted (coordinators:
    once submitted). The host city never sees them here."""
    visible = Q(pk__in=[])
    if access.assignment is not None:
        visible |= Q(assignment_id=access.assignment.pk)
        if access.assignment.has_submitted_scores:
            visible |= Q(assignment__scores_submitted_at__isnull=False)
    elif access.is_coordinator:
        visible |= Q(assignment__scores_submitted_at__isnull=False)
    else:
        return []
    return history_items(
        Score.history.filter(visible, assignment__round_id=access.round.pk)
        .exclude(history_type="+")
        .select_related("criterion"),
        limit,
        lambda row: _("changed a score for %(code)s") % {"code": row.criterion.code},
        url=_history_link(access, "score"),
    )


@register
def agreed_scores(access: RoundAccess, limit: int) -> list[ActivityItem]:
    if access.refuse_view_score_overview():
        return []
    recorded, changed = (
        _("recorded the agreed score for %(code)s"),
        _("changed the agreed score for %(code)s"),
    )
    return history_items(
        AgreedScore.history.filter(round_id=access.round.pk).select_related("criterion"),
        limit,
        lambda row: (recorded if row.history_type == "+" else changed) % {"code": row.criterion.code},
        url=_history_link(access, "agreed"),
    )


@register
def sessions(access: RoundAccess, limit: int) -> list[ActivityItem]:
    """Changes to the assessment days' sessions (their criteria and interviewees included): the
    panel's planning, with its notes, so for the panel and coordinators."""
    if access.refuse_read_day_notes():
        return []
    texts = {
        "+": _("added the session “%(topic)s”"),
        "~": _("changed the session “%(topic)s”"),
        "-": _("deleted the session “%(topic)s”"),
    }
    return history_items(
        Session.history.filter(day__round_id=access.round.pk),
        limit,
        lambda row: texts[row.history_type] % {"topic": row.topic},
        url=lambda row: "" if row.history_type == "-" else _history_url(access, "session", row.id),
    )
