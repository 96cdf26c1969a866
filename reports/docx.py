"""The report as a Word document (python-docx), for cities that circulate it internally for
comments: the same sections, headings and tables as the page and the PDF, in the report's
language, with Word's own heading, list and table styles (so its navigation pane and a screen
reader find the structure). Texts written in another language carry that language as their
proofing language. The charts are given as their data tables (python-docx cannot embed SVG).

Built in the request: it is about 150 ms of XML (style ids looked up once), not a layout like the PDF."""

from __future__ import annotations

import io

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from peerreview.models import MATURITY_LABELS

from .document import ReportDocument
from .text import Block, markdown_blocks

LIST_STYLES = {"bullet": ("List Bullet", "List Bullet 2"), "ordered": ("List Number", "List Number 2")}


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "–"


def _maturity(level) -> str:
    return _("not scored") if level is None else str(MATURITY_LABELS.get(int(level), level))


def _number(value) -> str:
    return _("not scored") if value is None else formats.number_format(value, 1)


class _Writer:
    def __init__(self, document: ReportDocument) -> None:
        self.report = document
        self.doc = Document()
        self.text_lang = document.text_lang
        self._set_language(self.doc.styles["Normal"].element, document.language)
        style = self.doc.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(10.5)
        for section in self.doc.sections:
            section.left_margin = section.right_margin = Cm(2)
        self._style_ids: dict[str, str] = {}

    def _style_id(self, name: str) -> str:
        """A built-in style's id, looked up once: python-docx resolves a style name on every
        paragraph by scanning all styles (and again for the default), which was most of the
        time spent building a report."""
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.styles[name].style_id
        return self._style_ids[name]

    def styled(self, style: str, text: str = "", container=None):
        """A new paragraph (in the document or in a table cell) with a named paragraph style."""
        paragraph = (container if container is not None else self.doc).add_paragraph(text)
        paragraph._p.style = self._style_id(style)
        return paragraph

    def grid(self, rows: int, cols: int):
        table = self.doc.add_table(rows=rows, cols=cols)
        table._tbl.tblStyle_val = self._style_id("Table Grid")
        return table

    # --- low-level helpers --------------------------------------------------------------------

    @staticmethod
    def _set_language(element, language: str) -> None:
        """Word's proofing (and screen readers') language of a style or a run."""
        properties = element.get_or_add_rPr()
        lang = properties.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            properties.append(lang)
        lang.set(qn("w:val"), language)

    def heading(self, text: str, level: int) -> None:
        self.styled("Title" if level == 0 else f"Heading {level}", text)

    def paragraph(self, text: str = "", *, bold: bool = False, written: bool = False):
        paragraph = self.doc.add_paragraph()
        if text:
            run = paragraph.add_run(text)
            run.bold = bold
            if written and self.text_lang:
                self._set_language(run._element, self.text_lang)
        return paragraph

    def _hyperlink(self, paragraph, url: str, text: str, lang: str) -> None:
        part = paragraph.part
        relation = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), relation)
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "Hyperlink")
        properties.append(style)
        underline = OxmlElement("w:u")
        underline.set(qn("w:val"), "single")
        properties.append(underline)
        if lang:
            language = OxmlElement("w:lang")
            language.set(qn("w:val"), lang)
            properties.append(language)
        run.append(properties)
        text_element = OxmlElement("w:t")
        text_element.text = text
        text_element.set(qn("xml:space"), "preserve")
        run.append(text_element)
        link.append(run)
        paragraph._p.append(link)

    def _blocks(self, blocks: list[Block], container=None) -> None:
        for block in blocks:
            if container is not None:
                paragraph = container.add_paragraph()
            elif block.list_kind:
                styles = LIST_STYLES[block.list_kind]
                paragraph = self.styled(styles[min(block.level, 1)])
            else:
                paragraph = self.doc.add_paragraph()
            if container is not None and block.list_kind:
                paragraph.add_run("• " if block.list_kind == "bullet" else "– ")
            for run_spec in block.runs:
                lang = run_spec.lang or self.text_lang
                if run_spec.href:
                    self._hyperlink(paragraph, run_spec.href, run_spec.text, lang)
                    continue
                if run_spec.text == "\n":
                    paragraph.add_run().add_break()
                    continue
                run = paragraph.add_run(run_spec.text)
                run.bold = run_spec.bold or None
                run.italic = run_spec.italic or None
                if lang:
                    self._set_language(run._element, lang)

    def text(self, value: str | None, *, empty: str = "") -> None:
        """A long text written in the platform (the Markdown subset, see reports/text.py)."""
        blocks = markdown_blocks(value)
        if blocks:
            self._blocks(blocks)
        elif empty:
            self.paragraph(empty)

    def table(self, headers: list[str], rows: list[list], *, caption: str = "", row_headers: bool = True):
        """A table with a repeated header row; cells are strings or ("text", True) for written text."""
        if caption:
            caption_paragraph = self.styled("Caption")
            caption_paragraph.add_run(caption)
        table = self.grid(1, len(headers))
        header = table.rows[0]
        header_properties = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_properties.append(repeat)
        for cell, label in zip(header.cells, headers, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(str(label)).bold = True
        for values in rows:
            cells = table.add_row().cells
            for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
                cell.text = ""
                if isinstance(value, tuple):  # (text, written in the platform)
                    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
                    blocks = markdown_blocks(value[0])
                    if blocks:
                        self._blocks(blocks, container=cell)
                    else:
                        cell.add_paragraph("–")
                    continue
                run = cell.paragraphs[0].add_run("–" if value in (None, "") else str(value))
                if index == 0 and row_headers:
                    run.bold = True
        self.doc.add_paragraph()
        return table

    def pairs(self, items: list[tuple[str, str]]) -> None:
        table = self.grid(0, 2)
        for label, value in items:
            cells = table.add_row().cells
            cells[0].text = ""
            cells[0].paragraphs[0].add_run(str(label)).bold = True
            cells[1].text = str(value) if value not in (None, "") else "–"
        self.doc.add_paragraph()

    # --- the report -----------------------------------------------------------------------------

    def write(self) -> bytes:
        document = self.report
        review_round, report = document.review_round, document.report
        self.doc.core_properties.title = _("Summary report: %(title)s") % {"title": review_round.title}
        self.doc.core_properties.language = document.language
        self.doc.core_properties.author = _("The peer-review panel")
        self.cover()
        self.about()
        self.summary()
        self.purpose()
        self.process()
        self.context()
        self.repeat()
        self.findings()
        self.actions()
        self.indicators()
        self.heading("10. " + _("The city's response"), 1)
        self.text(report.city_response, empty=_("The city has not given a response."))
        self.next_steps()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def cover(self) -> None:
        document = self.report
        review_round = document.review_round
        city = review_round.host_city
        if document.network_name:
            self.paragraph(document.network_name.upper())
        self.paragraph(_("Peer review of public procurement") + " · " + _("Summary report"))
        if document.logo is not None:
            self.doc.add_picture(io.BytesIO(bytes(document.logo.image)), height=Cm(2.5))
            picture = self.doc.inline_shapes[-1]._inline.docPr
            picture.set("descr", _("Logo of %(city)s") % {"city": city.name})  # its alternative text
            self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.LEFT
        self.heading(review_round.title, 0)
        self.paragraph(f"{city.name} – {city.procurement_unit}")
        status = review_round.get_state_display()
        if document.is_draft:
            status = f"{pgettext('report status', 'DRAFT')} · {status}"
        self.pairs(
            [
                (_("Date"), _date(document.cover_date)),
                (_("Status"), status),
            ]
        )

    def about(self) -> None:
        document = self.report
        review_round, report, prereport = document.review_round, document.report, document.prereport
        city = review_round.host_city
        self.heading("1. " + _("About this review"), 1)
        if document.is_draft:
            self.paragraph(_("This report is not published. It may change after the city's factual check."))
        self.pairs(
            [
                (_("City"), f"{city.name} ({city.get_country_display()})"),
                (_("Procurement unit"), city.procurement_unit),
                (_("Round"), review_round.title),
                (
                    _("Framework"),
                    f"{review_round.framework.name}, "
                    + _("version %(version)s") % {"version": review_round.framework.version},
                ),
                (_("Status"), review_round.get_state_display()),
                (_("Pre-report opened"), _date(review_round.opens_on)),
                (_("Pre-report submitted"), _date(prereport.submitted_at if prereport else None)),
                (_("Assessment days"), ", ".join(_date(day.date) for day in document.assessment_days) or "–"),
                (
                    _("Published"),
                    _date(report.published_at) if report.published_at else _("not yet published"),
                ),
            ]
        )
        self.heading(_("The panel"), 2)
        for assignment in document.panel:
            home = getattr(getattr(assignment.evaluator, "evaluator_profile", None), "home_city", None)
            where = f", {home.name}" if home else ""
            self.styled(
                "List Bullet", f"{assignment.evaluator.full_name}{where} – {assignment.get_role_display()}"
            )
        if not document.panel:
            self.paragraph(_("No evaluators have accepted yet."))

    def summary(self) -> None:
        document = self.report
        self.heading("2. " + _("Executive summary"), 1)
        self.text(document.report.executive_summary)
        self.heading(_("Maturity profile"), 2)
        chart = document.maturity_chart
        self.table(
            [_("Theme"), *chart.series],
            [[row.label, *(_number(value) for value in row.values)] for row in chart.rows],
            caption=_(
                "Mean score per theme on the maturity scale 0–4; “not applicable” is left out of the means."
            ),
        )
        self.heading(_("Key strengths"), 2)
        self.text(document.report.key_strengths)
        self.heading(_("Priority actions"), 2)
        for proposal in document.priority_actions:
            paragraph = self.styled("List Bullet")
            paragraph.add_run(f"{proposal.reference} ")
            run = paragraph.add_run(proposal.title)
            if self.text_lang:
                self._set_language(run._element, self.text_lang)
        if not document.priority_actions:
            self.paragraph(_("No action proposal has high priority."))

    def purpose(self) -> None:
        document = self.report
        self.heading("3. " + _("Purpose, scope and the city's guiding questions"), 1)
        self.text(document.report.purpose_and_scope)
        self.heading(_("The city's guiding questions"), 2)
        questions = document.prereport.guiding_questions if document.prereport else []
        for question in questions or []:
            paragraph = self.styled("List Number")
            run = paragraph.add_run(str(question))
            if self.text_lang:
                self._set_language(run._element, self.text_lang)
        if not questions:
            self.paragraph(_("The city did not set guiding questions of its own."))

    def process(self) -> None:
        document = self.report
        prereport = document.prereport
        self.heading("4. " + _("Process"), 1)
        self.heading(_("Pre-report"), 2)
        if prereport is not None and prereport.submitted_at:
            self.paragraph(
                _("The city submitted its pre-report on %(date)s.") % {"date": _date(prereport.submitted_at)}
            )
        else:
            self.paragraph(_("The pre-report has not been submitted."))
        self.heading(_("Panel and conflict statement"), 2)
        self.text(document.report.process_notes)
        self.heading(_("Assessment-day programme"), 2)
        for day in document.assessment_days:
            caption = formats.date_format(day.date, "l j F Y") + (f", {day.location}" if day.location else "")
            rows = [
                [
                    f"{formats.time_format(session.start_time, 'H:i')}–{formats.time_format(session.end_time, 'H:i')}",
                    (session.topic, True),
                    ", ".join(str(i.get_role_display()) for i in session.interviewees.all()) or "–",
                    ", ".join(c.code for c in session.criteria.all()) or "–",
                ]
                for session in day.sessions.all()
            ]
            self.table(
                [_("Time"), _("Topic"), _("Interviewees by role"), _("Criteria probed")],
                rows,
                caption=caption,
            )
        if not document.assessment_days:
            self.paragraph(_("No assessment days recorded."))
        self.heading(_("Interviewees by role"), 2)
        if document.interviewees_by_role:
            self.table(
                [_("Role"), _("Interviewees"), _("Named with consent")],
                [[g.role, str(g.count), ", ".join(g.names) or "–"] for g in document.interviewees_by_role],
                caption=_("People are named only when they agreed to be named in the report."),
            )
        else:
            self.paragraph(_("No interviewees recorded."))

    def context(self) -> None:
        document = self.report
        city = document.review_round.host_city
        self.heading("5. " + _("Context of the city and its procurement"), 1)
        spend = city.annual_procurement_spend_eur
        self.pairs(
            [
                (_("Country"), city.get_country_display() + (f", {city.region}" if city.region else "")),
                (
                    _("Population"),
                    formats.number_format(city.population, 0, force_grouping=True)
                    if city.population
                    else "–",
                ),
                (
                    _("Annual procurement spend"),
                    f"{formats.number_format(spend, 0, force_grouping=True)} €" if spend else "–",
                ),
                (_("Working languages"), city.languages or "–"),
            ]
        )
        self.text(document.prereport.context if document.prereport else "")

    def repeat(self) -> None:
        document = self.report
        self.heading("6. " + _("Earlier review"), 1)
        previous = document.previous_round
        if previous is None:
            self.paragraph(
                _("This is the unit's first review; there are no earlier action proposals to follow up.")
            )
            return
        self.paragraph(
            _(
                "This is a repeat round of “%(title)s”. The city reported its progress on each action "
                "proposal of that review; the panel's agreed scores then and now follow."
            )
            % {"title": previous.title}
        )
        self.heading(_("Progress on the earlier action proposals"), 2)
        if document.follow_ups:
            self.table(
                [_("ID"), _("Earlier proposal"), _("Status"), _("The city's evidence of progress")],
                [
                    [f.proposal.reference, (f.proposal.title, True), f.status_label, (f.evidence, True)]
                    for f in document.follow_ups
                ],
            )
        else:
            self.paragraph(_("The earlier review made no action proposals."))
        self.heading(_("Change in the panel's agreed scores"), 2)
        self.table(
            [_("Criterion"), _("Earlier"), _("Now"), _("Change")],
            [
                [
                    f"{row.criterion.code} {row.criterion.title}",
                    _maturity(row.earlier_level),
                    _maturity(row.now_level),
                    "–" if row.change is None else f"{row.change:+d}",
                ]
                for row in document.score_changes
            ],
            caption=_("Agreed score per criterion, in the earlier review and now"),
        )

    def findings(self) -> None:
        document = self.report
        self.heading("7. " + _("Findings"), 1)
        for section in document.themes:
            self.heading(f"{section.theme.code} – {section.theme.title}", 2)
            chart = section.criterion_chart
            if chart is not None and chart.rows:
                self.table(
                    [_("Criterion"), *chart.series],
                    [
                        [row.label, *("–" if v is None else formats.number_format(v, 0) for v in row.values)]
                        for row in chart.rows
                    ],
                    caption=_("Scores per criterion of %(theme)s on the maturity scale 0–4")
                    % {"theme": section.theme.code},
                )
            for entry in section.entries:
                finding, scores = entry.finding, entry.scores
                self.heading(f"{finding.criterion.code} {finding.criterion.title}", 3)
                if scores is not None:
                    self_score = (
                        _("not applicable") if scores.self_not_applicable else _maturity(scores.self_score)
                    )
                    agreed = scores.agreed
                    agreed_text = (
                        _("not applicable")
                        if agreed is not None and agreed.not_applicable
                        else _maturity(agreed.level if agreed else None)
                    )
                    self.pairs([(_("Self-score"), self_score), (_("Panel's agreed score"), agreed_text)])
                    if agreed is not None and agreed.rationale:
                        self.paragraph(_("Rationale"), bold=True)
                        self.text(agreed.rationale)
                for label, value in (
                    (_("Evidence seen"), finding.evidence),
                    (_("Strengths"), finding.strengths),
                    (_("Areas to develop"), finding.areas_to_develop),
                    (_("Good practice"), finding.good_practice),
                ):
                    if value:
                        self.paragraph(label, bold=True)
                        self.text(value)
                if finding.is_empty():
                    self.paragraph(_("No findings recorded for this criterion."))

    def actions(self) -> None:
        document = self.report
        self.heading("8. " + _("Action proposals"), 1)
        if not document.action_proposals:
            self.paragraph(_("No action proposals yet."))
            return
        self.table(
            [
                _("ID"),
                _("Criterion"),
                _("Proposal"),
                _("Priority"),
                _("Owner"),
                _("Timeframe"),
                _("Success indicator"),
            ],
            [
                [
                    p.reference,
                    f"{p.criterion.code} {p.criterion.title}" if p.criterion else _("the whole unit"),
                    (f"**{p.title}**" + (f"\n\n{p.description}" if p.description else ""), True),
                    p.get_priority_display(),
                    (p.owner, True),
                    (p.timeframe, True),
                    (p.success_indicator, True),
                ]
                for p in document.action_proposals
            ],
            caption=_("The action proposals become the follow-up register of the repeat round."),
        )

    def indicators(self) -> None:
        document = self.report
        self.heading("9. " + _("Indicator annex"), 1)
        table = document.indicators
        if not table.rows:
            self.paragraph(_("The city reported no indicator values."))
            return
        self.table(
            [_("Indicator"), *(str(year) for year in table.years), _("Source")],
            [
                [
                    row.indicator.name + (f" ({row.indicator.unit})" if row.indicator.unit else ""),
                    *(
                        "–" if value is None else formats.number_format(value, decimal_pos=None)
                        for value in row.values
                    ),
                    ("; ".join(row.sources), True),
                ]
                for row in table.rows
            ],
            caption=_("Indicator values reported by the city in its pre-report, per year"),
        )

    def next_steps(self) -> None:
        document = self.report
        review_round = document.review_round
        self.heading("11. " + _("Next steps"), 1)
        self.text(document.report.next_steps)
        repeat = document.repeat_round
        if repeat is not None and repeat.opens_on:
            self.paragraph(_("The repeat round opens on %(date)s.") % {"date": _date(repeat.opens_on)})
        else:
            months = review_round.repeat_interval_months
            self.paragraph(
                ngettext(
                    "The repeat round opens %(months)s month after publication.",
                    "The repeat round opens %(months)s months after publication.",
                    months,
                )
                % {"months": months}
            )


def report_docx(document: ReportDocument) -> bytes:
    """The report as .docx bytes, in the report's language whatever the reader's."""
    with translation.override(document.language):
        return _Writer(document).write()
