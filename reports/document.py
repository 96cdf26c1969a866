"""The report document: the read model that the report page, the factual check and the PDF
share. It loads everything the report shows with a fixed number of queries."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from operator import attrgetter

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cities.models import CityLogo
from peerreview.models import (
    AgreedScore,
    AssessmentDay,
    Assignment,
    Criterion,
    Indicator,
    IndicatorValue,
    Interviewee,
    PreReport,
    Round,
    RoundState,
    Theme,
)
from peerreview.services.panel import CriterionSummary, ScoreOverview, accepted_assignments, score_overview

from .charts import Chart, criterion_chart
from .models import ActionProgress, ActionProposal, Finding, SummaryReport


@dataclass
class FindingEntry:
    finding: Finding
    scores: CriterionSummary | None  # None for criteria of unscored themes


@dataclass
class ThemeSection:
    theme: Theme
    entries: list[FindingEntry] = field(default_factory=list)
    criterion_chart: Chart | None = None  # scored themes: the scores of each criterion

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
class IndicatorRow:
    """One indicator of the annex: its value in each year of the table (None when not
    reported) and its sources, each named once."""

    indicator: Indicator
    values: list[Decimal | None]
    sources: list[str]


@dataclass
class IndicatorTable:
    years: list[int]
    rows: list[IndicatorRow]


def indicator_table(values: list[IndicatorValue]) -> IndicatorTable:
    """The annex as one row per indicator with a column per year (values ordered by indicator)."""
    years = sorted({value.year for value in values})
    by_indicator: dict[int, tuple[Indicator, dict[int, Decimal], list[str]]] = {}
    for value in values:
        indicator, cells, sources = by_indicator.setdefault(value.indicator_id, (value.indicator, {}, []))
        cells[value.year] = value.value
        source = value.source.strip()
        if source and source not in sources:
            sources.append(source)
    rows = [
        IndicatorRow(indicator=indicator, values=[cells.get(year) for year in years], sources=sources)
        for indicator, cells, sources in by_indicator.values()
    ]
    return IndicatorTable(years=years, rows=rows)


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
    # The panel's scores per criterion the sections were built from; the benchmark reuses them.
    overview: ScoreOverview | None = None

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
    def language(self) -> str:
        """The report's language: its headings, labels, dates and chart."""
        return self.review_round.language or settings.LANGUAGE_CODE

    @property
    def text_lang(self) -> str:
        """The language of the texts people wrote, when it is not the report's (else "")."""
        text_language = self.report.text_language
        return text_language if text_language and text_language != self.language else ""

    @property
    def network_name(self) -> str:
        return settings.NETWORK_NAME

    @property
    def cover_date(self) -> datetime.date:
        """The report's date: its publication, else today's (the date of this draft)."""
        if self.report.published_at:
            return timezone.localdate(self.report.published_at)
        return timezone.localdate()

    @cached_property
    def logo(self) -> CityLogo | None:
        """The host city's logo for the cover (one query, when asked)."""
        return CityLogo.objects.filter(city_id=self.review_round.host_city_id).first()

    @property
    def logo_uri(self) -> str:
        """The logo as a data: URI, "" when the city has none."""
        return self.logo.data_uri if self.logo is not None else ""

    @cached_property
    def indicators(self) -> IndicatorTable:
        return indicator_table(self.indicator_values)

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
    def maturity_chart(self) -> Chart:
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
    """The report of a round as one object for the templates, its labels in the report's
    language. Raises SummaryReport.DoesNotExist when the round has no report yet.

    Templates render it inside ``{% language document.language %}`` (the PDF and the Word
    document inside `translation.override`), so the reader's interface language never leaks in."""
    with translation.override(review_round.language or settings.LANGUAGE_CODE):
        return _report_document(review_round)


def _report_document(review_round: Round) -> ReportDocument:
    report = SummaryReport.objects.select_related("published_by", "factual_comment_by").get(
        round=review_round
    )
    prereport = getattr(review_round, "prereport", None)
    accepted = accepted_assignments(review_round)
    overview = score_overview(review_round, accepted=accepted)
    rows = {row.criterion.pk: row for row in overview.rows}
    themes: list[ThemeSection] = []
    for finding in report.findings.select_related("criterion__theme"):
        theme = finding.criterion.theme
        if not themes or themes[-1].theme.pk != theme.pk:
            themes.append(ThemeSection(theme=theme))
        themes[-1].entries.append(FindingEntry(finding=finding, scores=rows.get(finding.criterion_id)))
    # The panel as the report lists it, ordered by ("-role", "pk"): the overview's (role, pk) reversed by role.
    panel = sorted(accepted, key=attrgetter("role"), reverse=True)
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
    document = ReportDocument(
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
        overview=overview,
    )
    for section in document.scored_themes:
        section.criterion_chart = criterion_chart(document, section)
    return document
