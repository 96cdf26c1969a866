"""The city's factual check, per part of the report: the city comments on a section, a finding
or the action proposals; the lead and coordinators hear of it in their digest, answer each
comment and mark it resolved; the city reads the answers. Publishing with open comments needs
the coordinator's explicit confirmation."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerreview.models import Assignment, RoundState
from peerreview.services.notifications import coordinators
from peerreview.services.versioning import save_versioned

from . import digest
from .editing import SECTION_FIELDS
from .models import DigestItem, FactualComment, Finding, SummaryReport


def section_choices(report: SummaryReport, findings: list[Finding]) -> list[tuple[str, str]]:
    """The parts of the report the city can comment on, in the order of the report.
    A finding is "finding:<id>"."""
    choices = [(FactualComment.GENERAL, _("The report as a whole"))]
    for name in SECTION_FIELDS:
        label = str(SummaryReport._meta.get_field(name).verbose_name)
        choices.append((name, label[:1].upper() + label[1:]))
    for finding in findings:
        criterion = finding.criterion
        choices.append(
            (
                f"{FactualComment.FINDINGS}:{finding.pk}",
                _("Finding: %(criterion)s") % {"criterion": f"{criterion.code} {criterion.title}"},
            )
        )
    choices.append((FactualComment.PROPOSALS, _("Action proposals")))
    return choices


def _lock_in_factual_check(report_id: int) -> SummaryReport:
    report = SummaryReport.objects.select_for_update().select_related("round").get(pk=report_id)
    if report.round.state != RoundState.FACTUAL_CHECK:
        raise ValidationError(
            _(
                "Comments on the draft are written and answered during the factual check; this round is at “%(state)s”."
            )
            % {"state": RoundState(report.round.state).label}
        )
    return report


def lead_and_coordinators(review_round):
    leads = [
        assignment.evaluator
        for assignment in Assignment.objects.filter(
            round=review_round, role=Assignment.Role.LEAD, state=Assignment.State.ACCEPTED
        ).select_related("evaluator")
    ]
    return [*leads, *coordinators()]


def add_comment(
    *, report: SummaryReport, section: str, text: str, author, form_token: uuid.UUID | str | None
) -> tuple[FactualComment, bool]:
    """Record the city's comment on one part of the draft, once per form token; the lead and the
    coordinators get it in their next digest. Returns (comment, created)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what is wrong and what is right.")})
    with transaction.atomic():
        locked = _lock_in_factual_check(report.pk)
        if form_token:
            existing = FactualComment.objects.filter(form_token=form_token, report=locked).first()
            if existing is not None:
                return existing, False
        finding = None
        if section.startswith(f"{FactualComment.FINDINGS}:"):
            finding_id = section.partition(":")[2]
            finding = (
                Finding.objects.filter(report=locked, pk=int(finding_id)).select_related("criterion").first()
                if finding_id.isdigit()
                else None
            )
            if finding is None:
                raise ValidationError({"section": _("Choose a part of this report.")})
            section = FactualComment.FINDINGS
        elif section not in (*SECTION_FIELDS, FactualComment.GENERAL, FactualComment.PROPOSALS):
            raise ValidationError({"section": _("Choose a part of this report.")})
        comment = FactualComment.objects.create(
            report=locked,
            section=section,
            finding=finding,
            text=text,
            author=author,
            form_token=form_token or None,
        )
        digest.queue(
            review_round=locked.round,
            recipients=lead_and_coordinators(locked.round),
            source=f"factual-comment-{comment.pk}",
            kind=DigestItem.Kind.FACTUAL,
            author=author,
            where=comment.section_label,
            text=text,
            path=reverse("reports:report_edit", args=[locked.round_id]) + "#factual-comments",
        )
    return comment, True


def resolve_comment(*, comment: FactualComment, response: str, actor) -> FactualComment:
    """Answer the city's comment and mark it resolved (answering again replaces the answer)."""
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Write the panel's answer to the city.")})
    with transaction.atomic():
        _lock_in_factual_check(comment.report_id)
        FactualComment.objects.filter(pk=comment.pk).update(
            response=response, resolved_by=actor, resolved_at=timezone.now()
        )
    comment.refresh_from_db()
    return comment


def open_comments(report: SummaryReport):
    return report.factual_comments.filter(resolved_at__isnull=True)


def comments_for_page(report: SummaryReport) -> list[FactualComment]:
    return list(
        report.factual_comments.select_related("author", "resolved_by", "finding__criterion").order_by(
            F("resolved_at").asc(nulls_first=True), "created_at", "pk"
        )
    )


def save_city_response(
    *, report: SummaryReport, base_version: int, base: dict[str, str], city_response: str, actor
) -> tuple[SummaryReport, list[str]]:
    """The city's response (published in the report), saved like any unit: a stale save of a
    response a colleague changed since is refused with both texts (EditConflict)."""
    with transaction.atomic():
        _lock_in_factual_check(report.pk)
        return save_versioned(
            model=SummaryReport,
            pk=report.pk,
            base_version=base_version,
            base=base,
            values={"city_response": city_response},
            actor=actor,
            labels={"city_response": str(_("The city's response"))},
            extra={"factual_comment_by": actor, "factual_comment_at": timezone.now()},
        )
