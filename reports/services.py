"""The summary report: writing it, the city's factual check, publication, and the
read model of the report document that the web page, the factual check and the PDF share."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from peerreview.models import (
    AgreedScore,
    AssessmentDay,
    Assignment,
    Criterion,
    IndicatorValue,
    Interviewee,
    PreReport,
    Round,
    RoundState,
    Theme,
)
from peerreview.services.panel import CriterionSummary, score_overview
from peerreview.services.rounds import transition_round

from .models import ActionProgress, ActionProposal, Finding, SummaryReport

REPORT_TEXT_FIELDS = (
    "executive_summary",
    "key_strengths",
    "purpose_and_scope",
    "process_notes",
    "next_steps",
)
FINDING_TEXT_FIELDS = ("evidence", "strengths", "areas_to_develop", "good_practice")
ACTION_FIELDS = ("criterion", "title", "description", "priority", "owner", "timeframe", "success_indicator")
EDITABLE_STATES = (RoundState.ASSESSMENT, RoundState.DRAFTING)
REPEAT_INTERVAL_RANGE = (12, 24)


# --- writing the report -------------------------------------------------------------------


def schedule_pdf(report_id: int) -> None:
    """Render the report's PDF in the background once the current transaction commits
    (in-process when no broker is configured). A failing render is logged, never raised
    into the request that saved the report."""
    from .tasks import render_report_pdf

    transaction.on_commit(lambda: render_report_pdf.delay(report_id), robust=True)


def _require_editable(report: SummaryReport) -> None:
    state = Round.objects.values_list("state", flat=True).get(pk=report.round_id)
    if state not in EDITABLE_STATES:
        raise ValidationError(
            _("The report can no longer be edited: the round is at the step “%(state)s”.")
            % {"state": RoundState(state).label}
        )


@transaction.atomic
def get_or_create_report(review_round: Round) -> SummaryReport:
    """The round's report, created on first use with an empty finding per criterion
    of the round's framework (missing findings are added if the report exists)."""
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
    schedule_pdf(report.pk)
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
    schedule_pdf(report.pk)
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
    schedule_pdf(report.pk)
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
    return transition_round(review_round=review_round, to_state=RoundState.FACTUAL_CHECK, actor=actor)


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
    schedule_pdf(report.pk)  # the city's response is printed in the report
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
    schedule_pdf(report.pk)  # the frozen, final PDF
    return report


# --- the report document (read model) ---------------------------------------------------


@dataclass
class FindingEntry:
    finding: Finding
    scores: CriterionSummary | None  # None for criteria of unscored themes


@dataclass
class ThemeSection:
    theme: Theme
    entries: list[FindingEntry] = field(default_factory=list)

    def _mean(self, levels: list[int | None]) -> float | None:
        numeric = [level for level in levels if level is not None]
        return round(statistics.fmean(numeric), 1) if numeric else None

    @property
    def mean_self_score(self) -> float | None:
        return self._mean([entry.scores.self_score for entry in self.entries if entry.scores])

    @property
    def mean_agreed_score(self) -> float | None:
        return self._mean(
            [
                entry.scores.agreed.level
                for entry in self.entries
                if entry.scores and entry.scores.agreed and not entry.scores.agreed.not_applicable
            ]
        )

    @property
    def mean_previous_agreed_score(self) -> float | None:
        """The mean agreed score of the earlier review (repeat rounds)."""
        return self._mean(
            [
                entry.scores.previous_agreed.level
                for entry in self.entries
                if entry.scores
                and entry.scores.previous_agreed
                and not entry.scores.previous_agreed.not_applicable
            ]
        )

    @property
    def change_in_mean_agreed_score(self) -> float | None:
        """Mean agreed score now minus in the earlier review (repeat rounds)."""
        now, earlier = self.mean_agreed_score, self.mean_previous_agreed_score
        return None if now is None or earlier is None else round(now - earlier, 1)


@dataclass
class IntervieweeGroup:
    role: str
    count: int
    names: list[str]


@dataclass
class ProposalFollowUp:
    """An action proposal of the earlier review next to the host city's progress on it
    (the `ActionProgress` item of this round; None when the city has reported nothing)."""

    proposal: ActionProposal
    progress: ActionProgress | None

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else ""

    @property
    def status_label(self) -> str:
        return self.progress.get_status_display() if self.progress else _("not reported")

    @property
    def evidence(self) -> str:
        return self.progress.evidence if self.progress else ""


@dataclass
class ScoreChange:
    """The panel's agreed score for a criterion in the earlier review and now."""

    criterion: Criterion
    earlier: AgreedScore | None
    now: AgreedScore | None

    @staticmethod
    def _level(score: AgreedScore | None) -> int | None:
        return None if score is None or score.not_applicable else score.level

    @property
    def earlier_level(self) -> int | None:
        return self._level(self.earlier)

    @property
    def now_level(self) -> int | None:
        return self._level(self.now)

    @property
    def change(self) -> int | None:
        if self.earlier_level is None or self.now_level is None:
            return None
        return self.now_level - self.earlier_level


@dataclass
class ReportDocument:
    """Everything the report body shows, loaded with a fixed number of queries."""

    review_round: Round
    report: SummaryReport
    prereport: PreReport | None
    panel: list[Assignment]
    themes: list[ThemeSection]
    action_proposals: list[ActionProposal]
    assessment_days: list[AssessmentDay]
    interviewees_by_role: list[IntervieweeGroup]
    indicator_values: list[IndicatorValue]
    previous_round: Round | None
    follow_ups: list[ProposalFollowUp]  # the earlier review's proposals with this round's progress
    score_changes: list[ScoreChange]  # per scored criterion, in a repeat round only
    repeat_round: Round | None

    @property
    def previous_proposals(self) -> list[ActionProposal]:
        return [follow_up.proposal for follow_up in self.follow_ups]

    @property
    def progress_counts(self) -> list[tuple[str, int]]:
        """(status label, number of earlier proposals) for each progress status, in order,
        then “not reported”; statuses no proposal has are left out."""
        counts: dict[str, int] = {}
        for follow_up in self.follow_ups:
            counts[follow_up.status] = counts.get(follow_up.status, 0) + 1
        labelled = [
            (str(label), counts[value]) for value, label in ActionProgress.Status.choices if value in counts
        ]
        if "" in counts:
            labelled.append((_("not reported"), counts[""]))
        return labelled

    @property
    def is_draft(self) -> bool:
        return not self.report.is_published

    @property
    def scored_themes(self) -> list[ThemeSection]:
        return [section for section in self.themes if section.theme.is_scored]

    @property
    def priority_actions(self) -> list[ActionProposal]:
        return [p for p in self.action_proposals if p.priority == ActionProposal.Priority.HIGH]

    @cached_property
    def maturity_chart(self):
        """The maturity profile as SVG (reports.charts.Chart), the same in the page and the PDF."""
        from .charts import maturity_chart

        return maturity_chart(self)


def _interviewees_by_role(days: list[AssessmentDay]) -> list[IntervieweeGroup]:
    people: dict[str, list[Interviewee]] = {}
    for day in days:
        for session in day.sessions.all():
            for interviewee in session.interviewees.all():
                people.setdefault(interviewee.role, []).append(interviewee)
    return [
        IntervieweeGroup(
            role=str(label),
            count=len(people[role]),
            names=[person.public_name for person in people[role] if person.public_name],
        )
        for role, label in Interviewee.Role.choices
        if role in people
    ]


def report_document(review_round: Round) -> ReportDocument:
    """The report of a round as one object for the templates. Raises
    SummaryReport.DoesNotExist when the round has no report yet."""
    report = SummaryReport.objects.select_related("published_by", "factual_comment_by").get(
        round=review_round
    )
    prereport = getattr(review_round, "prereport", None)
    overview = score_overview(review_round)
    rows = {row.criterion.pk: row for row in overview.rows}
    themes: list[ThemeSection] = []
    for finding in report.findings.select_related("criterion__theme"):
        theme = finding.criterion.theme
        if not themes or themes[-1].theme.pk != theme.pk:
            themes.append(ThemeSection(theme=theme))
        themes[-1].entries.append(FindingEntry(finding=finding, scores=rows.get(finding.criterion_id)))
    panel = list(
        review_round.assignments.accepted()
        .select_related("evaluator__evaluator_profile__home_city")
        .order_by("-role", "pk")
    )
    days = list(
        review_round.assessment_days.prefetch_related(
            "sessions__interviewees", "sessions__criteria"
        ).order_by("date", "pk")
    )
    indicator_values = []
    if prereport is not None:
        indicator_values = list(prereport.indicator_values.select_related("indicator"))
    previous_round = review_round.previous_round if review_round.previous_round_id else None
    follow_ups: list[ProposalFollowUp] = []
    score_changes: list[ScoreChange] = []
    if previous_round is not None:
        progress = {item.proposal_id: item for item in ActionProgress.objects.filter(round=review_round)}
        follow_ups = [
            ProposalFollowUp(proposal=proposal, progress=progress.get(proposal.pk))
            for proposal in ActionProposal.objects.filter(report__round=previous_round)
            .select_related("criterion")
            .order_by("number")
        ]
        score_changes = [
            ScoreChange(criterion=row.criterion, earlier=row.previous_agreed, now=row.agreed)
            for row in overview.rows
        ]
    repeat_round = None
    if review_round.state == RoundState.PUBLISHED:
        repeat_round = review_round.repeat_rounds.order_by("pk").first()
    return ReportDocument(
        review_round=review_round,
        report=report,
        prereport=prereport,
        panel=panel,
        themes=themes,
        action_proposals=list(report.action_proposals.select_related("criterion")),
        assessment_days=days,
        interviewees_by_role=_interviewees_by_role(days),
        indicator_values=indicator_values,
        previous_round=previous_round,
        follow_ups=follow_ups,
        score_changes=score_changes,
        repeat_round=repeat_round,
    )
