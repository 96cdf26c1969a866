"""Building the library's search entries of a published report (see `network.models`)."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.text import slugify

from peerreview.models import AgreedScore
from reports.models import SummaryReport

from .models import SearchEntry

# The report's language → PostgreSQL text-search configuration (stemming, stop words).
TEXT_SEARCH_CONFIGS = {"en": "english", "fi": "finnish", "sv": "swedish"}
SEARCH_CONFIGS = tuple(TEXT_SEARCH_CONFIGS.values())

FINDING_KINDS = (
    (SearchEntry.Kind.STRENGTHS, "strengths"),
    (SearchEntry.Kind.AREAS_TO_DEVELOP, "areas_to_develop"),
    (SearchEntry.Kind.GOOD_PRACTICE, "good_practice"),
)

# The vector: the text in the report's language (stemmed; good practice and proposal titles weigh
# most, so a report that names the searched practice as good practice ranks first), plus the
# words as written without accents ('simple', weight D) so "Malmo" finds "Malmö" in any language.
UPDATE_VECTORS = """
UPDATE network_searchentry SET search_vector =
    setweight(to_tsvector(config::regconfig, title), 'A')
    || setweight(to_tsvector(config::regconfig, text), (CASE WHEN kind = 'good_practice' THEN 'A' ELSE 'B' END)::"char")
    || setweight(to_tsvector('simple', unaccent(title || ' ' || text)), 'D')
WHERE report_id = %s
"""


def finding_anchor(criterion_code: str, kind: str = "") -> str:
    """The id of a finding (or one of its parts) in the report page: finding-how3[-good-practice]."""
    anchor = f"finding-{slugify(criterion_code)}"
    return f"{anchor}-{slugify(kind.replace('_', '-'))}" if kind else anchor


def entries_for(report: SummaryReport) -> list[SearchEntry]:
    """The searchable texts of a report, unsaved."""
    review_round = report.round
    # The texts' language (a Finnish report may be written in English), else the report's.
    config = TEXT_SEARCH_CONFIGS.get(report.text_language or review_round.language, "simple")
    agreed = dict(
        AgreedScore.objects.filter(round=review_round, not_applicable=False).values_list(
            "criterion_id", "level"
        )
    )
    entries = []
    if report.executive_summary.strip():
        entries.append(
            SearchEntry(kind=SearchEntry.Kind.SUMMARY, text=report.executive_summary, anchor="report-summary")
        )
    for finding in report.findings.select_related("criterion__theme"):
        criterion = finding.criterion
        for kind, field in FINDING_KINDS:
            text = getattr(finding, field).strip()
            if text:
                entries.append(
                    SearchEntry(
                        kind=kind,
                        finding=finding,
                        criterion=criterion,
                        theme_code=criterion.theme.code,
                        criterion_code=criterion.code,
                        agreed_level=agreed.get(criterion.pk),
                        text=text,
                        anchor=finding_anchor(criterion.code, kind),
                    )
                )
    for proposal in report.action_proposals.select_related("criterion__theme"):
        criterion = proposal.criterion
        entries.append(
            SearchEntry(
                kind=SearchEntry.Kind.PROPOSAL,
                proposal=proposal,
                criterion=criterion,
                theme_code=criterion.theme.code if criterion else "",
                criterion_code=criterion.code if criterion else "",
                agreed_level=agreed.get(criterion.pk) if criterion else None,
                title=proposal.title,
                text="\n".join(part for part in (proposal.description, proposal.success_indicator) if part),
                anchor=proposal.reference,
            )
        )
    for entry in entries:
        entry.report = report
        entry.config = config
    return entries


@transaction.atomic
def index_report(report: SummaryReport) -> int:
    """(Re)build the entries of a report: a published report's texts, nothing for a draft.
    Returns the number of entries."""
    SearchEntry.objects.filter(report=report).delete()
    if not report.is_published:
        return 0
    entries = SearchEntry.objects.bulk_create(entries_for(report))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(UPDATE_VECTORS, [report.pk])
    return len(entries)


def index_published_report(sender, report: SummaryReport, **kwargs) -> None:
    """Receiver of `reports.signals.report_published`: inside the publishing transaction."""
    index_report(SummaryReport.objects.select_related("round").get(pk=report.pk))


def rebuild_index() -> int:
    """Every published report's entries again (after a change to what is indexed)."""
    total = 0
    for report in SummaryReport.objects.filter(published_at__isnull=False).select_related("round"):
        total += index_report(report)
    return total
