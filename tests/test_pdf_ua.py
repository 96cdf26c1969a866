"""The report's PDF meets PDF/UA-1, checked on the produced file with our own Matterhorn checker
(`reports.pdf_ua.check_pdf_ua`; veraPDF cannot be installed here) and with poppler's tools.

Every demo report is rendered in English, Finnish and Swedish; every structure element and
every page of each is checked. The checker is also shown to catch each problem it knows in
WeasyPrint's raw output, so it cannot pass by checking nothing.
"""

from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from weasyprint import HTML

from reports import pdf as report_pdf
from reports.models import SummaryReport
from reports.pdf_ua import anchor_descriptions, check_pdf_ua, marked_languages

LANGUAGES = ["en", "fi", "sv"]


@pytest.fixture
def demo_reports(db):
    call_command("seed_demo", verbosity=0)
    reports = list(SummaryReport.objects.select_related("round__host_city").order_by("round_id"))
    # One report of each step (the library's earlier published reports are shaped like Tampere's).
    one_per_state = list({report.round.state: report for report in reports}.values())
    assert len(one_per_state) >= 2, "the demo has published and draft reports"
    return one_per_state


def poppler(tool: str, path) -> str:
    return subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_every_demo_report_passes_the_pdf_ua_checks_in_every_language(demo_reports, tmp_path):
    failures = {}
    for report in demo_reports:
        review_round = report.round
        report.text_language = "en"  # the demo's texts are in English, whatever the report's language
        report.save(update_fields=["text_language"])
        for language in LANGUAGES:
            review_round.language = language
            review_round.save(update_fields=["language"])
            rendered = report_pdf.render_pdf(review_round)
            # The demo's texts are English: in a Finnish or Swedish report they are tagged so.
            others = marked_languages(rendered.html) - {language}
            assert others == ({"en"} if language != "en" else set()), others
            problems = check_pdf_ua(rendered.pdf, language=language, other_languages=others)
            if problems:
                failures[f"{review_round.host_city.name} ({language})"] = problems
            path = tmp_path / f"{review_round.pk}-{language}.pdf"
            path.write_bytes(rendered.pdf)
            info = poppler("pdfinfo", path)
            assert "Tagged:          yes" in info
            assert "Title:           " in info and review_round.host_city.name in info
            fonts = poppler("pdffonts", path).splitlines()[2:]
            assert fonts, "the PDF uses fonts"
            assert all(line.split()[-5] == "yes" for line in fonts), "every font embedded:\n" + "\n".join(
                fonts
            )
    assert not failures, failures


@pytest.mark.django_db
def test_the_checker_catches_what_weasyprint_leaves(demo_reports):
    """WeasyPrint's own PDF/UA-1 output, unfinished, fails on each known rule."""
    report = next(report for report in demo_reports if report.round.state == "published")
    html = report_pdf.render_html(report.round)
    raw = HTML(string=html, base_url=report_pdf.base_url()).write_pdf(pdf_variant="pdf/ua-1")
    problems = "\n".join(check_pdf_ua(raw, language=report.round.language))
    assert "TH without /Scope" in problems
    assert "L with a /NonStruct child" in problems
    assert "with /ID but the structure tree has no /IDTree" in problems
    assert "neither an artifact nor in the structure tree" in problems
    assert "link annotation without a description" in problems
    assert "PDF/A-2a identification" in problems
    assert "pdfuaid" not in problems  # WeasyPrint's pdf/ua-1 variant does identify itself


def test_link_descriptions_name_the_target_heading():
    html = (
        '<html lang="en"><body><section id="report-findings"><h2>7. Findings</h2><p>Long text</p></section>'
        '<table><tr id="AP-1"><td>AP-1</td><td>Adopt an indicator set</td></tr></table></body></html>'
    )
    descriptions = anchor_descriptions(html)
    assert descriptions["report-findings"] == "7. Findings"
    assert "Adopt an indicator set" in descriptions["AP-1"]
