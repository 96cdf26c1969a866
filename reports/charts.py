"""The maturity profile of a report as a hand-written SVG: horizontal bars per theme on the
0–4 scale, two series (self-score vs the panel's agreed score; in a repeat round the earlier
agreed score vs the current one). Drawn on the server so the web page and the PDF show the
same picture; embedded as `<img src="data:…" alt="…">` with the same numbers as a table beside it.

Colours are Okabe–Ito (safe for colour-blind readers) and the first series is also hatched,
and every bar carries its value as text, so the chart reads in black and white too."""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

SCALE_MAX = 4
WIDTH = 680
LABEL_WIDTH = 230
RIGHT_MARGIN = 40
TOP = 58
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 18
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
COLOURS = ("#E69F00", "#0072B2")  # Okabe–Ito orange (hatched) and blue (solid)
TEXT = "#1a1a1a"


@dataclass(frozen=True)
class ChartRow:
    label: str
    first: float | None
    second: float | None


@dataclass(frozen=True)
class Chart:
    svg: str
    alt: str
    series: tuple[str, str]
    rows: tuple[ChartRow, ...]

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def _number(value: float | None) -> str:
    return _("not scored") if value is None else f"{value:.1f}"


def _bar(x0: float, y: float, length: float, index: int, value: float | None) -> list[str]:
    parts = []
    if value is not None and length > 0:
        fill = "url(#hatch)" if index == 0 else COLOURS[1]
        parts.append(
            f'<rect x="{x0:.1f}" y="{y:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{fill}" stroke="{COLOURS[index]}" stroke-width="1"/>'
        )
    parts.append(
        f'<text x="{x0 + max(length, 0) + 5:.1f}" y="{y + BAR_HEIGHT - 4:.1f}" font-size="11" '
        f'fill="{TEXT}">{escape(_number(value))}</text>'
    )
    return parts


def render_svg(rows: list[ChartRow], series: tuple[str, str], title: str) -> str:
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    group_height = 2 * BAR_HEIGHT + BAR_GAP
    height = TOP + len(rows) * (group_height + GROUP_GAP) + 30
    x0 = LABEL_WIDTH

    def x_of(value: float) -> float:
        return x0 + plot_width * value / SCALE_MAX

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">',
        f"<title>{escape(title)}</title>",
        "<defs>"
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{COLOURS[0]}"/>'
        "</pattern></defs>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    # legend
    legend_x = x0
    for index, name in enumerate(series):
        fill = "url(#hatch)" if index == 0 else COLOURS[1]
        out.append(
            f'<rect x="{legend_x}" y="8" width="18" height="12" fill="{fill}" stroke="{COLOURS[index]}"/>'
        )
        out.append(f'<text x="{legend_x + 24}" y="18" font-size="12" fill="{TEXT}">{escape(name)}</text>')
        legend_x += 30 + 7 * len(name)
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
        f'fill="#444444">{escape(_("maturity level 0–4"))}</text>'
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
        for index, value in enumerate((row.first, row.second)):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            length = x_of(value) - x0 if value is not None else 0
            out.extend(_bar(x0, bar_y, length, index, value))
        y += group_height + GROUP_GAP
    out.append("</svg>")
    return "\n".join(out)


def maturity_chart(document) -> Chart:
    """The maturity profile of a `reports.services.ReportDocument`."""
    repeat = document.previous_round is not None
    if repeat:
        series = (_("Earlier review: agreed score"), _("This review: agreed score"))
    else:
        series = (_("Self-score"), _("Panel's agreed score"))
    rows = tuple(
        ChartRow(
            label=f"{section.theme.code} – {section.theme.title}",
            first=section.mean_previous_agreed_score if repeat else section.mean_self_score,
            second=section.mean_agreed_score,
        )
        for section in document.scored_themes
    )
    title = _("Maturity profile: mean score per theme on the scale 0–4")
    described = "; ".join(
        _("%(theme)s: %(first_name)s %(first)s, %(second_name)s %(second)s")
        % {
            "theme": row.label,
            "first_name": series[0].lower(),
            "first": _number(row.first),
            "second_name": series[1].lower(),
            "second": _number(row.second),
        }
        for row in rows
    )
    alt = f"{title}. {described}." if rows else f"{title}. {_('No scored themes.')}"
    return Chart(svg=render_svg(list(rows), series, title), alt=alt, series=series, rows=rows)
