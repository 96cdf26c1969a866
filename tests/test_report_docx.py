"""The report as a Word document: every section heading of the report, its tables, its language;
the download checked exactly like the PDF's; the city's logo on the cover, validated."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from cities.admin import CityAdminForm
from cities.models import City, CityLogo
from reports import pdf as report_pdf
from reports.document import report_document
from reports.services import get_or_create_report
from tests.test_report_pdf import build_round

pytestmark = pytest.mark.django_db


def png_bytes(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 61, 99)).save(out, format="PNG")
    return out.getvalue()


def headings(docx_bytes: bytes) -> list[str]:
    document = Document(io.BytesIO(docx_bytes))
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def html_headings(html: str) -> list[str]:
    """The report body's h2 and h3 headings as text."""
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        for text in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, flags=re.S)
    ]


def test_the_docx_has_every_section_heading_of_the_report(client, personas):
    review_round, report = build_round(personas)
    report.executive_summary = "Strong **strategy**.\n\n- one\n- two"
    report.save()
    client.force_login(personas.host_member)
    response = client.get(reverse("reports:report_docx", kwargs={"round_id": review_round.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    found = headings(response.content)
    html = report_pdf.render_html(review_round)
    body = html[html.index('<article class="summary-report"') :]
    expected = html_headings(body)
    assert len(expected) >= 15
    missing = [heading for heading in expected if heading not in found]
    assert not missing, (missing, found)
    for name in ["About this review", "Executive summary", "Findings", "Indicator annex"]:
        assert any(name in heading for heading in found), name
    word = Document(io.BytesIO(response.content))
    assert len(word.tables) >= 4  # maturity profile, panel facts, action proposals, score tables
    texts = "\n".join(p.text for p in word.paragraphs)
    assert "Strong strategy." in texts
    assert any(p.style.name == "List Bullet" and p.text == "one" for p in word.paragraphs)
    assert any(run.bold and run.text == "strategy" for p in word.paragraphs for run in p.runs)


def test_the_docx_is_in_the_reports_language_with_the_texts_tagged(personas):
    review_round, report = build_round(personas)
    review_round.language = "fi"
    review_round.save()
    report.text_language = "en"
    report.save()
    from reports.docx import report_docx

    data = report_docx(report_document(review_round))
    found = headings(data)
    assert "2. Tiivistelmä" in found and "2. Executive summary" not in found
    word = Document(io.BytesIO(data))
    assert word.core_properties.language == "fi"
    normal = word.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert normal.get(qn("w:val")) == "fi"
    langs = {lang.get(qn("w:val")) for lang in word.element.body.iter(qn("w:lang"))}
    assert "en" in langs  # the panel's English text


def test_the_docx_download_is_checked_like_the_pdf(client, personas):
    review_round, _report = build_round(personas, publish=False)  # a draft: the panel and coordinators only
    for persona, expected_pdf_like in (
        ("coordinator", True),
        ("assigned_evaluator", True),
        ("host_member", False),
        ("other_city_member", False),
        ("unassigned_evaluator", False),
    ):
        client.force_login(getattr(personas, persona))
        pdf = client.get(reverse("reports:report_pdf", kwargs={"round_id": review_round.pk}))
        docx = client.get(reverse("reports:report_docx", kwargs={"round_id": review_round.pk}))
        assert (pdf.status_code in (200, 202)) == expected_pdf_like, persona
        assert (docx.status_code == 200) == expected_pdf_like, persona
        if not expected_pdf_like:
            assert docx.status_code == pdf.status_code, persona
    client.logout()
    assert client.get(reverse("reports:report_docx", kwargs={"round_id": review_round.pk})).status_code == 302
    public = client.get(reverse("reports:public_report_docx", kwargs={"round_id": review_round.pk}))
    assert public.status_code == 404


def _admin_form(city: City, upload) -> CityAdminForm:
    data = {
        "name": city.name,
        "country": city.country,
        "procurement_unit": city.procurement_unit,
        "population": city.population or "",
        "timezone": city.timezone,
    }
    return CityAdminForm(data, {"logo_file": upload} if upload else {}, instance=city)


def test_a_coordinator_uploads_a_logo_that_reaches_the_cover(client, personas):
    city = personas.review_round.host_city
    form = _admin_form(city, SimpleUploadedFile("logo.png", png_bytes(), "image/png"))
    assert form.is_valid(), form.errors
    request = RequestFactory().post("/")
    request.user = personas.coordinator
    site._registry[City].save_model(request, city, form, change=True)
    assert CityLogo.objects.get(city=city).content_type == "image/png"
    review_round = personas.review_round
    review_round.state = "drafting"
    review_round.save()
    get_or_create_report(review_round)
    html = report_pdf.render_html(review_round)
    assert 'class="city-logo" src="data:image/png;base64,' in html
    assert f"Logo of {city.name}" in html
    client.force_login(personas.coordinator)
    page = client.get(reverse("reports:report_view", kwargs={"round_id": review_round.pk})).content.decode()
    assert "data:image/png;base64," in page and "Procurement Peer Review Network" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.gif", b"GIF89a", "are not accepted"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable image"),
        ("logo.jpg", png_bytes(), "does not match"),
        ("logo.png", b"<svg onload=alert(1)>", "not a readable image"),
        ("logo.png", png_bytes((4100, 10)), "at most 4000"),
        ("logo.png", b"", "empty"),
    ],
)
def test_a_bad_logo_is_refused_at_the_field(personas, name, content, message):
    form = _admin_form(personas.review_round.host_city, SimpleUploadedFile(name, content, "image/png"))
    assert not form.is_valid()
    assert message in " ".join(form.errors["logo_file"])
