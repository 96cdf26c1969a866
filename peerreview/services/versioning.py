"""Saving the smallest unit one person writes without losing a colleague's words.

Every editable unit (a criterion answer, a finding, a report section, a proposal, a session…)
carries a ``version`` integer. The form a person loads remembers that version and a digest of
each field's value at that moment. On save:

* only the fields this person changed (submitted digest ≠ base digest) are written;
* a field that someone else changed since (current digest ≠ base digest) and that this person
  changed too is a conflict: nothing is written, and both texts are shown (``EditConflict``);
* otherwise the changed fields are written with ``UPDATE … WHERE pk = … AND version = <current>``,
  so the check and the write are one statement; a concurrent save between our read and our
  UPDATE makes it match no row, and we look again.

The caller runs this inside ``transaction.atomic()`` after locking the parent row that a state
change (submitting, publishing) also locks, so a save can never land after a submission.
History: the conditional UPDATE bypasses ``save()``, so the historical row (django-simple-history)
is written here explicitly for models that have ``history``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..signals import versioned_saved

# How often to re-read and retry when concurrent saves keep moving the version on.
MAX_ATTEMPTS = 5


def normalise(value: Any) -> str:
    """The text a digest is taken of: None and "" are equal, line endings are the same everywhere."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def digest(value: Any) -> str:
    return hashlib.sha256(normalise(value).encode("utf-8")).hexdigest()[:16]


def encode_digests(digests: dict[str, str]) -> str:
    """For a hidden form field: ``field:digest;field:digest``."""
    return ";".join(f"{name}:{value}" for name, value in sorted(digests.items()))


def decode_digests(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for part in (text or "").split(";"):
        name, sep, value = part.partition(":")
        if sep and name:
            result[name] = value
    return result


def base_digests(instance: models.Model, field_names: list[str]) -> dict[str, str]:
    return {name: digest(getattr(instance, name)) for name in field_names}


@dataclass
class FieldConflict:
    """One field both people changed: what is saved now (theirs) and what this person typed."""

    field: str
    label: str
    theirs: str
    yours: str


@dataclass
class EditConflict(Exception):
    """A stale save of a field someone else changed since the form was loaded.

    ``current`` is the unit as saved now; the form is re-rendered with the person's own text
    and the *current* version and digests, so saving again after merging is deliberate.
    """

    current: models.Model
    conflicts: list[FieldConflict] = field(default_factory=list)

    def __str__(self) -> str:  # pragma: no cover - for logs only
        return f"edit conflict on {type(self.current).__name__} {self.current.pk}: " + ", ".join(
            c.field for c in self.conflicts
        )


def changed_fields(
    values: dict[str, Any], base: dict[str, str], together: list[tuple[str, ...]] | None = None
) -> dict[str, Any]:
    """The fields whose submitted value differs from the value the form was loaded with.

    A field with no base digest (an old form) counts as changed. Fields listed together
    (e.g. a level and its "not applicable" flag, which one radio group sets) are written
    together: when one of them changed, all of them count as changed.
    """
    mine = {name: value for name, value in values.items() if base.get(name) != digest(value)}
    for group in together or []:
        if any(name in mine for name in group):
            mine.update({name: values[name] for name in group if name in values})
    return mine


def display_value(model: type[models.Model], name: str, value: Any) -> str:
    """A field's value as a person reads it in a conflict: a choice's label, Yes/No for a flag."""
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return normalise(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(model_field, models.BooleanField):
        return str(_("Yes")) if value else str(_("No"))
    if model_field.choices and value not in (None, ""):
        return str(dict(model_field.flatchoices).get(value, value))
    return normalise(value)


def save_versioned(
    *,
    model: type[models.Model],
    pk: Any,
    base_version: int,
    base: dict[str, str],
    values: dict[str, Any],
    actor=None,
    labels: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    together: list[tuple[str, ...]] | None = None,
) -> tuple[models.Model, list[str]]:
    """Write the fields of ``values`` this person changed; returns (unit as saved, fields written).

    ``extra`` is written along with a real change (e.g. ``updated_by``). Raises ``EditConflict``
    when a field this person changed was changed by someone else since ``base_version``, and
    ``model.DoesNotExist`` when the unit is gone. ``together``: see ``changed_fields``.
    """
    mine = changed_fields(values, base, together)
    current = model._default_manager.get(pk=pk)
    if not mine:
        return current, []
    labels = labels or {}
    for _attempt in range(MAX_ATTEMPTS):
        if current.version != base_version:
            theirs_changed = {name for name in mine if digest(getattr(current, name)) != base.get(name)}
            for group in together or []:
                if theirs_changed & set(group):
                    theirs_changed |= {name for name in group if name in mine}
            conflicts = [
                FieldConflict(
                    field=name,
                    label=str(labels.get(name, model._meta.get_field(name).verbose_name)),
                    theirs=display_value(model, name, getattr(current, name)),
                    yours=display_value(model, name, value),
                )
                for name, value in mine.items()
                if name in theirs_changed and digest(getattr(current, name)) != digest(value)
            ]
            if conflicts:
                raise EditConflict(current=current, conflicts=conflicts)
        updates = dict(mine)
        updates.update(extra or {})
        if _has_field(model, "updated_at"):
            updates["updated_at"] = timezone.now()
        before = {name: getattr(current, name) for name in mine}
        rows = model._default_manager.filter(pk=pk, version=current.version).update(
            version=F("version") + 1, **updates
        )
        current = model._default_manager.get(pk=pk)
        if rows == 1:
            _record_history(current, actor)
            versioned_saved.send(
                sender=model,
                instance=current,
                actor=actor,
                changes={name: (before[name], getattr(current, name)) for name in mine},
            )
            return current, list(mine)
    raise EditConflict(current=current, conflicts=[])


def rebased(
    *,
    base_version: int,
    base: dict[str, str],
    values: dict[str, Any],
    current: models.Model,
    fields: list[str],
    accepted: list[str] | tuple[str, ...] = (),
) -> tuple[int, dict[str, str]]:
    """The base a page should keep after a save or a conflict, for the text it still shows.

    A field whose shown value is now the saved one (this person's save, or the same text) takes
    the saved digest; a field the person has seen both versions of (``accepted``: the fields of
    a conflict) takes the saved digest too, so saving again is a deliberate merge. Every other
    field keeps the digest the page started from: a colleague's newer text there, which the
    page does not show, is still found (and shown as a conflict) when this person changes it.
    The version moves on only when the page agrees with every field saved now."""
    digests = dict(base)
    for name in fields:
        now = digest(getattr(current, name))
        if name in accepted or (name in values and digest(values[name]) == now):
            digests[name] = now
    agrees = all(digests.get(name) == digest(getattr(current, name)) for name in fields)
    return (current.version if agrees else base_version), digests


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _record_history(instance: models.Model, actor) -> None:
    history = getattr(type(instance), "history", None)
    if history is None or not hasattr(history, "bulk_history_create"):
        return
    # A model may keep more in its history rows than its own fields (Session: its criteria).
    extra = instance.history_extra() if hasattr(instance, "history_extra") else None
    history.bulk_history_create(
        [instance],
        update=True,
        default_user=actor,
        default_date=timezone.now(),
        custom_historical_attrs=extra,
    )


@dataclass
class UnitEdit:
    """One unit a person saves in a form that holds many: which row, the version and digests
    they started from, and the values they submit. ``key`` finds the form again."""

    key: Any
    model: type[models.Model]
    pk: Any
    base_version: int
    base: dict[str, str]
    values: dict[str, Any]
    labels: dict[str, str] | None = None
    together: list[tuple[str, ...]] | None = None
    extra: dict[str, Any] | None = None


@dataclass
class SaveResult:
    """What a multi-unit save did: the units as saved now (written or not) and the conflicts."""

    saved: dict[Any, models.Model] = field(default_factory=dict)
    written: dict[Any, list[str]] = field(default_factory=dict)
    conflicts: dict[Any, EditConflict] = field(default_factory=dict)

    @property
    def changed_count(self) -> int:
        return sum(1 for fields in self.written.values() if fields)


def save_units(edits: list[UnitEdit], *, actor=None) -> SaveResult:
    """Save each unit on its own terms: a conflict on one unit does not stop the others.

    The caller holds the lock that state changes take (see the module docstring)."""
    result = SaveResult()
    for edit in edits:
        try:
            unit, written = save_versioned(
                model=edit.model,
                pk=edit.pk,
                base_version=edit.base_version,
                base=edit.base,
                values=edit.values,
                actor=actor,
                labels=edit.labels,
                extra=edit.extra,
                together=edit.together,
            )
        except EditConflict as conflict:
            result.conflicts[edit.key] = conflict
        else:
            result.saved[edit.key] = unit
            result.written[edit.key] = written
    return result
