"""Building the library's search entries of a published report and the filters' values (see
`network.models`), and keeping their copy of the report's publication level in step."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from peerreview.models import AgreedScore
from reports.models import SummaryReport

from .models import LibraryFacet, SearchEntry

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
VECTOR = """setweight(to_tsvector(config::regconfig, title), 'A')
    || setweight(to_tsvector(config::regconfig, text), (CASE WHEN kind = 'good_practice' THEN 'A' ELSE 'B' END)::"char")
    || setweight(to_tsvector('simple', unaccent(title || ' ' || text)), 'D')"""

# The entries in buckets of 2**BUCKET_BITS ids, newest last (an entry's id is given when its report
# is published). The bucket vector holds the same words, each prefixed with the entry's bucket
# ("b38_publish"), without positions, and the values the library filters on as words of their own
# ("b38_@country:FI"): its GIN index keeps one short posting list per bucket and word, so a search
# can read the newest buckets' lists first and stop once it has enough matches, and a filter is
# one more list to intersect (`network.search.RankedEntries`) instead of rows read and dropped.
BUCKET_BITS = 14

# The filters' words: (the library filter's name, the entry's column).
FILTER_WORDS = (
    ("country", "country"),
    ("theme", "theme_code"),
    ("criterion", "criterion_code"),
    ("level", "agreed_level"),
    ("kind", "kind"),
)


def filter_word(name: str, value: object) -> str:
    """The bucket vector's word for a filter's value (without the bucket's prefix)."""
    return f"@{name}:{'' if value is None else value}"


def bucket_vector(vector: str, entry: str) -> str:
    """SQL: the bucket vector of the search vector `vector` for the entry row `entry` (an alias)."""
    filters = ", ".join(
        f"'@{name}:' || coalesce({entry}.{column}::text, '')" for name, column in FILTER_WORDS
    )
    return (
        f"array_to_tsvector(ARRAY(SELECT 'b' || ({entry}.id >> {BUCKET_BITS}) || '_' || word"
        f" FROM unnest(tsvector_to_array({vector}) || ARRAY[{filters}]) AS word))"
    )


def update_vectors_sql(where: str) -> str:
    """SQL: the search and bucket vectors of the entries `where` selects, computed once."""
    return f"""
UPDATE network_searchentry AS entry
SET search_vector = computed.vector, bucket_vector = {bucket_vector("computed.vector", "entry")}
FROM (SELECT id, {VECTOR} AS vector FROM network_searchentry WHERE {where}) AS computed
WHERE entry.id = computed.id
"""


UPDATE_VECTORS = update_vectors_sql("report_id = %s")


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
        entry.round = review_round
        entry.publication_level = report.publication_level
        entry.country = review_round.host_city.country
        entry.published_at = report.published_at
    return entries


@transaction.atomic
def index_report(report: SummaryReport) -> int:
    """(Re)build the entries of a report: a published report's texts, nothing for a draft; and
    the filters' count of its kind of report. Returns the number of entries."""
    SearchEntry.objects.filter(report=report).delete()
    if not report.is_published:
        return 0
    entries = SearchEntry.objects.bulk_create(entries_for(report))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(UPDATE_VECTORS, [report.pk])
    refresh_facet(report, report.publication_level)
    return len(entries)


def index_published_report(sender, report: SummaryReport, **kwargs) -> None:
    """Receiver of `reports.signals.report_published`: inside the publishing transaction."""
    index_report(SummaryReport.objects.select_related("round__host_city").get(pk=report.pk))


def widen_published_report(sender, report: SummaryReport, previous: str, **kwargs) -> None:
    """Receiver of `reports.signals.publication_level_changed`: the entries' copy of the level
    and the filters' counts of both levels follow (inside the city's transaction)."""
    SearchEntry.objects.filter(report=report).update(publication_level=report.publication_level)
    report = SummaryReport.objects.select_related("round__host_city").get(pk=report.pk)
    refresh_facet(report, previous)
    refresh_facet(report, report.publication_level)


def follow_city_country(sender, instance, **kwargs) -> None:
    """Receiver of the City's post_save: a city that changes country (rare) moves its entries'
    copy and the filters' counts with it; any other save touches no row."""
    moved = (
        SearchEntry.objects.filter(round__host_city=instance)
        .exclude(country=instance.country)
        .update(country=instance.country)
    )
    if moved:
        if connection.vendor == "postgresql":  # the bucket vectors' country word follows
            with connection.cursor() as cursor:
                cursor.execute(
                    update_vectors_sql(
                        "round_id IN (SELECT id FROM peerreview_round WHERE host_city_id = %s)"
                    ),
                    [instance.pk],
                )
        rebuild_facets()


def _facet_key(report: SummaryReport, level: str) -> dict:
    return {
        "publication_level": level,
        "country": report.round.host_city.country,
        "year": timezone.localtime(report.published_at).year,
        "framework_id": report.round.framework_id,
    }


def refresh_facet(report: SummaryReport, level: str) -> None:
    """Count again the published reports of the report's level, country, year and framework
    (a few hundred at most: the year's range of the published-reports index); none: no row."""
    key = _facet_key(report, level)
    start = timezone.make_aware(datetime(key["year"], 1, 1))
    count = SummaryReport.objects.filter(
        publication_level=level,
        published_at__gte=start,
        published_at__lt=start.replace(year=key["year"] + 1),
        round__host_city__country=key["country"],
        round__framework_id=key["framework_id"],
    ).count()
    if count:
        LibraryFacet.objects.update_or_create(**key, defaults={"reports": count})
    else:
        LibraryFacet.objects.filter(**key).delete()


def rebuild_facets() -> int:
    """Every facet row again from the published reports. Returns the number of rows."""
    counts: dict[tuple, int] = {}
    for report in SummaryReport.objects.filter(published_at__isnull=False).select_related("round__host_city"):
        key = tuple(_facet_key(report, report.publication_level).values())
        counts[key] = counts.get(key, 0) + 1
    with transaction.atomic():
        LibraryFacet.objects.all().delete()
        LibraryFacet.objects.bulk_create(
            LibraryFacet(
                publication_level=level, country=country, year=year, framework_id=framework, reports=n
            )
            for (level, country, year, framework), n in counts.items()
        )
    return len(counts)


def rebuild_index() -> int:
    """Every published report's entries again (after a change to what is indexed)."""
    total = 0
    # In the order of publishing: the entries' ids (so their buckets) follow it.
    published = SummaryReport.objects.filter(published_at__isnull=False).order_by("published_at", "pk")
    for report in published.select_related("round__host_city"):
        total += index_report(report)
    rebuild_facets()
    return total
