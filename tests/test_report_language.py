"""The report's language: headings, labels, dates and charts in the round's language on the page
and in the PDF whatever the reader's; texts written in another language tagged (lang= on the
page, /Lang in the PDF's structure); who may change it; the default from the host city."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.forms.rounds import RoundForm
from peerreview.services.rounds import schedule_repeat_round
from reports import pdf as report_pdf
from reports.pdf_ua import check_pdf_ua, marked_languages
from reports.services import get_or_create_report
from tests import factories

pytestmark = pytest.mark.django_db


def finnish_report(personas, *, text_language: str = "en"):
    review_round = personas.review_round
    review_round.language = "fi"
    review_round.state = "drafting"
    review_round.opens_on = datetime.date(2026, 11, 12)
    review_round.save()
    report = get_or_create_report(review_round)
    report.text_language = text_language
    report.executive_summary = "The panel found **strong** leadership.\n\n- one point\n- another point"
    report.save()
    return review_round, report


def test_a_round_is_in_its_host_citys_language_unless_chosen(personas):
    framework = personas.review_round.framework
    swedish = factories.CityFactory(name="Göteborg", country="SE", languages="sv, en")
    form = RoundForm(data={"host_city": swedish.pk, "framework": framework.pk, "repeat_interval_months": 18})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["language"] == "sv"
    dutch = factories.CityFactory(name="Utrecht", country="NL", languages="nl, en")
    assert dutch.report_language == "en"
    assert factories.CityFactory(name="Oulu", country="FI", languages="").report_language == "fi"
    chosen = RoundForm(
        data={
            "host_city": swedish.pk,
            "framework": framework.pk,
            "language": "en",
            "repeat_interval_months": 18,
        }
    )
    assert chosen.is_valid() and chosen.cleaned_data["language"] == "en"


def test_the_report_page_is_in_the_reports_language_for_an_english_reader(client, personas):
    review_round, _report = finnish_report(personas)
    personas.coordinator.language = "en"
    personas.coordinator.save()
    client.force_login(personas.coordinator)
    page = client.get(reverse("reports:report_view", kwargs={"round_id": review_round.pk})).content.decode()
    body = page[page.index('<article class="summary-report"') :]
    assert body.startswith('<article class="summary-report" lang="fi">')
    assert "Tiivistelmä" in body and "Executive summary" not in body  # the report's headings
    assert "12. marraskuuta 2026" in body  # its dates
    assert "Download the draft as PDF" in page  # the interface stays in the reader's language
    assert '<div class="report-text" lang="en"><p>The panel found <strong>strong</strong>' in body
    assert "<li>one point</li>" in body


def test_the_pdf_tags_text_in_another_language(personas):
    review_round, _report = finnish_report(personas)
    html = report_pdf.render_html(review_round)
    assert '<html lang="fi">' in html and marked_languages(html) >= {"en"}
    rendered = report_pdf.render_pdf(review_round)
    assert check_pdf_ua(rendered.pdf, language="fi", other_languages={"en"}) == []
    with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
        assert str(pdf.Root.Lang) == "fi"
        stripped = io.BytesIO()
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem" and "/Lang" in obj:
                del obj["/Lang"]
        pdf.save(stripped)
    problems = check_pdf_ua(stripped.getvalue(), language="fi", other_languages={"en"})
    assert problems == ["text marked lang='en' has no structure element with /Lang (11-001)"]


def test_texts_in_the_reports_own_language_are_not_tagged(client, personas):
    review_round, _report = finnish_report(personas, text_language="")
    html = report_pdf.render_html(review_round)
    assert marked_languages(html) <= {"fi"}
    assert 'lang="en"' not in html


def test_the_lead_and_coordinators_set_the_language_until_publication(client, personas):
    review_round, report = finnish_report(personas)
    url = reverse("reports:report_language", kwargs={"round_id": review_round.pk})
    client.force_login(personas.host_member)
    assert client.post(url, {"language": "sv", "text_language": ""}).status_code == 403
    client.force_login(personas.assigned_evaluator)  # the lead
    edit = client.get(reverse("reports:report_edit", kwargs={"round_id": review_round.pk})).content.decode()
    assert url in edit
    assert client.post(url, {"language": "sv", "text_language": "sv"}).status_code == 302
    review_round.refresh_from_db()
    report.refresh_from_db()
    assert review_round.language == "sv" and report.text_language == ""  # the same as the report's
    client.force_login(personas.coordinator)
    assert client.post(url, {"language": "en", "text_language": "fi"}).status_code == 302
    report.refresh_from_db()
    assert report.text_language == "fi"
    review_round.state = "published"
    review_round.save()
    assert client.post(url, {"language": "fi", "text_language": ""}).status_code == 403


def test_the_repeat_rounds_title_follows_the_rounds_language(personas):
    review_round = personas.review_round
    for language, expected in (
        ("fi", "seurantakierros"),
        ("sv", "uppföljningsomgång"),
        ("en", "repeat round"),
    ):
        review_round.language = language
        review_round.published_at = timezone.now()
        review_round.save()
        review_round.repeat_rounds.all().delete()
        repeat = schedule_repeat_round(review_round)
        assert expected in repeat.title and repeat.language == language


def test_the_charts_numbers_follow_the_reports_language():
    from django.utils import translation

    from reports.charts import ChartRow, render_svg

    with translation.override("fi"):
        svg = render_svg([ChartRow(label="WHY", values=(2.5, None))], ("Oma", "Sovittu"), "Kypsyysprofiili")
    assert ">2,5</text>" in svg and "kypsyystaso 0–4" in svg
    with translation.override("en"):
        assert ">2.5</text>" in render_svg([ChartRow(label="WHY", values=(2.5, None))], ("a", "b"), "t")
