"""Long texts: the small Markdown subset, sanitised, the same on the page and in the PDF, the
editor's server-rendered preview, and the PDF's running header with awkward characters."""

from __future__ import annotations

import io
import subprocess
from html.parser import HTMLParser

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from peerreview.models import Assignment
from reports import pdf as report_pdf
from reports.pdf_ua import struct_elements
from reports.services import get_or_create_report
from reports.text import css_string, markdown_blocks, render_markdown

TEXT = """The panel saw **strong** leadership and *clear* goals; see [the network](https://example.eu).

- market dialogue
- lots for SMEs

1. first step
2. second step"""


def test_the_subset_renders_paragraphs_lists_emphasis_and_links():
    html = render_markdown(TEXT)
    assert "<strong>strong</strong>" in html and "<em>clear</em>" in html
    assert '<a href="https://example.eu" rel="noopener noreferrer nofollow">the network</a>' in html
    assert "<ul>\n<li>market dialogue</li>\n<li>lots for SMEs</li>\n</ul>" in html
    assert "<ol>\n<li>first step</li>" in html
    assert render_markdown("line one\nline two") == "<p>line one<br>\nline two</p>"
    assert render_markdown("") == "" and render_markdown(None) == ""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<img src=x onerror="alert(1)">',
        '<a href="https://evil.example" onclick="x()">x</a>',
        "# heading",
        "![image](https://example.eu/x.png)",
        '<span lang="xx" style="color:red">x</span>',
        '<span lang="sv" onmouseover="x()">x</span>',
        "    indented code",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_anything_else_stays_text(typed):
    """Only the allowed tags and attributes come out, links only to http(s) and mailto."""
    parser = Tags()
    parser.feed(str(render_markdown(typed)))
    for tag, attrs in parser.found:
        assert tag in {"p", "br", "ul", "ol", "li", "strong", "em", "a", "span"}, (typed, tag)
        assert set(attrs) <= {"href", "title", "rel", "lang", "start"}, (typed, attrs)
        assert attrs.get("lang", "en") in {"en", "fi", "sv"}
        assert attrs.get("href", "https:").split(":")[0] in {"http", "https", "mailto"}


def test_a_passage_in_another_language_keeps_its_lang():
    html = render_markdown('Ett citat: <span lang="sv">på svenska</span>.')
    assert '<span lang="sv">på svenska</span>' in html
    runs = markdown_blocks('Ett citat: <span lang="sv">på svenska</span>.')[0].runs
    assert [(run.text, run.lang) for run in runs] == [("Ett citat: ", ""), ("på svenska", "sv"), (".", "")]


def test_blocks_for_word_follow_the_same_parse():
    blocks = markdown_blocks(TEXT)
    assert [block.list_kind for block in blocks] == ["", "bullet", "bullet", "ordered", "ordered"]
    first = blocks[0].runs
    assert any(run.bold and run.text == "strong" for run in first)
    assert any(run.href == "https://example.eu" for run in first)


def test_css_strings_escape_what_css_would_misread():
    name = 'Åbo-Turku "O\'Neil" <b>&=;'
    escaped = css_string(name)
    assert "u002D" not in escaped and '"' not in escaped and "<" not in escaped
    assert escaped.startswith("Åbo\\2D Turku")


@pytest.mark.django_db
def test_formatting_and_awkward_names_reach_the_pdf(personas, tmp_path):
    review_round = personas.review_round
    review_round.title = "Tampere -'\";<>&= 2026"
    review_round.state = "drafting"
    review_round.save()
    review_round.host_city.name = "Tampere-Tammerfors"
    review_round.host_city.save()
    report = get_or_create_report(review_round)
    plain = _kinds(report_pdf.render_pdf(review_round).pdf).count("/L")
    report.executive_summary = TEXT
    report.save()
    rendered = report_pdf.render_pdf(review_round)
    assert _kinds(rendered.pdf).count("/L") == plain + 2  # the bulleted and the numbered list of the summary
    path = tmp_path / "report.pdf"
    path.write_bytes(rendered.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "u002D" not in text and "\\" not in text
    assert "Tampere-Tammerfors · Tampere -'\";<>&= 2026" in text  # the running footer, intact
    assert "market dialogue" in text and "strong" in text


def _kinds(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [str(element.get("/S")) for element, _parent in struct_elements(pdf.Root.StructTreeRoot)]


@pytest.mark.django_db
def test_the_preview_is_the_reports_rendering(client, personas):
    url = reverse("reports:text_preview", kwargs={"round_id": personas.review_round.pk})
    client.force_login(personas.assigned_evaluator)
    response = client.post(url, {"text": TEXT + "\n\n<script>alert(1)</script>"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body == str(render_markdown(TEXT + "\n\n<script>alert(1)</script>"))
    assert "<script" not in body
    assert client.get(url).status_code == 405
    client.force_login(personas.other_city_member)
    assert client.post(url, {"text": "x"}).status_code == 404
    client.force_login(personas.assigned_evaluator)
    edit = client.get(reverse("reports:report_edit", kwargs={"round_id": personas.review_round.pk}))
    if edit.status_code == 200:
        assert 'id="text-format-help"' in edit.content.decode() and "data-markdown" in edit.content.decode()


@pytest.mark.django_db
def test_the_city_previews_its_context_and_sees_it_formatted(client, personas):
    from peerreview.services.rounds import prepare_prereport

    review_round = personas.review_round
    review_round.state = "prereport_open"
    review_round.save()
    prereport = prepare_prereport(review_round)
    prereport.context = "Spend:\n\n- **EUR 1.2 bn** a year"
    prereport.save()
    client.force_login(personas.host_member)
    page = client.get(
        reverse("peerreview:prereport_edit", kwargs={"round_id": review_round.pk})
    ).content.decode()
    assert 'id="text-format-help"' in page and "data-markdown" in page
    review_round.state = "scoring"  # submitted: the pre-report is read, formatted as in the report
    review_round.save()
    page = client.get(
        reverse("peerreview:prereport_edit", kwargs={"round_id": review_round.pk})
    ).content.decode()
    assert "<li><strong>EUR 1.2 bn</strong> a year</li>" in page


@pytest.mark.django_db
def test_the_lead_previews_the_agreed_scores_rationale(client, personas):
    """The rationale is shown formatted in the report, so its editor offers the same preview."""
    review_round = personas.review_round
    review_round.state = "assessment"
    review_round.save()
    Assignment.objects.filter(round=review_round, evaluator=personas.assigned_evaluator).update(
        scores_submitted_at=timezone.now()
    )
    client.force_login(personas.assigned_evaluator)
    page = client.get(reverse("peerreview:score_overview", kwargs={"round_id": review_round.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="text-format-help"' in body
    assert body.count("data-markdown") == len(page.context["rows"])
