"""The edit history of one versioned unit (an answer, the pre-report's header, a score, an
agreed score), read from django-simple-history's rows: who changed what when, with a word diff
of each changed field against the version before it."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .services.versioning import display_value, normalise

# How many versions the history page lists (the newest first).
HISTORY_LIMIT = 50

_TOKENS = re.compile(r"(\s+)")


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``[("equal"|"delete"|"insert", text), …]``: a readable diff by words (difflib)."""
    old, new = _TOKENS.split(before), _TOKENS.split(after)
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(old[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(new[j1:j2])))
    return [segment for segment in segments if segment[1]]


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    segments: list[tuple[str, str]]


@dataclass
class HistoryEntry:
    """One saved version of a unit and what changed from the version before it."""

    record: Any
    at: Any
    who: Any
    kind: str  # "created", "changed", "deleted"
    changes: list[FieldChange] = field(default_factory=list)
    is_current: bool = False

    @property
    def history_id(self) -> int:
        return self.record.history_id


def unit_history(
    unit: models.Model, fields: list[str], labels: dict[str, str] | None = None, limit: int = HISTORY_LIMIT
) -> list[HistoryEntry]:
    """The unit's versions, newest first, each with its changes; two queries."""
    model = type(unit)
    labels = labels or {}
    rows = list(
        unit.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        for name in fields:
            after = getattr(row, name)
            before = getattr(older, name) if older is not None else None
            if older is not None and normalise(before) == normalise(after):
                continue
            if older is None and normalise(after) == "" and row.history_type == "+":
                continue
            text_before = display_value(model, name, before) if older is not None else ""
            text_after = display_value(model, name, after)
            changes.append(
                FieldChange(
                    label=str(labels.get(name) or model._meta.get_field(name).verbose_name),
                    before=text_before,
                    after=text_after,
                    segments=word_diff(text_before, text_after),
                )
            )
        kind = {"+": "created", "-": "deleted"}.get(row.history_type, "changed")
        entries.append(
            HistoryEntry(
                record=row,
                at=row.history_date,
                who=row.history_user,
                kind=kind,
                changes=changes,
                is_current=index == 0,
            )
        )
    return entries


def kind_label(kind: str) -> str:
    return {"created": _("created"), "deleted": _("deleted")}.get(kind, _("changed"))


# --- a session of the assessment days: its fields, its criteria and its interviewees ---------

SESSION_FIELDS = [
    "day",
    "start_time",
    "end_time",
    "topic",
    "criteria_codes",
    "notes",
    "share_notes_with_city",
]
INTERVIEWEE_FIELDS = ["role", "name", "organisation", "consent_to_name"]


def _changes(model, row, older, fields: list[str], labels: dict[str, str], show) -> list[FieldChange]:
    changes = []
    for name in fields:
        after = show(row, name)
        before = show(older, name) if older is not None else ""
        if older is not None and before == after:
            continue
        if older is None and after == "":
            continue
        changes.append(
            FieldChange(label=labels[name], before=before, after=after, segments=word_diff(before, after))
        )
    return changes


def session_history(session, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Every saved version of a session, newest first, with the versions of its interviewees
    (added, changed, removed) in the same timeline; three queries."""
    from .models import AssessmentDay, Interviewee, Session

    rows = list(
        session.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    people = list(
        Interviewee.history.filter(session_id=session.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    days = {
        day.pk: day
        for day in AssessmentDay.objects.filter(pk__in={row.day_id for row in rows}).only(
            "pk", "date", "location"
        )
    }
    labels = {
        name: str(Session._meta.get_field(name).verbose_name)
        for name in SESSION_FIELDS
        if name != "criteria_codes"
    }
    labels["criteria_codes"] = str(Session._meta.get_field("criteria").verbose_name)

    def show_session(row, name: str) -> str:
        if name == "day":
            day = days.get(row.day_id)
            return str(day.date) + (f" · {day.location}" if day and day.location else "") if day else ""
        if name == "criteria_codes":
            return row.criteria_codes
        return display_value(Session, name, getattr(row, name))

    entries = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        kind = {"+": "created", "-": "deleted"}.get(row.history_type, "changed")
        changes = _changes(Session, row, older, SESSION_FIELDS, labels, show_session)
        if kind == "changed" and not changes:
            continue  # a save of its interviewees only: their own entries say what changed
        entries.append(
            HistoryEntry(record=row, at=row.history_date, who=row.history_user, kind=kind, changes=changes)
        )

    def show_person(row, name: str) -> str:
        return display_value(Interviewee, name, getattr(row, name))

    previous = None
    for row in people:
        older = previous if previous is not None and previous.id == row.id else None
        previous = row
        who = " ".join(part for part in (row.get_role_display(), row.name) if part)
        person_labels = {
            name: _("Interviewee %(person)s: %(field)s")
            % {"person": who, "field": Interviewee._meta.get_field(name).verbose_name}
            for name in INTERVIEWEE_FIELDS
        }
        kind = {"+": "created", "-": "deleted"}.get(row.history_type, "changed")
        changes = _changes(Interviewee, row, older, INTERVIEWEE_FIELDS, person_labels, show_person)
        if kind == "deleted":
            changes = [
                FieldChange(label=_("Interviewee removed"), before=who, after="", segments=word_diff(who, ""))
            ]
        elif kind == "created":
            changes = [
                FieldChange(label=_("Interviewee added"), before="", after=who, segments=word_diff("", who))
            ]
        if changes:
            entries.append(
                HistoryEntry(
                    record=row, at=row.history_date, who=row.history_user, kind="changed", changes=changes
                )
            )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    entries = entries[:limit]
    if entries:
        entries[0].is_current = True
    return entries
