"""Exports of rounds: the scores (criterion × evaluator, with the self-score and the agreed
score) and the action proposals as CSV or XLSX, per round or across rounds, and a whole round
as JSON (`round_export`, also printed by `manage.py export_round`).

Scores are in long form — one row per criterion and evaluator — so rounds with different
panels stack in one sheet. An empty score cell means “not scored”; “n/a” means not applicable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import IO

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from peerreview.models import AgreedScore, Answer, Assignment, Criterion, Round, RoundState, Score
from peerreview.services.panel import score_overview

from .models import ActionProgress, ActionProposal, SummaryReport

NOT_APPLICABLE = "n/a"
# Rows read from the database at a time by the streamed exports (a server-side cursor).
EXPORT_CHUNK_ROWS = 500
# Rounds whose scores the scores export reads together (a handful of queries per chunk).
EXPORT_CHUNK_ROUNDS = 500
# Excel opens at most 1,048,576 rows in a sheet: the header row and this many more. A longer
# table would open cut off without a word, so an XLSX of more rows is refused (the CSV has no limit).
XLSX_MAX_ROWS = 1_048_575


class TooManyRowsForExcel(Exception):
    """The table has more rows than one Excel sheet holds."""


def _level(level, not_applicable: bool = False):
    return NOT_APPLICABLE if not_applicable else level


def _evaluator_city(assignment) -> str:
    profile = getattr(assignment.evaluator, "evaluator_profile", None)
    return profile.home_city.name if profile is not None and profile.home_city_id else ""


# --- tables ---------------------------------------------------------------------------------


def all_rounds() -> QuerySet[Round]:
    """Every round but the cancelled ones, as a queryset (never a list: the exports stream)."""
    return (
        Round.objects.exclude(state=RoundState.CANCELLED)
        .select_related("host_city", "framework")
        .order_by("host_city__name", "created_at", "pk")
    )


def score_headers() -> list[str]:
    return [
        _("Round ID"),
        _("Round"),
        _("City"),
        _("Theme"),
        _("Criterion code"),
        _("Criterion"),
        _("Self-score"),
        _("Evaluator"),
        _("Evaluator's city"),
        _("Evaluator's score"),
        _("Agreed score"),
    ]


def score_rows(rounds: Sequence[Round] | QuerySet[Round]) -> Iterator[list]:
    """One row per criterion and evaluator, round after round, in the order of `rounds` (a list,
    or a queryset: then streamed through a server-side cursor). The rows are those of
    `score_overview` per round — scored criteria in the framework's order, the accepted evaluators
    who submitted (lead first), N/A told apart from “not scored” — but read for
    `EXPORT_CHUNK_ROUNDS` rounds at a time in five queries at most, as plain tuples: the number of
    queries grows with the rounds ÷ 500, never with the rounds, and memory holds one chunk."""
    stream: Iterator[tuple]
    if isinstance(rounds, QuerySet):
        fields = rounds.values_list("pk", "title", "host_city__name", "framework_id")
        stream = fields.iterator(chunk_size=EXPORT_CHUNK_ROWS)
    else:
        stream = ((r.pk, r.title, r.host_city.name, r.framework_id) for r in rounds)
    criteria: dict[int, list[tuple]] = {}  # framework id → its scored criteria (few frameworks)
    while chunk := list(islice(stream, EXPORT_CHUNK_ROUNDS)):
        yield from _chunk_score_rows(chunk, criteria)


def _chunk_score_rows(chunk: list[tuple], criteria: dict[int, list[tuple]]) -> Iterator[list]:
    """The score rows of a chunk of rounds, (id, title, city, framework id) each. `criteria` is
    the cache of scored criteria per framework, filled here for the frameworks not seen yet."""
    ids = [round_id for round_id, *_rest in chunk]
    missing = {framework_id for *_rest, framework_id in chunk} - criteria.keys()
    if missing:
        for framework_id in missing:
            criteria[framework_id] = []
        # The order of score_overview (theme, then criterion); the id only breaks its ties.
        for framework_id, *criterion in (
            Criterion.objects.filter(theme__framework_id__in=missing, theme__is_scored=True)
            .order_by("theme__order", "order", "pk")
            .values_list("theme__framework_id", "pk", "theme__code", "code", "title")
        ):
            criteria[framework_id].append(tuple(criterion))
    submitted = Assignment.objects.accepted().filter(round_id__in=ids, scores_submitted_at__isnull=False)
    panels: dict[int, list[tuple]] = {}
    for round_id, *assignment in submitted.order_by("round_id", "role", "pk").values_list(
        "round_id", "pk", "evaluator__full_name", "evaluator__evaluator_profile__home_city__name"
    ):
        panels.setdefault(round_id, []).append(tuple(assignment))
    scores = {
        (assignment_id, criterion_id): NOT_APPLICABLE if not_applicable else level
        for assignment_id, criterion_id, level, not_applicable in Score.objects.filter(
            assignment__in=submitted.values("pk")
        ).values_list("assignment_id", "criterion_id", "level", "not_applicable")
    }
    self_scores = {
        (round_id, criterion_id): _level(level, not_applicable)
        for round_id, criterion_id, level, not_applicable in Answer.objects.filter(
            prereport__round_id__in=ids
        ).values_list("prereport__round_id", "criterion_id", "self_score", "not_applicable")
    }
    agreed = {
        (round_id, criterion_id): _level(level, not_applicable)
        for round_id, criterion_id, level, not_applicable in AgreedScore.objects.filter(
            round_id__in=ids
        ).values_list("round_id", "criterion_id", "level", "not_applicable")
    }
    for round_id, title, city, framework_id in chunk:
        panel = panels.get(round_id, [])
        for criterion_id, theme_code, code, criterion_title in criteria[framework_id]:
            self_score = self_scores.get((round_id, criterion_id))
            base = [round_id, title, city, theme_code, code, criterion_title, self_score]
            agreed_score = agreed.get((round_id, criterion_id))
            if not panel:
                yield [*base, "", "", None, agreed_score]
            for assignment_id, evaluator, evaluator_city in panel:
                score = scores.get((assignment_id, criterion_id))
                yield [*base, evaluator, evaluator_city or "", score, agreed_score]


def score_rows_at_least(rounds: QuerySet[Round]) -> int:
    """The scores export of `rounds` has at least this many rows: one per scored criterion of
    each round's framework (a panel of n evaluators gives n). Two grouped queries, so a network
    too large for one Excel sheet is told at once instead of after writing a million rows."""
    per_framework = dict(rounds.order_by().values_list("framework_id").annotate(n=Count("pk")))
    criteria = dict(
        Criterion.objects.filter(theme__framework_id__in=per_framework.keys(), theme__is_scored=True)
        .order_by()
        .values_list("theme__framework_id")
        .annotate(n=Count("pk"))
    )
    return sum(
        rounds_using * criteria.get(framework_id, 0) for framework_id, rounds_using in per_framework.items()
    )


def proposal_headers() -> list[str]:
    return [
        _("Round ID"),
        _("Round"),
        _("City"),
        _("ID"),
        _("Criterion"),
        _("Proposal"),
        _("Description"),
        _("Priority"),
        _("Owner"),
        _("Timeframe"),
        _("Success indicator"),
        _("Status"),
    ]


def proposal_status(proposal: ActionProposal) -> str:
    """The latest follow-up status from a repeat round, else “proposed”."""
    progress = sorted(proposal.progress.all(), key=lambda item: item.round_id)
    return progress[-1].status if progress else "proposed"


def _proposals(rounds: Sequence[Round] | QuerySet[Round]) -> QuerySet[ActionProposal]:
    ids = rounds.values("pk") if isinstance(rounds, QuerySet) else [r.pk for r in rounds]
    return (
        ActionProposal.objects.filter(report__round__in=ids)
        .select_related("criterion", "report__round__host_city")
        .prefetch_related(Prefetch("progress", queryset=ActionProgress.objects.order_by("round_id")))
        .order_by("report__round_id", "number")
    )


def proposal_rows(rounds: Sequence[Round] | QuerySet[Round]) -> Iterator[list]:
    """One row per action proposal of `rounds` (a list, or a queryset: then a subquery, never a
    list of ids). One query read through a server-side cursor in chunks, as plain tuples (no model
    instances, whose reference cycles would wait for the garbage collector): constant memory
    whatever the number of proposals. The status is the latest from a repeat round (`proposal_status`)."""
    ids = rounds.values("pk") if isinstance(rounds, QuerySet) else [r.pk for r in rounds]
    latest_status = (
        ActionProgress.objects.filter(proposal=OuterRef("pk")).order_by("-round_id").values("status")[:1]
    )
    rows = (
        ActionProposal.objects.filter(report__round__in=ids)
        .annotate(status=Coalesce(Subquery(latest_status), Value("proposed")))
        .order_by("report__round_id", "number")
        .values_list(
            "report__round_id",
            "report__round__title",
            "report__round__host_city__name",
            "number",
            "criterion__code",
            "title",
            "description",
            "priority",
            "owner",
            "timeframe",
            "success_indicator",
            "status",
        )
    )
    for round_id, title, city, number, code, *rest in rows.iterator(chunk_size=EXPORT_CHUNK_ROWS):
        yield [round_id, title, city, f"AP-{number}", code or "", *rest]


# --- file formats ---------------------------------------------------------------------------

# A cell a spreadsheet program may read as a formula (OWASP "CSV injection"): = + - @, tab, CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet must hold it: text that a spreadsheet program would run as
    a formula (a proposal titled ``=HYPERLINK(...)``) gets a leading single quote, so it is shown
    as the text it is. Numbers, dates and None pass unchanged. Every CSV and XLSX export, per
    round and across rounds, goes through this one function."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields text."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The CSV line by line (for StreamingHttpResponse): UTF-8 with a byte-order mark so
    spreadsheet programs read ä, ö and å right; every cell through `safe_cell`."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(safe_row(headers))).encode("utf-8")
    for row in rows:
        yield writer.writerow(safe_row("" if value is None else value for value in row)).encode("utf-8")


def to_csv(headers: list[str], rows: Iterable[Iterable]) -> bytes:
    """The whole CSV at once (commands and small tables; the views stream `csv_lines`)."""
    return b"".join(csv_lines(headers, rows))


# Columns are sized from the header (a write-only sheet is written row by row, never measured).
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 10, 60


def write_xlsx(
    target: IO[bytes],
    title: str,
    headers: list[str],
    rows: Iterable[Iterable],
    *,
    max_rows: int = XLSX_MAX_ROWS,
) -> None:
    """Write the table as XLSX into `target` (a file) with openpyxl's write-only workbook: rows go
    to disk as they come, so memory stays flat whatever the number of rows. Text cells are
    always text (inline strings), never formulas, whatever they start with. Raises
    `TooManyRowsForExcel` at the row past `max_rows` (what Excel opens), never a cut-off file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, header in enumerate(headers, start=1):
        width = min(max(len(header) + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cells(values, font=None):
        for value in safe_row(values):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            if font is not None:
                cell.font = font
            yield cell

    sheet.append(list(cells(headers, bold)))
    for written, row in enumerate(rows, start=1):
        if written > max_rows:
            sheet.close()  # openpyxl's writer ends its XML; the file is dropped, never saved
            raise TooManyRowsForExcel(max_rows)
        sheet.append(list(cells(row)))
    workbook.save(target)


def to_xlsx(title: str, headers: list[str], rows: Iterable[Iterable]) -> bytes:
    """The whole XLSX at once (tests and small tables; the views stream `write_xlsx`'s file)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, title, headers, rows)
    return buffer.getvalue()


# --- a whole round as JSON ------------------------------------------------------------------


def _date(value):
    return value.isoformat() if value else None


def round_export(review_round: Round) -> dict:
    """The round as plain data. Raises SummaryReport.DoesNotExist when it has no report."""
    report = SummaryReport.objects.get(round=review_round)
    overview = score_overview(review_round)
    prereport = getattr(review_round, "prereport", None)
    panel = (
        review_round.assignments.accepted()
        .select_related("evaluator__evaluator_profile__home_city")
        .order_by("role", "pk")  # "lead" before "member"
    )
    findings = {finding.criterion_id: finding for finding in report.findings.select_related("criterion")}
    criteria = []
    for summary in overview.rows:
        criteria.append(
            {
                "theme": summary.criterion.theme.code,
                "code": summary.criterion.code,
                "title": summary.criterion.title,
                "self_score": summary.self_score,
                "self_not_applicable": summary.self_not_applicable,
                "evaluator_scores": [
                    {"evaluator": assignment.evaluator.full_name, "score": level}
                    for assignment, level in zip(overview.assignments, summary.evaluator_scores, strict=True)
                ],
                "agreed_score": summary.agreed.level if summary.agreed else None,
                "agreed_not_applicable": bool(summary.agreed and summary.agreed.not_applicable),
                "previous_agreed_score": summary.previous_agreed.level if summary.previous_agreed else None,
            }
        )
    return {
        "round": {
            "id": review_round.pk,
            "title": review_round.title,
            "language": review_round.language,
            "previous_round_id": review_round.previous_round_id,
        },
        "host_city": {
            "name": review_round.host_city.name,
            "country": str(review_round.host_city.country),
            "procurement_unit": review_round.host_city.procurement_unit,
        },
        "framework": {
            "slug": review_round.framework.slug,
            "name": review_round.framework.name,
            "version": review_round.framework.version,
        },
        "status": review_round.state,
        "dates": {
            "opens_on": _date(review_round.opens_on),
            "prereport_due": _date(review_round.prereport_due),
            "prereport_submitted_at": _date(prereport.submitted_at if prereport else None),
            "scoring_due": _date(review_round.scoring_due),
            "assessment_days": [_date(day.date) for day in review_round.assessment_days.order_by("date")],
            "report_due": _date(review_round.report_due),
            "factual_check_due": _date(review_round.factual_check_due),
            "published_at": _date(report.published_at),
        },
        "panel": [
            {
                "name": assignment.evaluator.full_name,
                "role": assignment.role,
                "city": _evaluator_city(assignment) or None,
            }
            for assignment in panel
        ],
        "criteria": criteria,
        "findings": [
            {
                "criterion": finding.criterion.code,
                "evidence": finding.evidence,
                "strengths": finding.strengths,
                "areas_to_develop": finding.areas_to_develop,
                "good_practice": finding.good_practice,
            }
            for finding in findings.values()
        ],
        "action_proposals": [
            {
                "id": proposal.reference,
                "criterion": proposal.criterion.code if proposal.criterion else None,
                "title": proposal.title,
                "description": proposal.description,
                "priority": proposal.priority,
                "owner": proposal.owner,
                "timeframe": proposal.timeframe,
                "success_indicator": proposal.success_indicator,
                "status": proposal_status(proposal),
            }
            for proposal in _proposals([review_round])
        ],
        # In a repeat round: the city's progress on the earlier round's action proposals.
        "progress_on_earlier_proposals": [
            {
                "id": item.proposal.reference,
                "title": item.proposal.title,
                "status": item.status,
                "evidence": item.evidence,
            }
            for item in ActionProgress.objects.filter(round=review_round)
            .select_related("proposal")
            .order_by("proposal__number")
        ],
    }
