"""The summary report: writing it, the city's factual check and publication.
The read model of the report document is in `reports.document`."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from peerreview.models import (
    Criterion,
    Round,
    RoundState,
)
from peerreview.services.rounds import transition_round

from .models import ActionProposal, Finding, SummaryReport
from .pdf_requests import request_pdf
from .signals import report_published

REPORT_TEXT_FIELDS = (
    "executive_summary",
    "key_strengths",
    "purpose_and_scope",
    "process_notes",
    "next_steps",
)
FINDING_TEXT_FIELDS = ("evidence", "strengths", "areas_to_develop", "good_practice")
ACTION_FIELDS = ("criterion", "title", "description", "priority", "owner", "timeframe", "success_indicator")
REPEAT_INTERVAL_RANGE = (12, 24)


# --- writing the report -------------------------------------------------------------------
# A save never renders the PDF nor queues a render: a draft's PDF is made when someone asks for
# it (reports.pdf_requests), so a burst of saves costs no render at all.


def _require_editable(report: SummaryReport) -> None:
    state = Round.objects.values_list("state", flat=True).get(pk=report.round_id)
    if state not in SummaryReport.EDITABLE_STATES:
        raise ValidationError(
            _("The report can no longer be edited: the round is at the step “%(state)s”.")
            % {"state": RoundState(state).label}
        )


@transaction.atomic
def set_report_language(*, report: SummaryReport, language: str, text_language: str, actor) -> SummaryReport:
    """The report's language (its headings, dates and chart: Round.language) and the language
    its written texts are in, when another. Fixed once the report is published (its PDF is
    final); the round's row is locked as by a state change."""
    review_round = Round.objects.select_for_update().get(pk=report.round_id)
    if review_round.state in (RoundState.PUBLISHED, RoundState.CANCELLED):
        raise ValidationError(
            _("The report's language can no longer be changed: the round is at the step “%(state)s”.")
            % {"state": RoundState(review_round.state).label}
        )
    review_round.language = language
    review_round.save(update_fields=["language", "updated_at"])
    report.text_language = "" if text_language == language else text_language
    report.save(update_fields=["text_language", "updated_at"])
    report.round = review_round
    return report


def get_or_create_report(review_round: Round) -> SummaryReport:
    """The round's report, created on first use with an empty finding per criterion
    of the round's framework (missing findings are added if the report exists).
    One query when the report exists and has all its findings (every save of the editor)."""
    has_finding = Finding.objects.filter(report_id=OuterRef(OuterRef("pk")), criterion_id=OuterRef("pk"))
    missing = Criterion.objects.filter(theme__framework_id=review_round.framework_id).exclude(
        Exists(has_finding)
    )
    report = SummaryReport.objects.filter(round=review_round).annotate(incomplete=Exists(missing)).first()
    if report is not None and not report.incomplete:
        return report
    return _create_report(review_round)


@transaction.atomic
def _create_report(review_round: Round) -> SummaryReport:
    report, _created = SummaryReport.objects.get_or_create(round=review_round)
    existing = set(report.findings.values_list("criterion_id", flat=True))
    criteria = Criterion.objects.filter(theme__framework_id=review_round.framework_id).exclude(
        pk__in=existing
    )
    Finding.objects.bulk_create([Finding(report=report, criterion=criterion) for criterion in criteria])
    return report


@transaction.atomic
def save_report_texts(
    *,
    report: SummaryReport,
    executive_summary: str,
    key_strengths: str,
    purpose_and_scope: str,
    process_notes: str,
    next_steps: str,
) -> SummaryReport:
    _require_editable(report)
    report.executive_summary = executive_summary
    report.key_strengths = key_strengths
    report.purpose_and_scope = purpose_and_scope
    report.process_notes = process_notes
    report.next_steps = next_steps
    report.save(update_fields=[*REPORT_TEXT_FIELDS, "updated_at"])
    return report


@transaction.atomic
def save_findings(*, report: SummaryReport, changes: dict[int, dict[str, str]]) -> list[Finding]:
    """Save the texts of findings: `changes` maps a finding's id to {field: text}
    for the fields in FINDING_TEXT_FIELDS. Only the report's own findings are accepted."""
    if not changes:
        return []
    _require_editable(report)
    findings = list(report.findings.filter(pk__in=changes))
    if len(findings) != len(changes):
        raise ValidationError(_("Some findings do not belong to this report."))
    for finding in findings:
        for name, value in changes[finding.pk].items():
            if name not in FINDING_TEXT_FIELDS:
                raise ValidationError(_("Unknown finding field “%(name)s”.") % {"name": name})
            setattr(finding, name, value)
    Finding.objects.bulk_update(findings, FINDING_TEXT_FIELDS)
    SummaryReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    return findings


def next_action_number(report: SummaryReport) -> int:
    """The number of the next action proposal (AP-n): one after the highest. Existing
    proposals keep their numbers, so references such as “see AP-3” in the texts stay valid."""
    highest = report.action_proposals.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


@transaction.atomic
def save_action_proposals(
    *, report: SummaryReport, rows: Iterable[dict], delete_ids: Iterable[int] = ()
) -> list[ActionProposal]:
    """Create, update and delete action proposals. Each row has the ACTION_FIELDS and "pk"
    (None for a new proposal); new proposals get the next numbers, in the order given."""
    _require_editable(report)
    SummaryReport.objects.select_for_update().filter(pk=report.pk).first()  # serialise numbering
    rows = list(rows)
    delete_ids = set(delete_ids)
    existing = {proposal.pk: proposal for proposal in report.action_proposals.all()}
    unknown = [pk for pk in delete_ids | {row["pk"] for row in rows if row.get("pk")} if pk not in existing]
    if unknown:
        raise ValidationError(_("Some action proposals do not belong to this report."))
    criterion_ids = {row["criterion"].pk for row in rows if row.get("criterion") is not None}
    in_framework = set(
        Criterion.objects.filter(pk__in=criterion_ids, theme__framework__rounds=report.round_id).values_list(
            "pk", flat=True
        )
    )
    if criterion_ids - in_framework:
        raise ValidationError({"criterion": _("Choose a criterion of this round's framework.")})
    if any(not (row.get("title") or "").strip() for row in rows):
        raise ValidationError({"title": _("Give every proposal a title.")})
    number = next_action_number(report)  # before deleting: a new row never takes a deleted row's number
    ActionProposal.objects.filter(report=report, pk__in=delete_ids).delete()
    saved = []
    for row in rows:
        proposal = existing[row["pk"]] if row.get("pk") else ActionProposal(report=report, number=0)
        if proposal.pk is None:
            proposal.number = number
            number += 1
        proposal.criterion = row.get("criterion")
        proposal.title = row["title"].strip()
        proposal.priority = row.get("priority") or ActionProposal.Priority.MEDIUM
        for name in ("description", "owner", "timeframe", "success_indicator"):
            setattr(proposal, name, row.get(name) or "")
        proposal.save()
        saved.append(proposal)
    SummaryReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    return saved


# --- factual check and publication -----------------------------------------------------


def factual_check_problems(report: SummaryReport) -> list[str]:
    """What keeps the draft from going to the city, phrased for the lead evaluator."""
    problems = []
    if not report.executive_summary.strip():
        problems.append(_("Write the executive summary."))
    if not report.action_proposals.exists():
        problems.append(_("Add at least one action proposal."))
    return problems


@transaction.atomic
def send_for_factual_check(*, review_round: Round, actor) -> Round:
    """Send the draft to the host city: only a draft with an executive summary and at
    least one action proposal; the round moves to “factual check”.
    Raises ValidationError (what is missing) or TransitionError (out of turn)."""
    report = SummaryReport.objects.filter(round=review_round).first()
    if report is None:
        raise ValidationError(_("The report has not been started."))
    problems = factual_check_problems(report)
    if problems:
        raise ValidationError(problems)
    moved = transition_round(review_round=review_round, to_state=RoundState.FACTUAL_CHECK, actor=actor)
    request_pdf(report.pk)  # the draft the city reads, ready for its download (one render)
    return moved


@transaction.atomic
def record_factual_comment(*, report: SummaryReport, comment: str, city_response: str, user) -> SummaryReport:
    """The city's comment on factual errors in the draft, and its response, which is
    published in the report. Possible only during the factual check."""
    report = SummaryReport.objects.select_for_update().select_related("round").get(pk=report.pk)
    if report.round.state != RoundState.FACTUAL_CHECK:
        raise ValidationError(_("The city comments on the draft only during the factual check."))
    report.factual_comment = comment
    report.city_response = city_response
    report.factual_comment_by = user
    report.factual_comment_at = timezone.now()
    report.save(
        update_fields=[
            "factual_comment",
            "city_response",
            "factual_comment_by",
            "factual_comment_at",
            "updated_at",
        ]
    )
    return report


def validate_repeat_interval(months) -> None:
    low, high = REPEAT_INTERVAL_RANGE
    if not isinstance(months, int) or not low <= months <= high:
        raise ValidationError(
            {
                "repeat_interval_months": _(
                    "The repeat round opens %(low)d to %(high)d months after publication."
                )
                % {"low": low, "high": high}
            }
        )


@transaction.atomic
def publish_report(
    *, review_round: Round, actor, repeat_interval_months: int, repeat_with_newest_framework: bool = False
) -> SummaryReport:
    """Sign off and publish the report. Effects: the round's repeat interval and the
    framework choice for the repeat round (same version, or the newest when it opens) are set,
    the report is stamped with who published it and when, and the round moves to
    “published”, which schedules the repeat round (`transition_round`). One transaction."""
    validate_repeat_interval(repeat_interval_months)
    report = SummaryReport.objects.select_for_update().filter(round=review_round).first()
    if report is None:
        raise ValidationError(_("There is no report to publish."))
    choice = {
        "repeat_interval_months": repeat_interval_months,
        "repeat_with_newest_framework": bool(repeat_with_newest_framework),
    }
    Round.objects.filter(pk=review_round.pk).update(**choice)
    for name, value in choice.items():
        setattr(review_round, name, value)
    published = transition_round(review_round=review_round, to_state=RoundState.PUBLISHED, actor=actor)
    report.published_at = published.published_at
    report.published_by = actor
    report.save(update_fields=["published_at", "published_by", "updated_at"])
    report_published.send(sender=SummaryReport, report=report)
    request_pdf(report.pk)  # the frozen, final PDF, rendered after the response
    return report
