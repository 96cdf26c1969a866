"""An Excel sheet holds 1,048,576 rows: an XLSX never comes out cut off, and the network-wide
scores export knows at once when the network is past that."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from peerreview import background
from reports import export_files
from reports.exports import (
    XLSX_MAX_ROWS,
    TooManyRowsForExcel,
    all_rounds,
    score_rows,
    score_rows_at_least,
    write_xlsx,
)
from reports.models import ExportFile
from tests import factories
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


@pytest.mark.django_db
@pytest.mark.parametrize("found", ["before writing", "while writing"])
def test_a_network_too_large_for_excel_is_told_so_and_offered_the_csv(
    client, monkeypatch, django_capture_on_commit_callbacks, found
):
    """At EU scale the scores are 9.7 million rows: the job says so at once (the lower bound
    passes the limit) instead of writing for an hour a file Excel would open cut off; when only
    the rows written pass it, the writer stops there. Either way: no file, the CSV offered."""
    _add_rounds(4)
    at_least = score_rows_at_least(all_rounds())
    rows = sum(1 for _row in score_rows(all_rounds()))
    assert at_least < rows  # panels of several evaluators: the bound is below the rows
    limit = at_least - 1 if found == "before writing" else at_least
    monkeypatch.setattr(export_files, "XLSX_MAX_ROWS", limit)  # Excel's limit, scaled to the data
    client.force_login(factories.CoordinatorFactory())
    url = reverse("reports:export_all_scores") + "?format=xlsx"

    with (
        CaptureQueriesContext(connection) as job,  # outermost: the job runs as the inner ones end
        background.run_inline(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ask = client.get(url)
    assert ask.status_code == 302
    read_scores = any('FROM "peerreview_score"' in query["sql"] for query in job.captured_queries)
    assert read_scores == (found == "while writing")  # told before reading a single score
    page = client.get(ask["Location"])
    poll = client.get(url + "&status=1")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Too many rows for one Excel sheet" in html
    assert "1,048,575" in html
    assert re.search(r'href="[^"]*\?format=csv" data-pdf-instead>', html)  # shown, not hidden
    assert re.search(r"data-pdf-ask hidden>", html)  # asking again would not help
    assert poll.json() == {"state": "too-large"}
    stored = ExportFile.objects.get()
    assert stored.error == export_files.TOO_MANY_ROWS and not stored.file
