"""The programme synthesis as CSV (one table per file) or XLSX (every table a sheet), streamed:
rows are read from the database in chunks and written as they come, and every cell goes
through `reports.exports.safe_cell` (no formulas from report texts)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerreview.models import AgreedScore, Round
from reports.exports import NOT_APPLICABLE, safe_row

from .synthesis import (
    FOLLOW_UP_LABELS,
    ISLAND_SOURCE_LABELS,
    CriteriaByCode,
    SynthesisFigures,
    SynthesisFilters,
    common_areas_to_develop,
    criteria_by_code,
    island_messages,
    maturity_distribution,
    proposals_by_theme,
    proposals_with_follow_up,
    published_rounds,
    rounds_page_queryset,
)
from .tallies import synthesis_figures

CHUNK = 500


@dataclass
class Source:
    """What the tables are made from: the rounds the filters select, their criteria and (read
    once, when a table needs them) the synthesis's figures from the tallies."""

    filters: SynthesisFilters
    rounds: QuerySet[Round]
    criteria: CriteriaByCode
    _figures: SynthesisFigures | None = None

    @classmethod
    def of(cls, filters: SynthesisFilters) -> Source:
        rounds = published_rounds(filters)
        return cls(filters=filters, rounds=rounds, criteria=criteria_by_code(rounds))

    @property
    def figures(self) -> SynthesisFigures:
        if self._figures is None:
            self._figures = synthesis_figures(self.filters)
        return self._figures


def _number(value: float | None):
    return None if value is None else round(value, 2)


def _heatmap(source: Source) -> Iterator[list]:
    rounds, criteria = source.rounds, source.criteria
    codes = [column.code for column in criteria.scored]
    yield [_("Round ID"), _("Round"), _("City"), _("Country"), _("Framework"), _("Published"), *codes]
    queryset = rounds_page_queryset(rounds)
    chunk: list[Round] = []

    def flush(chunk: list[Round]) -> Iterator[list]:
        scores = AgreedScore.objects.filter(
            round_id__in=[r.pk for r in chunk], criterion__theme__is_scored=True
        ).values_list("round_id", "criterion__code", "level", "not_applicable")
        by_key = {(rid, code): NOT_APPLICABLE if na else level for rid, code, level, na in scores}
        for review_round in chunk:
            yield [
                review_round.pk,
                review_round.title,
                review_round.host_city.name,
                review_round.host_city.country,
                str(review_round.framework),
                review_round.report_published_at.date().isoformat(),
                *[by_key.get((review_round.pk, code)) for code in codes],
            ]

    for review_round in queryset.iterator(chunk_size=CHUNK):
        chunk.append(review_round)
        if len(chunk) == CHUNK:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def _distribution(source: Source) -> Iterator[list]:
    criteria = source.criteria
    yield [
        _("Theme"),
        _("Criterion code"),
        _("Criterion"),
        _("Rounds scored"),
        _("Mean"),
        _("Lower quartile"),
        _("Median"),
        _("Upper quartile"),
        *[_("Level %(level)d") % {"level": level} for level in range(5)],
    ]
    distribution = maturity_distribution(source.figures)
    for column in criteria.scored:
        spread = distribution.get(column.code)
        if spread is None:
            yield [column.theme_code, column.code, column.title, 0, None, None, None, None, 0, 0, 0, 0, 0]
            continue
        yield [
            column.theme_code,
            column.code,
            column.title,
            spread.n,
            _number(spread.mean),
            _number(spread.q1),
            _number(spread.median),
            _number(spread.q3),
            *spread.counts,
        ]


def _areas(source: Source) -> Iterator[list]:
    criteria = source.criteria
    yield [
        _("Theme"),
        _("Criterion code"),
        _("Criterion"),
        _("Reports naming an area to develop"),
        _("Rounds with agreed score 0 or 1"),
        _("Mean agreed score"),
    ]
    distribution = maturity_distribution(source.figures)
    for area in common_areas_to_develop(
        source.figures, criteria, distribution, limit=len(criteria.scored) or 1
    ):
        yield [
            area.theme_code,
            area.code,
            area.title,
            area.reports,
            area.low_scores,
            _number(area.distribution.mean if area.distribution else None),
        ]


def _progress(source: Source) -> Iterator[list]:
    criteria = source.criteria
    yield [_("Theme"), _("Theme title"), *[str(label) for label in FOLLOW_UP_LABELS.values()], _("Total")]
    for theme in proposals_by_theme(source.figures, criteria):
        yield [
            theme.theme_code or _("No criterion"),
            theme.theme_title,
            *[count for _status, _label, count, _percent in theme.groups],
            theme.total,
        ]


def _proposals(source: Source) -> Iterator[list]:
    rounds = source.rounds
    yield [
        _("Round ID"),
        _("Round"),
        _("City"),
        _("Country"),
        _("ID"),
        _("Theme"),
        _("Criterion"),
        _("Proposal"),
        _("Priority"),
        _("Follow-up"),
    ]
    proposals = (
        proposals_with_follow_up(rounds)
        .select_related("report__round__host_city", "criterion__theme")
        .order_by("report__round_id", "number")
    )
    for proposal in proposals.iterator(chunk_size=CHUNK):
        review_round = proposal.report.round
        yield [
            review_round.pk,
            review_round.title,
            review_round.host_city.name,
            review_round.host_city.country,
            proposal.reference,
            proposal.criterion.theme.code if proposal.criterion else "",
            proposal.criterion.code if proposal.criterion else "",
            proposal.title,
            proposal.get_priority_display(),
            str(FOLLOW_UP_LABELS.get(proposal.follow_up, proposal.follow_up)),
        ]


def _island(source: Source) -> Iterator[list]:
    rounds, criteria = source.rounds, source.criteria
    yield [
        _("Heading"),
        _("Heading title"),
        _("City"),
        _("Country"),
        _("Round ID"),
        _("Published"),
        _("Source"),
        _("Text"),
    ]
    titles = criteria.titles
    for message in island_messages(rounds).iterator(chunk_size=CHUNK):
        yield [
            message["heading"],
            titles.get(message["heading"], ""),
            message["city"],
            message["country"],
            message["round_pk"],
            message["published"].date().isoformat() if message["published"] else "",
            str(ISLAND_SOURCE_LABELS.get(message["source"], message["source"])),
            message["text"],
        ]


@dataclass(frozen=True)
class Table:
    slug: str
    title: object  # lazy text
    rows: Callable[[Source], Iterator[list]]


TABLES = {
    table.slug: table
    for table in (
        Table("heatmap", gettext_lazy("Maturity heatmap"), _heatmap),
        Table("distribution", gettext_lazy("Maturity distribution"), _distribution),
        Table("areas", gettext_lazy("Areas to develop"), _areas),
        Table("progress", gettext_lazy("Follow-up by theme"), _progress),
        Table("proposals", gettext_lazy("Action proposals"), _proposals),
        Table("island", gettext_lazy("Not an island"), _island),
    )
}


class _Echo:
    """A file-like object whose write returns the line: csv.writer for a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(filters: SynthesisFilters, table: Table) -> Iterator[str]:
    """The table as CSV lines (UTF-8 with a byte-order mark, for spreadsheet programs)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in table.rows(Source.of(filters)):
        yield writer.writerow(safe_row("" if value is None else value for value in row))


def xlsx_file(filters: SynthesisFilters):
    """Every table as a sheet, written row by row (openpyxl's write-only mode keeps rows on
    disk, not in memory) into a temporary file; returned at its start for streaming."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    source = Source.of(filters)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in TABLES.values():
        sheet = workbook.create_sheet(str(table.title)[:31])
        rows = table.rows(source)
        headers = next(rows)
        header_cells = []
        for value in safe_row(headers):
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(safe_row(row))
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
