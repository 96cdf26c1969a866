"""The edit history of a report unit: who changed what when, a readable diff, and restore.

Histories come from django-simple-history (`history` on SummaryReport, Finding, ActionProposal);
the versioned save writes a historical row for each save. A report section is one field of the
report, so its history lists only the saves that changed that field. Restoring writes the earlier
text through the same versioned save as any edit, so a colleague's newer save is never lost
silently and publication still locks the report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from peerreview.models import Criterion
from peerreview.services.versioning import base_digests, normalise

from .editing import FINDING_FIELDS, PROPOSAL_FIELDS, SECTION_FIELDS, save_unit
from .models import ActionProposal, Finding, SummaryReport

KINDS = ("section", "finding", "proposal")


@dataclass
class Unit:
    """The thing whose history is shown: a section (one field of the report), a finding or a proposal."""

    kind: str
    model: type[models.Model]
    instance: models.Model
    fields: tuple[str, ...]
    title: str
    key: str

    @property
    def labels(self) -> dict[str, str]:
        return {name: str(self.model._meta.get_field(name).verbose_name) for name in self.fields}


def find_unit(report: SummaryReport, kind: str, key: str) -> Unit:
    """The unit of this report named by (kind, key); 404 for anything else."""
    if kind == "section" and key in SECTION_FIELDS:
        label = str(SummaryReport._meta.get_field(key).verbose_name)
        return Unit(kind, SummaryReport, report, (key,), label[:1].upper() + label[1:], key)
    if kind in ("finding", "proposal") and key.isdigit():
        model = Finding if kind == "finding" else ActionProposal
        instance = model.objects.filter(report=report, pk=int(key)).select_related("criterion").first()
        if instance is not None:
            if kind == "finding":
                title = _("Finding: %(criterion)s") % {
                    "criterion": f"{instance.criterion.code} {instance.criterion.title}"
                }
                return Unit(kind, model, instance, FINDING_FIELDS, title, key)
            return Unit(kind, model, instance, PROPOSAL_FIELDS, f"{instance.reference} {instance.title}", key)
    raise Http404(_("No such part of the report."))


@dataclass
class FieldChange:
    label: str
    segments: list[tuple[str, str]]  # ("same" | "removed" | "added", text)


@dataclass
class Revision:
    record: models.Model
    changes: list[FieldChange] = field(default_factory=list)
    is_current: bool = False


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Words removed and added between two texts, for a diff a person can read."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(before[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(after[j1:j2])))
    return segments


def _value(record, name: str, criteria: dict) -> str:
    if name == "criterion":
        criterion = criteria.get(record.criterion_id)
        return f"{criterion.code} {criterion.title}" if criterion is not None else ""
    return normalise(getattr(record, name))


def revisions(unit: Unit) -> list[Revision]:
    """The saves that changed the unit, newest first, each with what it changed."""
    records = list(
        unit.model.history.filter(id=unit.instance.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    criteria = {}
    if unit.kind == "proposal":
        ids = {record.criterion_id for record in records if record.criterion_id}
        criteria = {criterion.pk: criterion for criterion in Criterion.objects.filter(pk__in=ids)}
    result: list[Revision] = []
    previous = None
    for record in records:
        changes = []
        for name in unit.fields:
            old = _value(previous, name, criteria) if previous is not None else ""
            new = _value(record, name, criteria)
            if old != new:
                changes.append(FieldChange(label=unit.labels[name], segments=word_diff(old, new)))
        if changes or (previous is None and unit.kind == "proposal"):
            result.append(Revision(record=record, changes=changes))
        previous = record
    if result:
        result[-1].is_current = True
    result.reverse()
    return result


def restore(*, report: SummaryReport, unit: Unit, history_id: int, actor) -> list[str]:
    """Write the unit's texts as they were after the save `history_id`, through the versioned
    save (starting from the unit as it is now). Returns the fields written."""
    record = unit.model.history.filter(id=unit.instance.pk, history_id=history_id).first()
    if record is None:
        raise ValidationError(_("That earlier version does not exist."))
    current = unit.model._default_manager.get(pk=unit.instance.pk)
    values = {}
    for name in unit.fields:
        if name == "criterion":
            values[name] = record.criterion if record.criterion_id else None
        else:
            values[name] = getattr(record, name)
    _saved, written = save_unit(
        report=report,
        model=unit.model,
        pk=current.pk,
        base_version=current.version,
        base=base_digests(current, list(unit.fields)),
        values=values,
        actor=actor,
    )
    return written
