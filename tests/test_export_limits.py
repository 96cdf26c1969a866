"""An Excel sheet holds 1,048,576 rows: an XLSX never comes out cut off, and the network-wide
scores export knows at once when the network is past that."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from reports.exports import (
    XLSX_MAX_ROWS,
    TooManyRowsForExcel,
    all_rounds,
    score_rows,
    score_rows_at_least,
    write_xlsx,
)
from tests.test_exports import _add_rounds


def test_excel_holds_a_header_and_a_million_rows():
    assert XLSX_MAX_ROWS == 1_048_576 - 1


def test_an_xlsx_up_to_the_limit_is_whole_and_past_it_is_refused():
    buffer = io.BytesIO()
    write_xlsx(buffer, "Scores", ["A", "B"], ([n, f"row {n}"] for n in range(3)), max_rows=3)
    rows = list(load_workbook(buffer).active.iter_rows(values_only=True))
    assert rows == [("A", "B"), (0, "row 0"), (1, "row 1"), (2, "row 2")]

    with pytest.raises(TooManyRowsForExcel):
        write_xlsx(io.BytesIO(), "Scores", ["A", "B"], ([n, f"row {n}"] for n in range(4)), max_rows=3)


@pytest.mark.django_db
def test_the_scores_rows_are_at_least_one_per_scored_criterion_of_each_round():
    _add_rounds(8)  # panels of several evaluators, none, cancelled rounds, two framework versions
    at_least = score_rows_at_least(all_rounds())
    rows = list(score_rows(all_rounds()))
    rounds_without_a_panel = {row[0] for row in rows if row[7] == ""}
    assert 0 < at_least <= len(rows)
    # Rounds without a submitted panel give exactly one row per criterion: the bound is exact there.
    exact = score_rows_at_least(all_rounds().filter(pk__in=rounds_without_a_panel))
    assert exact == sum(1 for row in rows if row[0] in rounds_without_a_panel)
