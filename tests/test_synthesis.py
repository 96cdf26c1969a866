"""The programme synthesis: built from aggregates of the published rounds (heatmap, distribution
with PostgreSQL's percentile_cont, areas to develop, proposals' follow-up, NOT AN ISLAND), as a
page with a fixed number of queries, a tagged PDF rendered in the worker, and streamed exports."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from network import synthesis_views
from network.models import CriterionTally, SynthesisPdf, TalliedRound
from network.synthesis import (
    SynthesisFilters,
    data_stamp,
    figures_of,
    island_messages,
    maturity_distribution,
    published_rounds,
)
from network.synthesis_pdf import FAILED_RETRY_AFTER, STALE_AFTER, pdf_key, render_stored
from network.tallies import synthesis_figures
from peerreview import background
from peerreview.models import AgreedScore
from peerreview.stats import percentile_from_counts
from reports.models import ActionProgress, ActionProposal
from reports.pdf_ua import check_pdf_ua
from tests import factories
from tests.parallel import clients_of, in_parallel, queued_tasks

pytestmark = pytest.mark.django_db

ISLAND = {
    "ISLAND.1": "Simpler thresholds for innovation procurements, please.",
    "ISLAND.2": "A national procurement data service would help every city.",
    "ISLAND.3": "A forum between the state's purchasing body and the cities.",
}


@pytest.fixture
def framework():
    return factories.make_framework(scored_criteria=3, unscored_criteria=3)


@pytest.fixture
def coordinator(client):
    user = factories.CoordinatorFactory()
    client.force_login(user)
    return user


def _network(framework, count: int, *, start: int = 0) -> list:
    rounds = []
    for index in range(start, start + count):
        city = factories.CityFactory(name=f"City {index}", country="FI" if index % 2 else "SE")
        rounds.append(
            factories.published_round(
                city=city,
                framework=framework,
                agreed={"WHY.1": index % 5, "WHY.2": (index + 1) % 5, "WHY.3": None},
                island={code: f"{city.name}: {text}" for code, text in ISLAND.items()},
                areas={"WHY.2": "Train the buyers."},
                proposals=[("WHY.2", f"Train the buyers of {city.name}"), ("WHY.1", "Publish a strategy")],
                published_at=timezone.now() - datetime.timedelta(days=index),
            )
        )
    return rounds


def _count(client, url: str) -> int:
    # A request first: the session's "last seen" is written once a minute (cities.middleware),
    # which a slow setup on a loaded machine would otherwise count as the page's.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_page_shows_the_network_from_aggregates(client, coordinator, framework):
    rounds = _network(framework, 5)
    response = client.get(reverse("network:synthesis"))
    page = response.content.decode()
    assert "5 published rounds" in page
    # heatmap: every round a row, its agreed score as a number in a coloured cell
    for review_round in rounds:
        assert review_round.host_city.name in page
    assert 'class="heat heat-4">4<' in page
    assert 'class="heat heat-na">n/a<' in page
    # the most common area to develop: WHY.2 named in all five reports
    areas = response.context["common_areas"]
    assert (areas[0].code, areas[0].reports) == ("WHY.2", 5)
    # proposals by theme: ten, none followed up yet
    [theme] = response.context["proposals"]
    assert theme.total == 10 and theme.counts == {"": 10}
    # NOT AN ISLAND: three headings with five answers each
    assert [(h.code, h.count) for h in response.context["island"]] == [
        ("ISLAND.1", 5),
        ("ISLAND.2", 5),
        ("ISLAND.3", 5),
    ]


def test_quartiles_come_from_percentile_cont_and_agree_with_the_counts(framework):
    _network(framework, 7)
    spread = maturity_distribution(synthesis_figures(SynthesisFilters()))["WHY.1"]
    levels = sorted(index % 5 for index in range(7))  # 0 0 1 1 2 3 4
    assert spread.n == 7 and spread.counts == (2, 2, 1, 1, 1)
    assert spread.median == 1.0
    assert spread.q1 == pytest.approx(0.5) and spread.q3 == pytest.approx(2.5)
    for fraction, value in ((0.25, spread.q1), (0.5, spread.median), (0.75, spread.q3)):
        assert percentile_from_counts(spread.counts, fraction) == pytest.approx(value)
    assert spread.mean == pytest.approx(sum(levels) / 7)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY v) FROM unnest(%s::int[]) v", [levels]
            )
            assert cursor.fetchone()[0] == pytest.approx(spread.q1)


def test_not_applicable_scores_stay_out_of_the_distribution(framework):
    _network(framework, 3)
    assert "WHY.3" not in maturity_distribution(synthesis_figures(SynthesisFilters()))


def test_follow_up_comes_from_the_latest_repeat_round(client, coordinator, framework):
    [first] = _network(framework, 1)
    repeat = factories.RoundFactory(
        host_city=first.host_city, framework=framework, previous_round=first, state="prereport_open"
    )
    proposals = list(ActionProposal.objects.filter(report__round=first).order_by("number"))
    ActionProgress.objects.create(round=repeat, proposal=proposals[0], status="implemented")
    ActionProgress.objects.create(round=repeat, proposal=proposals[1], status="in_progress")
    response = client.get(reverse("network:synthesis"))
    [theme] = response.context["proposals"]
    assert theme.counts == {"implemented": 1, "in_progress": 1}
    groups = {status: (count, percent) for status, _label, count, percent in theme.groups}
    assert groups["implemented"] == (1, 50) and groups["in_progress"] == (1, 50) and groups[""] == (0, 0)
    # A later repeat round's status wins; a cancelled one's does not count.
    later = factories.RoundFactory(
        host_city=first.host_city, framework=framework, previous_round=repeat, state="prereport_open"
    )
    ActionProgress.objects.create(round=later, proposal=proposals[1], status="implemented")
    cancelled = factories.RoundFactory(
        host_city=first.host_city, framework=framework, previous_round=later, state="cancelled"
    )
    ActionProgress.objects.create(round=cancelled, proposal=proposals[0], status="dropped")
    [theme] = client.get(reverse("network:synthesis")).context["proposals"]
    assert theme.counts == {"implemented": 2}


def test_filters_select_the_rounds(client, coordinator, framework):
    _network(framework, 4)
    other_version = factories.make_framework()
    factories.published_round(framework=other_version, agreed={"WHY.1": 4})
    response = client.get(reverse("network:synthesis"), {"country": "SE"})
    assert response.context["page"].paginator.count == 2
    response = client.get(reverse("network:synthesis"), {"framework": str(other_version.pk)})
    assert response.context["page"].paginator.count == 1
    old = timezone.localdate() - datetime.timedelta(days=2)
    response = client.get(reverse("network:synthesis"), {"published_to": old.isoformat()})
    assert response.context["page"].paginator.count == 2  # published 2 and 3 days ago


def test_bad_filters_are_shown_at_the_field_and_left_out(client, coordinator, framework):
    _network(framework, 2)
    response = client.get(
        reverse("network:synthesis"),
        {"published_from": "2026-05-01", "published_to": "2026-01-01", "country": "XX"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "published_to" in form.errors and "country" in form.errors
    assert response.context["page"].paginator.count == 2


def test_no_published_round_says_so(client, coordinator):
    response = client.get(reverse("network:synthesis"), {"country": "FI"})
    assert "No published round matches these filters." in response.content.decode()


def test_synthesis_queries_do_not_grow_with_rounds(client, coordinator, framework):
    _network(framework, 2)
    url = reverse("network:synthesis")
    few = _count(client, url)
    _network(framework, 8, start=2)
    assert _count(client, url) == few
    messages_url = reverse("network:synthesis_messages") + "?heading=ISLAND.2"
    few_messages = _count(client, messages_url)
    _network(framework, 5, start=10)
    assert _count(client, messages_url) == few_messages
    assert _count(client, url) == few


def test_island_messages_are_collated_by_heading_with_their_city(client, coordinator, framework):
    rounds = _network(framework, 3)
    response = client.get(reverse("network:synthesis_messages"), {"heading": "ISLAND.2"})
    page = response.content.decode()
    for review_round in rounds:
        assert f"{review_round.host_city.name}: {ISLAND['ISLAND.2']}" in page
    assert ISLAND["ISLAND.1"] not in page
    assert 'lang="en"' in page


def test_island_pages_are_pages_of_reviews_and_show_every_message_in_order(
    client, coordinator, framework, monkeypatch
):
    """More reviews with messages under one heading than a page holds: each page reads the
    messages of its own reviews only, and the pages together show every message of the heading
    in the order of the full list (city, review, source), none twice."""
    monkeypatch.setattr(synthesis_views, "ISLAND_ROUNDS_PER_PAGE", 3)
    _network(framework, 7)
    expected = list(island_messages(published_rounds(SynthesisFilters()), heading="ISLAND.2"))
    url = reverse("network:synthesis_messages")
    first = client.get(url, {"heading": "ISLAND.2"})
    pages = first.context["page"].paginator.num_pages
    assert first.context["page"].paginator.count == 7 and pages == 3
    shown = []
    for number in range(1, pages + 1):
        context = client.get(url, {"heading": "ISLAND.2", "page": number}).context
        own = set(context["page"].object_list)
        assert {message["round_pk"] for message in context["page_messages"]} == own
        shown += context["page_messages"]
    strip = ("source_label",)
    assert [{k: v for k, v in message.items() if k not in strip} for message in shown] == expected
    assert "Reviews 1–3 of 7" in first.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_rendered_by_the_task_and_is_pdf_ua(client, framework):
    """The ask only queues the render (on commit; in-process here, as without a broker) and
    redirects to the waiting page, which serves the stored, tagged PDF with every city's messages."""
    coordinator = factories.CoordinatorFactory()
    client.force_login(coordinator)
    rounds = _network(framework, 5)
    url = reverse("network:synthesis_pdf")
    asked = client.get(url)
    assert asked.status_code == 302 and asked["Location"] == f"{url}?wait=1"
    stored = SynthesisPdf.objects.get()
    assert stored.is_ready and stored.page_count > 1
    response = client.get(asked["Location"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert SynthesisPdf.objects.count() == 1  # the same filters and data: the same PDF
    data = b"".join(response.streaming_content)
    assert check_pdf_ua(data, language="en") == []
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")
    for review_round in rounds:
        for message in ISLAND.values():
            assert f"{review_round.host_city.name}: {message}"[:40] in text
    # A newly published round: the waiting page has no PDF for the data now; the ask makes one.
    _network(framework, 1, start=5)
    assert client.get(url, {"status": "1"}).json() == {"state": "none"}
    assert client.get(url).status_code == 302
    assert SynthesisPdf.objects.count() == 2


def test_the_pdf_in_finnish_passes_the_checks(framework):
    _network(framework, 2)
    stored = SynthesisPdf.objects.create(key="fi-test", filters={}, language="fi")
    render_stored(stored.pk)
    stored.refresh_from_db()
    with stored.file.open("rb") as handle:
        assert check_pdf_ua(handle.read(), language="fi") == []


def test_csv_export_streams_and_neutralises_formulas(client, coordinator, framework):
    [review_round] = _network(framework, 1)
    review_round.prereport.answers.filter(criterion__code="ISLAND.1").update(
        narrative='=HYPERLINK("http://x")'
    )
    response = client.get(reverse("network:synthesis_export"), {"table": "island", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    texts = [row[-1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in texts
    heatmap = client.get(reverse("network:synthesis_export"), {"table": "heatmap", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(heatmap.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-3:] == ["WHY.1", "WHY.2", "WHY.3"]
    assert rows[1][-3:] == ["0", "1", "n/a"]


@dataclass(frozen=True)
class SynthesisFile:
    """One of the synthesis's files made by the worker, as its pages name and describe it."""

    fmt: str
    url_name: str
    query: dict
    not_ready: str  # the waiting page's heading after a failure or a lost job
    failed: str
    none: str
    ask: str  # the "ask again" link

    def at(self, **extra: str) -> str:
        query = urlencode({**self.query, **extra})
        return f"{reverse(self.url_name)}?{query}" if query else reverse(self.url_name)

    def html(self, **extra: str) -> str:
        return self.at(**extra).replace("&", "&amp;")


FILES = {
    "pdf": SynthesisFile(
        "pdf",
        "network:synthesis_pdf",
        {},
        "The PDF is not ready",
        "PDF could not be made",
        "No programme synthesis PDF is being prepared now",
        "Ask for a new PDF",
    ),
    "xlsx": SynthesisFile(
        "xlsx",
        "network:synthesis_export",
        {"format": "xlsx"},
        "The spreadsheet is not ready",
        "could not be prepared",
        "No spreadsheet is being prepared now",
        "Ask for a new spreadsheet",
    ),
}


@pytest.fixture(params=list(FILES))
def kind(request) -> SynthesisFile:
    return FILES[request.param]


def test_the_ask_queues_one_job_and_the_waiting_page_only_reads(
    client, coordinator, framework, kind, django_capture_on_commit_callbacks
):
    """The file is made by the task (here in this thread), not in the request: the ask redirects
    to a waiting page (202) that polls; a double click queues no second job, nor do the page's
    reload and its poll; the status says ready, then the waiting page gives the file, and an ask
    while it is there gives it with no new job."""
    _network(framework, 2)
    with django_capture_on_commit_callbacks() as queued:
        asked = client.get(kind.at())
        again = client.get(kind.at())  # a double click
        pending = client.get(asked["Location"])
        reloaded = client.get(asked["Location"])
        polled = client.get(kind.at(status="1"))
    assert asked.status_code == again.status_code == 302
    assert asked["Location"] == again["Location"] == kind.at(wait="1")
    assert pending.status_code == reloaded.status_code == 202
    assert pending["Retry-After"] and "no-store" in pending["Cache-Control"]
    page = pending.content.decode()
    assert f'data-pdf-status-url="{kind.html(status="1")}"' in page
    assert 'data-pdf-state="pending"' in page
    assert f'href="{kind.html(wait="1")}" data-pdf-download>' in page  # shown; "ask" hidden
    assert f'href="{kind.html()}" data-pdf-ask hidden>' in page
    assert polled.json() == {"state": "pending"}
    assert len(queued) == 1 and list(SynthesisPdf.objects.values_list("format", flat=True)) == [kind.fmt]
    with background.run_inline():
        for callback in queued:
            callback()
    assert client.get(kind.at(status="1")).json() == {"state": "ready"}
    response = client.get(kind.at(wait="1"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith(f'.{kind.fmt}"')
    assert response["Content-Type"] == synthesis_views.FILE_TYPES[kind.fmt]
    with django_capture_on_commit_callbacks() as queued:
        assert client.get(kind.at()).status_code == 200
    assert queued == [] and SynthesisPdf.objects.count() == 1


def test_xlsx_export_has_every_table(client, coordinator, framework, django_capture_on_commit_callbacks):
    _network(framework, 3)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asked = client.get(FILES["xlsx"].at())
    with background.run_inline():
        for callback in queued:
            callback()
    response = client.get(asked["Location"])
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [
        "Maturity heatmap",
        "Maturity distribution",
        "Areas to develop",
        "Follow-up by theme",
        "Action proposals",
        "Not an island",
    ]
    assert workbook["Not an island"].max_row == 1 + 3 * 3


def _last_file(kind: SynthesisFile, how: str) -> SynthesisPdf:
    """The file's row as a waiting page left open may find it: failed longer ago than the minute
    after which an ask makes it again, lost (pending past `STALE_AFTER`: the worker restarted), or
    made from data that has changed since (a round published after it)."""
    filters = SynthesisFilters()
    stamp = data_stamp(published_rounds(filters))
    stored = SynthesisPdf.objects.create(
        key=pdf_key(filters, "en", stamp, kind.fmt),
        format=kind.fmt,
        filters=filters.as_query(),
        language="en",
    )
    now = timezone.now()
    if how == "failed":
        SynthesisPdf.objects.filter(pk=stored.pk).update(
            requested_at=now - 2 * FAILED_RETRY_AFTER, error="OSError: disk full", attempts=1
        )
    elif how == "lost":
        SynthesisPdf.objects.filter(pk=stored.pk).update(
            requested_at=now - STALE_AFTER - datetime.timedelta(minutes=1)
        )
    else:  # made, then the data changed
        stored.file.save(f"synthesis.{kind.fmt}", ContentFile(b"a file made earlier"), save=False)
        stored.rendered_at = now
        stored.save()
    stored.refresh_from_db()
    return stored


@pytest.mark.parametrize("how,state", [("failed", "failed"), ("lost", "none"), ("changed", "none")])
def test_the_waiting_page_and_its_poll_never_ask_only_the_coordinator_does(
    client, coordinator, framework, kind, how, state, django_capture_on_commit_callbacks
):
    """A waiting page left open (or opened again) after a failure, a lost job, or once the
    published reports changed: its poll and its reload say so and offer to ask again, with no new
    row and no job queued; the coordinator's ask then queues one."""
    _network(framework, 2)
    last = _last_file(kind, how)
    if how == "changed":
        _network(framework, 1, start=2)
    with django_capture_on_commit_callbacks() as queued:
        for _poll in range(3):
            assert client.get(kind.at(status="1")).json() == {"state": state}
        page = client.get(kind.at(wait="1"))
        reloaded = client.get(kind.at(wait="1"))
    assert queued == []
    assert list(SynthesisPdf.objects.values_list("pk", "error", "requested_at")) == [
        (last.pk, last.error, last.requested_at)
    ]
    assert page.status_code == reloaded.status_code == 200 and "Retry-After" not in page
    text = page.content.decode()
    says = kind.failed if state == "failed" else kind.none
    assert says in text and f'data-pdf-state="{state}"' in text and kind.not_ready in text
    assert f'href="{kind.html()}" data-pdf-ask>{kind.ask}</a>' in text  # shown; the download hidden
    assert f'href="{kind.html(wait="1")}" data-pdf-download hidden>' in text

    with django_capture_on_commit_callbacks() as queued:
        asked = client.get(kind.at())
    assert asked.status_code == 302 and asked["Location"] == kind.at(wait="1")
    assert len(queued) == 1
    pending = SynthesisPdf.objects.get(rendered_at__isnull=True, error="")
    assert (pending.pk == last.pk) == (how != "changed")  # the same row made again, or a new one
    assert client.get(kind.at(status="1")).json() == {"state": "pending"}


def test_a_failure_is_not_asked_again_within_a_minute(
    client, coordinator, framework, kind, django_capture_on_commit_callbacks
):
    """A double click on a failing file: the ask within `FAILED_RETRY_AFTER` of the failure
    queues nothing and shows the failure, with the button to ask again."""
    _network(framework, 1)
    with django_capture_on_commit_callbacks() as queued:
        client.get(kind.at())
    assert len(queued) == 1
    SynthesisPdf.objects.update(error="OSError: disk full", attempts=1)
    with django_capture_on_commit_callbacks() as queued:
        asked = client.get(kind.at())
        page = client.get(asked["Location"])
    assert queued == [] and SynthesisPdf.objects.get().error == "OSError: disk full"
    assert page.status_code == 200 and kind.failed in page.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("before", ["nothing", "failed", "lost"])
def test_asking_at_once_queues_one_job(broker_queue, framework, kind, before):
    """Coordinators' tabs (or a double click) asking together for a file not made yet, one that
    failed, or one whose job was lost: real parallel requests on PostgreSQL (tests/parallel.py)
    make or claim the row once and queue one job on the broker; every ask is sent to the same
    waiting page."""
    _network(framework, 1)
    last = None if before == "nothing" else _last_file(kind, before)
    clients = clients_of(factories.CoordinatorFactory())

    responses = in_parallel(*(lambda c=c: c.get(kind.at()) for c in clients))

    assert [response.status_code for response in responses] == [302] * len(clients)
    assert {response["Location"] for response in responses} == {kind.at(wait="1")}
    [stored] = SynthesisPdf.objects.all()
    assert stored.format == kind.fmt and stored.error == "" and stored.rendered_at is None
    assert last is None or stored.pk == last.pk
    assert queued_tasks(broker_queue) == [("network.tasks.render_synthesis_pdf", [stored.pk])]


def test_synthesis_files_for_coordinators_only(client, personas, framework, kind):
    """The ask, the waiting page and its poll: a 403 for anyone but a coordinator."""
    for persona in ("host_member", "other_city_member", "assigned_evaluator", "unassigned_evaluator"):
        client.force_login(getattr(personas, persona))
        for url in (kind.at(), kind.at(wait="1"), kind.at(status="1")):
            assert client.get(url).status_code == 403, (persona, url)
    assert not SynthesisPdf.objects.exists()
    client.logout()
    assert client.get(kind.at(status="1")).status_code == 302


def test_unknown_export_is_a_404(client, coordinator):
    assert client.get(reverse("network:synthesis_export"), {"format": "pdf"}).status_code == 404
    assert client.get(reverse("network:synthesis_export"), {"table": "nope"}).status_code == 404


def _same_as_counted(filters: SynthesisFilters) -> None:
    """The figures from the tallies equal those counted from the filtered rounds themselves."""
    tallied, counted = synthesis_figures(filters), figures_of(published_rounds(filters))
    assert {code: counts for code, counts in tallied.levels.items() if any(counts)} == counted.levels
    assert tallied.areas == counted.areas
    assert tallied.messages == counted.messages
    assert tallied.follow_up == counted.follow_up


def test_the_tallies_follow_publication_scores_follow_up_and_withdrawal(framework):
    rounds = _network(framework, 4)
    _same_as_counted(SynthesisFilters())
    # a level changed after publication
    score = AgreedScore.objects.get(round=rounds[0], criterion__code="WHY.1")
    score.level = 4
    score.save()
    assert maturity_distribution(synthesis_figures(SynthesisFilters()))["WHY.1"].counts == (0, 1, 1, 1, 1)
    _same_as_counted(SynthesisFilters())
    # a repeat round's progress on an earlier proposal, then changed
    repeat = factories.RoundFactory(
        host_city=rounds[1].host_city, framework=framework, previous_round=rounds[1], state="prereport_open"
    )
    proposal = ActionProposal.objects.filter(report__round=rounds[1]).first()
    progress = ActionProgress.objects.create(round=repeat, proposal=proposal, status="in_progress")
    assert synthesis_figures(SynthesisFilters()).follow_up[("WHY", "in_progress")] == 1
    progress.status = "implemented"
    progress.save()
    figures = synthesis_figures(SynthesisFilters())
    assert figures.follow_up[("WHY", "implemented")] == 1 and ("WHY", "in_progress") not in figures.follow_up
    _same_as_counted(SynthesisFilters())
    # a report no longer published (by hand: the platform never withdraws one)
    report = rounds[2].summary_report
    report.published_at = None
    report.save()
    assert TalliedRound.objects.count() == 3
    assert sum(maturity_distribution(synthesis_figures(SynthesisFilters()))["WHY.1"].counts) == 3
    _same_as_counted(SynthesisFilters())
    # a newly published round
    _network(framework, 1, start=9)
    assert TalliedRound.objects.count() == 4
    _same_as_counted(SynthesisFilters(country="FI"))


def test_date_filters_take_whole_years_from_the_tallies_and_count_the_rest(framework):
    """Rounds over three years; ranges that cover whole years, parts of years at either end,
    or lie within one year give the same figures as counting the rounds."""
    today = timezone.localdate()
    for index, days in enumerate((800, 700, 500, 400, 300, 200, 100, 10)):
        [review_round] = _network(framework, 1, start=index)
        published = timezone.now() - datetime.timedelta(days=days)
        type(review_round.summary_report).objects.filter(round=review_round).update(published_at=published)
        review_round.published_at = published
        review_round.save()
    year = today.year
    for start, end in (
        (datetime.date(year - 2, 1, 1), datetime.date(year - 1, 12, 31)),
        (datetime.date(year - 2, 6, 15), datetime.date(year, 3, 1)),
        (datetime.date(year - 1, 3, 1), datetime.date(year - 1, 9, 30)),
        (None, datetime.date(year - 1, 6, 30)),
        (datetime.date(year - 1, 2, 1), None),
    ):
        _same_as_counted(SynthesisFilters(published_from=start, published_to=end))
        _same_as_counted(SynthesisFilters(published_from=start, published_to=end, country="SE"))
    # the rebuild gives the same tallies
    before = list(CriterionTally.objects.order_by("year", "month", "country", "code").values())
    call_command("rebuild_synthesis_tallies", stdout=io.StringIO())
    after = list(CriterionTally.objects.order_by("year", "month", "country", "code").values())
    assert [{**row, "id": 0} for row in before] == [{**row, "id": 0} for row in after]
    # the deployment's migrate step: a no-op once counted, a full count on a database without them
    output = io.StringIO()
    call_command("rebuild_synthesis_tallies", "--if-missing", stdout=output)
    assert "nothing to count" in output.getvalue()
    TalliedRound.objects.all().delete()
    CriterionTally.objects.all().delete()
    call_command("rebuild_synthesis_tallies", "--if-missing", stdout=io.StringIO())
    again = list(CriterionTally.objects.order_by("year", "month", "country", "code").values())
    assert [{**row, "id": 0} for row in again] == [{**row, "id": 0} for row in before]
