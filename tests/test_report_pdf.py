"""The report as a PDF: a real render read back, the frozen published version, the
download that never renders, broken files, the commands, and the chart."""

from __future__ import annotations

import io
import json
from html import unescape
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from peerreview.models import Criterion
from reports import pdf as report_pdf
from reports.charts import maturity_chart
from reports.document import report_document
from reports.models import ActionProgress, ActionProposal, PdfRenderRequest, ReportPdf, SummaryReport
from reports.repeat import carry_over_action_proposals
from reports.services import get_or_create_report, publish_report, save_action_proposals
from tests import factories

PROPOSALS = [
    ("Adopt a procurement indicator set with baselines", "high"),
    ("Introduce risk-based contract management", "medium"),
    ("Kehittää hankintojen seurantaa – Åbo & Jyväskylä", "low"),
]


def build_round(personas, *, publish: bool = True, previous=None):
    """A round with agreed scores (the last criterion left unscored) and action proposals."""
    review_round = personas.review_round if previous is None else None
    if review_round is None:
        review_round = factories.RoundFactory(
            host_city=previous.host_city,
            framework=previous.framework,
            previous_round=previous,
            title="Tampere 2028",
        )
        factories.AssignmentFactory(round=review_round, evaluator=personas.assigned_evaluator, role="lead")
    review_round.state = "drafting"
    review_round.save()
    criteria = list(Criterion.objects.filter(theme__framework=review_round.framework, theme__is_scored=True))
    for level, criterion in zip((3, 1), criteria[:2], strict=True):
        factories.AgreedScoreFactory(
            round=review_round, criterion=criterion, level=level if previous is None else 4
        )
    report = get_or_create_report(review_round)
    report.executive_summary = "Strong strategy, weak follow-up."
    report.save()
    titles = PROPOSALS if previous is None else [("Publish the indicator results yearly", "high")]
    save_action_proposals(
        report=report,
        rows=[
            {"pk": None, "title": title, "priority": priority, "timeframe": "2027"}
            for title, priority in titles
        ],
    )
    if publish:
        review_round.state = "factual_check"
        review_round.save()
        publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)
    report.refresh_from_db()
    return review_round, report


def pdf_text(stored: ReportPdf) -> tuple[str, PdfReader]:
    with stored.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.django_db
def test_published_report_renders_a_tagged_pdf_with_the_content(personas):
    review_round, report = build_round(personas)

    stored = report_pdf.ensure_pdf(report)

    assert stored.is_final and stored.version == 1 and stored.page_count >= 3
    text, reader = pdf_text(stored)
    flat = " ".join(text.split())
    for heading in (
        "Contents",
        "About this review",
        "Executive summary",
        "Maturity profile",
        "Findings",
        "Action proposals",
        "Indicator annex",
        "Next steps",
    ):
        assert heading in flat, heading
    assert "Tampere" in flat
    for title, _priority in PROPOSALS:
        assert " ".join(title.split()) in flat, title  # Finnish and Swedish letters survive
    assert "3 – " in flat and "1 – " in flat  # the agreed levels with their labels
    assert "not scored" in flat  # the criterion without an agreed score
    assert "DRAFT" not in flat
    assert "Page 1 of" in flat
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in catalog
    assert reader.metadata.title.startswith("Summary report: Tampere 2026")
    assert catalog["/Lang"] == "en"


@pytest.mark.django_db
def test_published_pdf_is_frozen(personas):
    review_round, report = build_round(personas)
    first = report_pdf.ensure_pdf(report)

    with mock.patch.object(report_pdf, "LAYOUT_VERSION", "changed"):
        again = report_pdf.ensure_pdf(report)

    assert again.pk == first.pk and ReportPdf.objects.count() == 1


@pytest.mark.django_db
def test_draft_is_marked_and_rerendered_only_when_it_changes(personas):
    review_round, report = build_round(personas, publish=False)
    first = report_pdf.ensure_pdf(report)
    text, _reader = pdf_text(first)
    assert not first.is_final and "DRAFT" in text

    with mock.patch.object(report_pdf, "_layout_and_write", wraps=report_pdf._layout_and_write) as weasy:
        assert report_pdf.ensure_pdf(report).pk == first.pk
        assert weasy.call_count == 0
        report.key_strengths = "Ein neuer Absatz."
        report.save()
        second = report_pdf.ensure_pdf(report)
        assert weasy.call_count == 1
    assert second.version == 2
    assert list(ReportPdf.objects.values_list("version", flat=True)) == [2]  # the old draft is discarded


@pytest.mark.django_db
def test_broken_stored_pdf_is_rendered_again_not_served(client, personas, django_capture_on_commit_callbacks):
    from reports.tasks import render_report_pdf

    review_round, report = build_round(personas)
    render_report_pdf(report.pk)  # the render publishing asked for (the task, as the worker runs it)
    assert not PdfRenderRequest.objects.exists()
    stored = ReportPdf.objects.get(report=report)
    with open(stored.file.path, "wb") as handle:
        handle.write(b"<html>not a pdf</html>")
    client.force_login(personas.coordinator)
    url = reverse("reports:report_pdf", kwargs={"round_id": review_round.pk})

    with django_capture_on_commit_callbacks() as queued:
        response = client.get(url)
    assert response.status_code == 202  # not the broken file
    assert b"The PDF is being prepared" in response.content
    assert len(queued) == 1 and PdfRenderRequest.objects.filter(report=report).exists()

    repaired = report_pdf.ensure_pdf(report)
    assert repaired.version == 2 and repaired.is_final
    assert report_pdf.is_readable_pdf(repaired)


@pytest.mark.django_db
def test_download_serves_the_stored_file_and_renders_nothing(client, personas):
    review_round, report = build_round(personas)
    asked = PdfRenderRequest.objects.get(report=report).requested_at  # by publishing
    stored = report_pdf.ensure_pdf(report)
    mtime = stored.file.storage.get_modified_time(stored.file.name)
    client.force_login(personas.host_member)

    with mock.patch.object(report_pdf, "_layout_and_write") as weasy:
        response = client.get(reverse("reports:report_pdf", kwargs={"round_id": review_round.pk}))
        body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF") and body == stored.file.open("rb").read()
    assert weasy.call_count == 0
    assert PdfRenderRequest.objects.get(report=report).requested_at == asked  # nothing asked again
    assert ReportPdf.objects.count() == 1
    assert stored.file.storage.get_modified_time(stored.file.name) == mtime


@pytest.mark.django_db
def test_publishing_queues_the_final_render(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        review_round, report = build_round(personas, publish=False)
    assert not PdfRenderRequest.objects.exists()  # saving a draft asks for no render
    review_round.state = "factual_check"
    review_round.save()
    with django_capture_on_commit_callbacks() as queued:
        publish_report(review_round=review_round, actor=personas.coordinator, repeat_interval_months=18)
    assert PdfRenderRequest.objects.filter(report=report).exists()
    assert sum("request_pdf" in callback.__qualname__ for callback in queued) == 1


@pytest.mark.django_db
def test_task_renders_and_exits_quietly_when_the_report_is_gone(personas):
    from reports.tasks import render_report_pdf

    review_round, report = build_round(personas)
    render_report_pdf.delay(report.pk)
    assert ReportPdf.objects.filter(report=report, is_final=True).count() == 1
    render_report_pdf.delay(report.pk + 1000)  # no error


PROGRESS = [
    ("implemented", "Indicator set adopted by the board on 3.2.2027; baselines in the annual report."),
    ("in_progress", "Risk model piloted in two categories – jatkuu vuonna 2028."),
    ("dropped", ""),
]


def build_repeat_round(personas):
    """A published first round and its repeat round in drafting, with the city's progress
    on two of the three earlier proposals and none reported on the third."""
    first_round, _report = build_round(personas)
    repeat_round, report = build_round(personas, publish=False, previous=first_round)
    items = carry_over_action_proposals(repeat_round)
    assert len(items) == len(PROPOSALS)
    for item, (status, evidence) in zip(
        sorted(items, key=lambda i: i.proposal.number), PROGRESS, strict=True
    ):
        item.status, item.evidence = status, evidence
        item.save()
    ActionProgress.objects.filter(round=repeat_round, proposal__number=3).delete()  # nothing reported
    return first_round, repeat_round, report


@pytest.mark.django_db
def test_repeat_round_report_shows_the_earlier_proposals_progress(client, personas):
    first_round, repeat_round, report = build_repeat_round(personas)

    document = report_document(repeat_round)
    assert [f.status for f in document.follow_ups] == ["implemented", "in_progress", ""]
    assert [(c.earlier_level, c.now_level, c.change) for c in document.score_changes] == [
        (3, 4, 1),
        (1, 4, 3),
        (None, None, None),
    ]
    assert document.scored_themes[0].change_in_mean_agreed_score == 2.0
    chart = maturity_chart(document)
    # self-score, agreed now, agreed in the earlier review (mean of 3 and 1; now 4 and 4)
    assert chart.series[2].startswith("Earlier review")
    assert chart.rows[0].values[1:] == (4.0, 2.0)

    client.force_login(personas.coordinator)
    page = client.get(reverse("reports:report_view", kwargs={"round_id": repeat_round.pk})).content.decode()
    text, _reader = pdf_text(report_pdf.ensure_pdf(report))
    flat = " ".join(text.split())
    for shown in (" ".join(unescape(page).split()), flat):
        assert "This is a repeat round of" in shown
        assert "Progress on the earlier action proposals" in shown
        for title, _priority in PROPOSALS:
            assert " ".join(title.split()) in shown
        assert "Implemented" in shown and "In progress" in shown and "not reported" in shown
        assert "Indicator set adopted by the board on 3.2.2027" in shown
        assert "jatkuu vuonna 2028" in shown  # the city's evidence, Finnish letters intact
        assert "+3" in shown and "+2.0" in shown  # per criterion and per theme
    # each earlier proposal's status is on its own row, next to the proposal
    row = flat[flat.index("AP-2 Introduce risk-based contract management") :][:250]
    assert "In progress" in row and "Risk model piloted" in row


@pytest.mark.django_db
def test_repeat_round_report_queries_do_not_grow_with_earlier_proposals(client, personas):
    first_round, repeat_round, report = build_repeat_round(personas)
    client.force_login(personas.coordinator)
    url = reverse("reports:report_view", kwargs={"round_id": repeat_round.pk})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    earlier_report = first_round.summary_report
    for number in range(4, 14):
        proposal = ActionProposal.objects.create(report=earlier_report, number=number, title=f"P{number}")
        ActionProgress.objects.create(
            round=repeat_round, proposal=proposal, status="in_progress", evidence="x"
        )
    assert count() == few


@pytest.mark.django_db
def test_first_round_report_says_there_is_no_earlier_review(personas):
    review_round, _report = build_round(personas)
    document = report_document(review_round)
    assert document.follow_ups == [] and document.score_changes == []
    assert "This is the unit's first review" in report_pdf.render_html(review_round)


@pytest.mark.django_db
def test_chart_is_the_same_in_the_page_and_the_pdf(client, personas):
    review_round, report = build_round(personas)
    chart = maturity_chart(report_document(review_round))
    assert chart.svg.startswith("<svg") and "3.0" not in chart.alt.split(":")[0]
    assert "2.0" in chart.alt  # the mean agreed score of the scored theme
    client.force_login(personas.coordinator)
    page = client.get(reverse("reports:report_view", kwargs={"round_id": review_round.pk})).content.decode()
    html = report_pdf.render_html(review_round)
    assert chart.data_uri in page and chart.data_uri in html
    assert reverse("reports:report_pdf", kwargs={"round_id": review_round.pk}) in page


@pytest.mark.django_db
def test_round_without_a_report(client, personas, tmp_path):
    review_round = personas.review_round
    client.force_login(personas.coordinator)
    response = client.get(reverse("reports:report_pdf", kwargs={"round_id": review_round.pk}))
    assert response.status_code == 404
    with pytest.raises(CommandError, match="has no summary report"):
        call_command("render_report", review_round.pk, output=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="has no summary report"):
        call_command("export_round", review_round.pk)
    with pytest.raises(CommandError, match="no round"):
        call_command("export_round", 999999)


@pytest.mark.django_db
def test_render_report_command_writes_a_pdf(personas, tmp_path):
    review_round, _report = build_round(personas)
    output = tmp_path / "report.pdf"
    call_command("render_report", review_round.pk, output=str(output), stdout=io.StringIO())
    assert output.read_bytes().startswith(b"%PDF")
    assert ReportPdf.objects.count() == 0  # the command stores nothing


@pytest.mark.django_db
def test_export_round_command_prints_json(personas):
    review_round, report = build_round(personas)
    out = io.StringIO()
    call_command("export_round", review_round.pk, stdout=out)
    data = json.loads(out.getvalue())
    assert data["host_city"]["name"] == "Tampere"
    assert data["status"] == "published"
    assert data["framework"]["version"] == review_round.framework.version
    assert {member["name"] for member in data["panel"]} == {
        personas.assigned_evaluator.full_name,
        personas.second_evaluator.full_name,
    }
    assert [c["agreed_score"] for c in data["criteria"]] == [3, 1, None]
    assert [p["title"] for p in data["action_proposals"]] == [title for title, _ in PROPOSALS]
    assert (
        data["action_proposals"][0] | {"id": "AP-1", "priority": "high", "timeframe": "2027"}
        == data["action_proposals"][0]
    )
    assert len(data["findings"]) == report.findings.count()
    assert SummaryReport.objects.count() == 1


@pytest.mark.django_db
def test_export_round_of_a_repeat_round_has_the_progress_and_earlier_scores(personas):
    _first_round, repeat_round, _report = build_repeat_round(personas)
    out = io.StringIO()

    call_command("export_round", repeat_round.pk, stdout=out)

    data = json.loads(out.getvalue())
    assert [(item["id"], item["status"]) for item in data["progress_on_earlier_proposals"]] == [
        ("AP-1", "implemented"),
        ("AP-2", "in_progress"),
    ]
    assert [c["previous_agreed_score"] for c in data["criteria"]] == [3, 1, None]
