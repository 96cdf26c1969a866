"""The report's charts as hand-written SVG: horizontal bars on the 0–4 maturity scale, one group
per theme (the maturity profile) or per criterion (one chart per theme), with the series the city's
self-score, the panel's agreed score and, in a repeat round, the agreed score of the earlier review.
Drawn on the server so the web page and the PDF show the same picture; embedded as
`<img src="data:…" alt="…">` with the same numbers as a table beside it.

Colours are Okabe–Ito (safe for colour-blind readers); the self-score is also hatched and the
earlier review drawn in outline, and every bar carries its value as text, so the chart reads in
black and white too. Every text is in the active language (the report's, see reports.document).
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _

SCALE_MAX = 4
WIDTH = 680
LABEL_WIDTH = 230
RIGHT_MARGIN = 40
TOP = 58
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 16
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
TEXT = "#1a1a1a"
# (fill, stroke) per series: self-score hatched orange, agreed solid blue, earlier review outlined.
STYLES = (("url(#hatch)", "#E69F00"), ("#0072B2", "#0072B2"), ("#ffffff", "#555555"))


@dataclass(frozen=True)
class ChartRow:
    label: str
    values: tuple[float | None, ...]

    @property
    def first(self) -> float | None:
        return self.values[0]

    @property
    def second(self) -> float | None:
        return self.values[1] if len(self.values) > 1 else None


@dataclass(frozen=True)
class Chart:
    svg: str
    alt: str
    series: tuple[str, ...]
    rows: tuple[ChartRow, ...]

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def _number(value: float | None) -> str:
    """A score with one decimal in the active language's notation ("2,7" in Finnish)."""
    return _("not scored") if value is None else formats.number_format(value, 1)


def _bar(x0: float, y: float, length: float, index: int, value: float | None) -> list[str]:
    parts = []
    fill, stroke = STYLES[index % len(STYLES)]
    if value is not None and length > 0:
        dash = ' stroke-dasharray="3 2"' if index == 2 else ""
        parts.append(
            f'<rect x="{x0:.1f}" y="{y:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1"{dash}/>'
        )
    parts.append(
        f'<text x="{x0 + max(length, 0) + 5:.1f}" y="{y + BAR_HEIGHT - 3:.1f}" font-size="10.5" '
        f'fill="{TEXT}">{escape(_number(value))}</text>'
    )
    return parts


def render_svg(rows: list[ChartRow], series: tuple[str, ...], title: str) -> str:
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    count = max(len(series), 1)
    group_height = count * BAR_HEIGHT + (count - 1) * BAR_GAP
    height = TOP + len(rows) * (group_height + GROUP_GAP) + 30
    x0 = LABEL_WIDTH
    axis_label = _("maturity level 0–4")

    def x_of(value: float) -> float:
        return x0 + plot_width * value / SCALE_MAX

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">',
        f"<title>{escape(title)}</title>",
        "<defs>"
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{STYLES[0][1]}"/>'
        "</pattern></defs>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    # legend, from the left edge of the labels so three series fit
    legend_x = 10
    for index, name in enumerate(series):
        fill, stroke = STYLES[index % len(STYLES)]
        out.append(f'<rect x="{legend_x}" y="8" width="18" height="12" fill="{fill}" stroke="{stroke}"/>')
        out.append(f'<text x="{legend_x + 24}" y="18" font-size="11" fill="{TEXT}">{escape(name)}</text>')
        legend_x += 34 + int(6.2 * len(name))
    # grid and scale
    axis_bottom = height - 26
    for tick in range(SCALE_MAX + 1):
        x = x_of(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{axis_bottom}" '
            f'stroke="{"#555555" if tick == 0 else "#cccccc"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{axis_bottom + 14}" font-size="11" text-anchor="middle" '
            f'fill="{TEXT}">{tick}</text>'
        )
    out.append(
        f'<text x="{x0 + plot_width / 2:.1f}" y="{TOP - 14}" font-size="11" text-anchor="middle" '
        f'fill="#444444">{escape(axis_label)}</text>'
    )
    # bars
    y = TOP
    for row in rows:
        lines = textwrap.wrap(row.label, 34)[:3] or [""]
        label_top = y + group_height / 2 - (len(lines) - 1) * 7 + 4
        for number, line in enumerate(lines):
            out.append(
                f'<text x="{x0 - 8}" y="{label_top + number * 14:.1f}" font-size="12" text-anchor="end" '
                f'fill="{TEXT}">{escape(line)}</text>'
            )
        for index, value in enumerate(row.values):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            length = x_of(value) - x0 if value is not None else 0
            out.extend(_bar(x0, bar_y, length, index, value))
        y += group_height + GROUP_GAP
    out.append("</svg>")
    return "\n".join(out)


def _series(document) -> tuple[str, ...]:
    names = (_("Self-score"), _("Panel's agreed score"))
    if document.previous_round is not None:
        names += (_("Earlier review: agreed score"),)
    return names


def _chart(rows: tuple[ChartRow, ...], series: tuple[str, ...], title: str, empty: str) -> Chart:
    described = "; ".join(
        _("%(label)s: %(values)s")
        % {
            "label": row.label,
            "values": ", ".join(
                f"{name.lower()} {_number(value)}" for name, value in zip(series, row.values, strict=True)
            ),
        }
        for row in rows
    )
    alt = f"{title}. {described}." if rows else f"{title}. {empty}"
    return Chart(svg=render_svg(list(rows), series, title), alt=alt, series=series, rows=rows)


def maturity_chart(document) -> Chart:
    """The maturity profile of a `reports.document.ReportDocument`: the mean per theme."""
    repeat = document.previous_round is not None
    rows = tuple(
        ChartRow(
            label=f"{section.theme.code} – {section.theme.title}",
            values=(section.mean_self_score, section.mean_agreed_score)
            + ((section.mean_previous_agreed_score,) if repeat else ()),
        )
        for section in document.scored_themes
    )
    title = _("Maturity profile: mean score per theme on the scale 0–4")
    return _chart(rows, _series(document), title, _("No scored themes."))


def _level(score) -> float | None:
    return None if score is None or score.not_applicable else float(score.level)


def criterion_chart(document, section) -> Chart:
    """The scores of each criterion of one theme (a `reports.document.ThemeSection`)."""
    repeat = document.previous_round is not None
    rows = []
    for entry in section.entries:
        scores = entry.scores
        if scores is None:
            continue
        self_score = (
            None if scores.self_not_applicable or scores.self_score is None else float(scores.self_score)
        )
        values = (self_score, _level(scores.agreed))
        if repeat:
            values += (_level(scores.previous_agreed),)
        rows.append(
            ChartRow(label=f"{entry.finding.criterion.code} {entry.finding.criterion.title}", values=values)
        )
    title = _("Scores per criterion of %(theme)s on the scale 0–4") % {
        "theme": f"{section.theme.code} – {section.theme.title}"
    }
    return _chart(tuple(rows), _series(document), title, _("No scored criteria."))
