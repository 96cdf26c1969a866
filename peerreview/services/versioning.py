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


def changed_fields(values: dict[str, Any], base: dict[str, str]) -> dict[str, Any]:
    """The fields whose submitted value differs from the value the form was loaded with.

    A field with no base digest (an old form) counts as changed.
    """
    return {name: value for name, value in values.items() if base.get(name) != digest(value)}


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
) -> tuple[models.Model, list[str]]:
    """Write the fields of ``values`` this person changed; returns (unit as saved, fields written).

    ``extra`` is written along with a real change (e.g. ``updated_by``). Raises ``EditConflict``
    when a field this person changed was changed by someone else since ``base_version``, and
    ``model.DoesNotExist`` when the unit is gone.
    """
    mine = changed_fields(values, base)
    current = model._default_manager.get(pk=pk)
    if not mine:
        return current, []
    labels = labels or {}
    for _attempt in range(MAX_ATTEMPTS):
        if current.version != base_version:
            conflicts = [
                FieldConflict(
                    field=name,
                    label=str(labels.get(name, model._meta.get_field(name).verbose_name)),
                    theirs=normalise(getattr(current, name)),
                    yours=normalise(value),
                )
                for name, value in mine.items()
                if digest(getattr(current, name)) != base.get(name)
                and digest(getattr(current, name)) != digest(value)
            ]
            if conflicts:
                raise EditConflict(current=current, conflicts=conflicts)
        updates = dict(mine)
        updates.update(extra or {})
        if _has_field(model, "updated_at"):
            updates["updated_at"] = timezone.now()
        rows = model._default_manager.filter(pk=pk, version=current.version).update(
            version=F("version") + 1, **updates
        )
        current = model._default_manager.get(pk=pk)
        if rows == 1:
            _record_history(current, actor)
            return current, list(mine)
    raise EditConflict(current=current, conflicts=[])


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
    history.bulk_history_create([instance], update=True, default_user=actor, default_date=timezone.now())
