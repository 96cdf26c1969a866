"""Saving the report unit by unit, so that a panel writing at once loses nothing.

A unit is a text section of the report (the sections share the report's ``version``; each field
is compared on its own, so two people writing different sections merge), a finding or an
action proposal. Every save goes through ``peerreview.services.versioning.save_versioned``:
only what this person changed is written, and a stale save of a field a colleague changed
since is refused with both texts (``EditConflict``).

Every save first locks the report row, the row ``publish_report`` also locks, and checks that
the report may still be edited, so a save can never land after publication.
A save queues no PDF: with autosave a writer saves every few seconds, and a draft's PDF is
rendered when someone downloads it (``views.report_pdf`` queues it) or the draft goes to the city.
Creating is idempotent: a create form carries a one-time token stored on the new row
(unique), so the same form posted twice creates one row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerreview.models import Criterion, RoundState
from peerreview.services.versioning import EditConflict, changed_fields, save_versioned

from .models import ActionProposal, Finding, SummaryReport

SECTION_FIELDS = ("executive_summary", "key_strengths", "purpose_and_scope", "process_notes", "next_steps")
FINDING_FIELDS = ("evidence", "strengths", "areas_to_develop", "good_practice")
PROPOSAL_FIELDS = ("criterion", "title", "description", "priority", "owner", "timeframe", "success_indicator")
UNIT_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    SummaryReport: SECTION_FIELDS,
    Finding: FINDING_FIELDS,
    ActionProposal: PROPOSAL_FIELDS,
}


def new_form_token() -> str:
    return str(uuid.uuid4())


def refuse_report_save(report: SummaryReport, state: str) -> str:
    """Why the report can no longer be saved ("" when it can)."""
    if report.is_published or state == RoundState.PUBLISHED:
        return _("The report is published: it can no longer be changed.")
    if state not in SummaryReport.EDITABLE_STATES:
        return _("The report can no longer be edited: the round is at the step “%(state)s”.") % {
            "state": RoundState(state).label
        }
    return ""


def lock_report_for_edit(report_id: int) -> SummaryReport:
    """Lock the report row (as publishing does) and refuse when it may no longer be edited.
    Call inside ``transaction.atomic()``."""
    report = SummaryReport.objects.select_for_update(of=("self",)).select_related("round").get(pk=report_id)
    state = report.round.state
    reason = refuse_report_save(report, state)
    if reason:
        raise ValidationError(reason)
    return report


@dataclass
class UnitEdit:
    """One unit as a person submitted it: where they started from and what they typed."""

    model: type[models.Model]
    pk: int
    base_version: int
    base: dict[str, str]
    values: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)
    # filled by save_units
    saved: models.Model | None = None
    written: list[str] = field(default_factory=list)
    conflict: EditConflict | None = None

    @property
    def has_changes(self) -> bool:
        return bool(changed_fields(self.values, self.base))


def _check_belongs(report: SummaryReport, edit: UnitEdit) -> None:
    if edit.model is SummaryReport:
        ok = edit.pk == report.pk
    else:
        ok = edit.model._default_manager.filter(pk=edit.pk, report=report).exists()
    if not ok:
        raise ValidationError(_("This part does not belong to this report."))
    unknown = set(edit.values) - set(UNIT_FIELDS[edit.model])
    if unknown:
        raise ValidationError(_("Unknown field “%(name)s”.") % {"name": sorted(unknown)[0]})


def _check_values(report: SummaryReport, edit: UnitEdit) -> None:
    if edit.model is not ActionProposal:
        return
    if "title" in edit.values and not (edit.values["title"] or "").strip():
        raise ValidationError({"title": _("Give every proposal a title.")})
    criterion = edit.values.get("criterion")
    if (
        criterion is not None
        and not Criterion.objects.filter(pk=criterion.pk, theme__framework__rounds=report.round_id).exists()
    ):
        raise ValidationError({"criterion": _("Choose a criterion of this round's framework.")})


def save_units(*, report: SummaryReport, edits: list[UnitEdit], actor) -> list[UnitEdit]:
    """Save each unit that changed; a unit in conflict is left unsaved with ``.conflict`` set,
    the others are written. Raises ValidationError when the report can no longer be edited."""
    edits = [edit for edit in edits if edit.has_changes]
    if not edits:
        return []
    with transaction.atomic():
        locked = lock_report_for_edit(report.pk)
        for edit in edits:
            _check_belongs(locked, edit)
            _check_values(locked, edit)
            try:
                edit.saved, edit.written = save_versioned(
                    model=edit.model,
                    pk=edit.pk,
                    base_version=edit.base_version,
                    base=edit.base,
                    values=edit.values,
                    actor=actor,
                    labels=edit.labels,
                    extra={"updated_at": timezone.now()} if edit.model is not SummaryReport else None,
                )
            except EditConflict as conflict:
                edit.conflict = conflict
        if any(edit.written for edit in edits):
            SummaryReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    return edits


def save_unit(
    *,
    report: SummaryReport,
    model: type[models.Model],
    pk: int,
    base_version: int,
    base: dict[str, str],
    values: dict[str, Any],
    actor,
) -> tuple[models.Model, list[str]]:
    """Save one unit; raises EditConflict or ValidationError (used by restore and acceptance)."""
    edit = UnitEdit(model=model, pk=pk, base_version=base_version, base=base, values=values)
    if not edit.has_changes:
        return model._default_manager.get(pk=pk), []
    save_units(report=report, edits=[edit], actor=actor)
    if edit.conflict is not None:
        raise edit.conflict
    return edit.saved, edit.written


def create_action_proposal(
    *, report: SummaryReport, form_token: str | uuid.UUID | None, values: dict[str, Any], actor
) -> tuple[ActionProposal, bool]:
    """Create an action proposal with the next number (AP-n), once per form token.
    Returns (proposal, created); a second post of the same form returns the first proposal."""
    from .services import next_action_number

    with transaction.atomic():
        locked = lock_report_for_edit(report.pk)  # also serialises the numbering
        if form_token:
            existing = ActionProposal.objects.filter(form_token=form_token).first()
            if existing is not None:
                if existing.report_id != locked.pk:
                    raise ValidationError(_("This form belongs to another report."))
                return existing, False
        edit = UnitEdit(model=ActionProposal, pk=0, base_version=0, base={}, values=values)
        _check_values(locked, edit)
        proposal = ActionProposal(
            report=locked,
            number=next_action_number(locked),
            form_token=form_token or None,
            updated_at=timezone.now(),
            criterion=values.get("criterion"),
            title=(values.get("title") or "").strip(),
            description=values.get("description") or "",
            priority=values.get("priority") or ActionProposal.Priority.MEDIUM,
            owner=values.get("owner") or "",
            timeframe=values.get("timeframe") or "",
            success_indicator=values.get("success_indicator") or "",
        )
        proposal._history_user = actor  # who created it, in its history
        proposal.save()
        SummaryReport.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return proposal, True


def delete_action_proposal(
    *, report: SummaryReport, pk: int, base_version: int | None, actor
) -> ActionProposal | None:
    """Delete one proposal as the person saw it (its number is not given again). Refused when
    someone changed it since ``base_version``, so nobody deletes a text they have not read.
    Returns the deleted proposal, or None when it was already gone."""
    with transaction.atomic():
        locked = lock_report_for_edit(report.pk)
        proposal = ActionProposal.objects.filter(report=locked, pk=pk).first()
        if proposal is None:
            return None
        if base_version is not None and proposal.version != base_version:
            raise ValidationError(
                _(
                    "%(ref)s was changed by someone else since you opened the page, so it is not deleted. "
                    "Read it as it is now, then delete it if you still want to."
                )
                % {"ref": proposal.reference}
            )
        proposal._history_user = actor  # who deleted it, in its history
        proposal.delete()
        SummaryReport.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return proposal
