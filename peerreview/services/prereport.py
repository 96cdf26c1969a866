"""The host city's pre-report: saving drafts, evidence uploads and submission."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Criterion, EvidenceFile, IndicatorValue, PreReport, Round, RoundState
from .locking import Refused, prereport_submitted_message
from .rounds import TransitionError, transition_round
from .upload_checks import check_content
from .versioning import (
    EditConflict,
    FieldConflict,
    SaveResult,
    UnitEdit,
    display_value,
    save_units,
    save_versioned,
)

# Allowed evidence types: extension → the first bytes a real file of that type starts with.
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".csv": (),
    ".txt": (),
}


# The type a download is sent with: the one its (checked) extension stands for.
EVIDENCE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def evidence_content_type(evidence: EvidenceFile) -> str:
    return EVIDENCE_CONTENT_TYPES.get(Path(evidence.file.name).suffix.lower(), "application/octet-stream")


def validate_evidence_file(upload: UploadedFile) -> None:
    """Refuse files that are too large, of a type we do not accept, or whose content
    does not match their extension."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_SIGNATURES:
        raise ValidationError(
            _("Files of type “%(type)s” are not accepted. Allowed: %(allowed)s.")
            % {"type": suffix or _("no extension"), "allowed": ", ".join(sorted(EVIDENCE_SIGNATURES))},
            code="file_type",
        )
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    signatures = EVIDENCE_SIGNATURES[suffix]
    if signatures:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in signatures):
            raise ValidationError(
                _("The file's content does not match its “%(type)s” extension.") % {"type": suffix},
                code="file_content",
            )
        check_content(upload, suffix)
    else:
        upload.seek(0)
        sample = upload.read(4096)
        upload.seek(0)
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError:
            try:
                sample.decode("latin-1")
            except UnicodeDecodeError as error:
                raise ValidationError(_("A text file must contain text."), code="file_content") from error
        if b"\x00" in sample:
            raise ValidationError(_("A text file must contain text."), code="file_content")


def add_evidence(
    *,
    prereport: PreReport,
    upload: UploadedFile,
    user,
    criterion: Criterion | None = None,
    description: str = "",
    token: uuid.UUID | None = None,
) -> EvidenceFile:
    """Store an evidence file. With the upload form's one-time ``token``, the same upload sent
    twice (a double click) stores one file: the second request gets the first one's row."""
    validate_evidence_file(upload)
    with transaction.atomic():
        # The row lock makes concurrent uploads to one pre-report take turns at the quota
        # and at the token.
        PreReport.objects.select_for_update().filter(pk=prereport.pk).first()
        if token is not None:
            existing = EvidenceFile.objects.filter(upload_token=token, prereport=prereport).first()
            if existing is not None:
                return existing
        check_quota(prereport=prereport, size=upload.size)
        return EvidenceFile.objects.create(
            prereport=prereport,
            criterion=criterion,
            file=upload,
            original_name=Path(upload.name).name[:255],
            size=upload.size,
            description=description,
            uploaded_by=user,
            upload_token=token,
        )


def check_quota(*, prereport: PreReport, size: int) -> None:
    """A round stores at most EVIDENCE_ROUND_QUOTA_BYTES of evidence."""
    quota = settings.EVIDENCE_ROUND_QUOTA_BYTES
    used = prereport.evidence_files.aggregate(total=Sum("size"))["total"] or 0
    if used + size > quota:
        raise ValidationError(
            _(
                "This round's evidence files already take %(used)s MB of the %(quota)s MB a round "
                "may store, and this file (%(size)s MB) does not fit. Delete files you no longer "
                "need, or ask the coordinators."
            )
            % {
                "used": f"{used / 1048576:.1f}",
                "quota": f"{quota / 1048576:.0f}",
                "size": f"{size / 1048576:.1f}",
            },
            code="quota",
        )


def delete_evidence(*, evidence: EvidenceFile) -> None:
    evidence.file.delete(save=False)
    evidence.delete()


def lock_open_prereport(review_round: Round) -> PreReport:
    """Take the lock submitting takes (the round row) and check the pre-report is still open.

    Call inside ``transaction.atomic()``. Raises ``Refused`` with when and by whom it was
    submitted, or the step the round is at."""
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    prereport = PreReport.objects.select_related("submitted_by").get(round=locked)
    if locked.state != RoundState.PREREPORT_OPEN:
        if prereport.is_submitted:
            raise Refused(prereport_submitted_message(prereport))
        raise Refused(
            _(
                "The pre-report can be edited only while it is open. This round is now at the step “%(state)s”."
            )
            % {"state": RoundState(locked.state).label}
        )
    return prereport


@transaction.atomic
def save_prereport_draft(*, review_round: Round, actor, edits: list[UnitEdit]) -> SaveResult:
    """Save the header and the answers a person changed, each as its own versioned unit."""
    lock_open_prereport(review_round)
    return save_units(edits, actor=actor)


@dataclass
class IndicatorCellEdit:
    """One indicator in one year as a person submits it; ``base_version`` is None when the
    cell was empty when they loaded the page."""

    key: str
    indicator_id: int
    year: int
    base_version: int | None
    base: dict[str, str]
    value: Decimal | None
    source: str


@transaction.atomic
def save_indicator_values(*, review_round: Round, actor, cells: list[IndicatorCellEdit]) -> SaveResult:
    """Create, change or remove indicator values, one versioned unit per cell.

    A cell the person did not touch is left alone (a colleague's value in it survives); a
    cell both changed is a conflict; an empty value removes the row only if nobody changed
    it since."""
    prereport = lock_open_prereport(review_round)
    result = SaveResult()
    existing = {(v.indicator_id, v.year): v for v in prereport.indicator_values.all()}
    touched = False
    for cell in cells:
        values = {"value": cell.value, "source": cell.source}
        current = existing.get((cell.indicator_id, cell.year))
        if cell.value is None:
            if current is None or cell.base_version is None:
                continue  # empty then, and not filled in now (or removed meanwhile)
            deleted, _rows = IndicatorValue.objects.filter(pk=current.pk, version=cell.base_version).delete()
            if deleted:
                touched = True
                result.written[cell.key] = ["value", "source"]
                continue
            result.conflicts[cell.key] = _cell_conflict(current, values)
            continue
        if current is None:
            created = IndicatorValue.objects.create(
                prereport=prereport,
                indicator_id=cell.indicator_id,
                year=cell.year,
                value=cell.value,
                source=cell.source,
            )
            result.saved[cell.key] = created
            result.written[cell.key] = ["value", "source"]
            touched = True
            continue
        try:
            unit, written = save_versioned_cell(current, cell, values, actor)
        except EditConflict as conflict:
            result.conflicts[cell.key] = conflict
        else:
            result.saved[cell.key] = unit
            result.written[cell.key] = written
            touched = touched or bool(written)
    if touched:
        PreReport.objects.filter(pk=prereport.pk).update(updated_at=timezone.now())
    return result


def save_versioned_cell(current: IndicatorValue, cell: IndicatorCellEdit, values: dict, actor):
    # A cell that was empty when loaded but holds a value now: every field counts as theirs.
    base_version = cell.base_version if cell.base_version is not None else -1
    return save_versioned(
        model=IndicatorValue,
        pk=current.pk,
        base_version=base_version,
        base=cell.base,
        values=values,
        actor=actor,
    )


def _cell_conflict(current: IndicatorValue, values: dict) -> EditConflict:
    return EditConflict(
        current=current,
        conflicts=[
            FieldConflict(
                field=name,
                label=str(IndicatorValue._meta.get_field(name).verbose_name),
                theirs=display_value(IndicatorValue, name, getattr(current, name)),
                yours=display_value(IndicatorValue, name, values[name]),
            )
            for name in ("value", "source")
        ],
    )


@transaction.atomic
def upload_evidence(
    *,
    review_round: Round,
    upload: UploadedFile,
    user,
    criterion: Criterion | None = None,
    description: str = "",
    token: uuid.UUID | None = None,
) -> EvidenceFile:
    """``add_evidence`` while the pre-report is open, under the lock submitting takes."""
    prereport = lock_open_prereport(review_round)
    return add_evidence(
        prereport=prereport,
        upload=upload,
        user=user,
        criterion=criterion,
        description=description,
        token=token,
    )


@transaction.atomic
def remove_evidence(*, review_round: Round, evidence_id: int) -> EvidenceFile | None:
    """Delete an evidence file while the pre-report is open; None when it is already gone."""
    prereport = lock_open_prereport(review_round)
    evidence = EvidenceFile.objects.filter(pk=evidence_id, prereport=prereport).first()
    if evidence is not None:
        delete_evidence(evidence=evidence)
    return evidence


@transaction.atomic
def submit_pre_report(*, review_round: Round, user) -> PreReport:
    """Submit the pre-report: only when nothing is missing; it is read-only afterwards."""
    locked = Round.objects.select_for_update().get(pk=review_round.pk)
    prereport = PreReport.objects.select_related("submitted_by").get(round=locked)
    if prereport.is_submitted:
        raise Refused(prereport_submitted_message(prereport))
    if locked.state != RoundState.PREREPORT_OPEN:
        raise TransitionError([_("The pre-report is not open for submission.")])
    transition_round(review_round=review_round, to_state=RoundState.PREREPORT_SUBMITTED, actor=user)
    prereport.submitted_at = timezone.now()
    prereport.submitted_by = user
    # An UPDATE, not save(): the submission is in the round's audit trail, not an edit of the header.
    PreReport.objects.filter(pk=prereport.pk).update(
        submitted_at=prereport.submitted_at, submitted_by=user, updated_at=prereport.submitted_at
    )
    return prereport
