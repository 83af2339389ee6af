"""Charts and the map drawn by the server as SVG: readable without JavaScript, styled by site.css.

Each function returns the SVG markup (safe to put in a page) of one figure;
the page puts a caption and a table of the same numbers beside it, which is
the figure's text equivalent. No style attribute (the CSP forbids inline
styles): classes that site.css and pdf.css colour.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from campaign.departements import DEPARTEMENTS
from petitions.templatetags.petitions import grouped

MAP_FILE = Path(__file__).resolve().parent / "static" / "petitions" / "departements.svg"

# Classes of the map: 0 (no signature) then CLASSES classes by quantile.
CLASSES = 5


def daily_series(days: tuple[tuple[date, int], ...], first: date, last: date) -> list[tuple[date, int]]:
    """Every day from ``first`` to ``last``, with 0 where nobody signed."""
    counts = dict(days)
    if days:
        first = min(first, days[0][0])
        last = max(last, days[-1][0])
    length = (last - first).days + 1
    return [(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(max(length, 1))]


def _nice_step(maximum: int) -> int:
    """A round step (1, 2, 5 × 10^n) giving three to five grid lines up to ``maximum``."""
    if maximum <= 4:
        return 1
    raw = maximum / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover


def day_chart(series: list[tuple[date, int]], *, title_id: str) -> SafeString:
    """Bars, one a day, with grid lines labelled and the first and last days named under the axis."""
    width, height = 720, 260
    left, right, top, bottom = 56, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max((n for _, n in series), default=0)
    step = _nice_step(maximum)
    ceiling = max(step * math.ceil(maximum / step), step) if maximum else step * 4
    slot = plot_w / len(series)
    bar = max(slot * 0.8, 0.5)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">'
    ]
    for value in range(0, ceiling + 1, step):
        y = top + plot_h - value * plot_h / ceiling
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="chart-label" x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{grouped(value)}</text>'
        )
    for index, (_, count) in enumerate(series):
        if count:
            h = count * plot_h / ceiling
            x = left + index * slot + (slot - bar) / 2
            parts.append(
                f'<rect class="chart-bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}"/>'
            )
    axis_y = top + plot_h
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}"/>')
    first, last = series[0][0], series[-1][0]
    parts.append(f'<text class="chart-label" x="{left}" y="{height - 12}">{escape(date_format(first, "j M Y"))}</text>')
    if last != first:
        parts.append(
            f'<text class="chart-label" x="{width - right}" y="{height - 12}" text-anchor="end">'
            f"{escape(date_format(last, 'j M Y'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped dates


def role_bars(rows: list[tuple[str, str, int, int]]) -> SafeString:
    """One horizontal bar per role, its label and share written beside it (also said in the table)."""
    width, row_h = 720, 44
    label_w = 260
    height = row_h * len(rows)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">'
    ]
    for index, (_, label, _count, share) in enumerate(rows):
        y = index * row_h
        bar_w = (width - label_w - 90) * share / 100
        parts.append(f'<text class="chart-label" x="0" y="{y + 27}">{escape(label)}</text>')
        parts.append(
            f'<rect class="chart-track" x="{label_w}" y="{y + 10}" width="{width - label_w - 90}" height="24"/>'
        )
        if bar_w:
            parts.append(f'<rect class="chart-bar" x="{label_w}" y="{y + 10}" width="{bar_w:.1f}" height="24"/>')
        parts.append(f'<text class="chart-label" x="{width}" y="{y + 27}" text-anchor="end">{share} %</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped labels


@dataclass(frozen=True)
class MapClass:
    number: int  # 0: no signature
    low: int
    high: int

    @property
    def label(self) -> str:
        if self.number == 0:
            return gettext("aucune signature")
        if self.low == self.high:
            return ngettext("%(n)s signature", "%(n)s signatures", self.low) % {"n": grouped(self.low)}
        return gettext("%(low)s à %(high)s signatures") % {"low": grouped(self.low), "high": grouped(self.high)}


def quantile_classes(counts: list[int], classes: int = CLASSES) -> list[MapClass]:
    """Classes of equal numbers of départements among those with signatures, plus "none".

    By quantile rather than by value: with one département at a hundred times
    another's count, a linear scale would paint all but one the same colour.
    """
    values = sorted(n for n in counts if n > 0)
    result = [MapClass(0, 0, 0)]
    if not values:
        return result
    bounds: list[int] = []
    for k in range(1, classes + 1):
        upper = values[min(len(values) - 1, math.ceil(k * len(values) / classes) - 1)]
        if not bounds or upper > bounds[-1]:
            bounds.append(upper)
    low = values[0]
    for number, high in enumerate(bounds, start=1):
        result.append(MapClass(number, low, high))
        low = high + 1
    return result


def class_of(count: int, classes: list[MapClass]) -> int:
    if count <= 0:
        return 0
    for each in classes[1:]:
        if count <= each.high:
            return each.number
    return classes[-1].number


PATH = re.compile(r'<path id="d-(?P<code>[0-9AB]+)" d="(?P<d>[^"]+)"/>')
VIEWBOX = re.compile(r'viewBox="(?P<box>[^"]+)"')
FRAME = re.compile(r'<rect class="map-inset"[^>]*/>')


@lru_cache(maxsize=1)
def outlines() -> tuple[str, tuple[str, ...], dict[str, str]]:
    """The committed map (bin/build-departements-map): its viewBox, inset frames and each département's path."""
    text = MAP_FILE.read_text(encoding="utf-8")
    box = VIEWBOX.search(text)
    assert box is not None, "static/petitions/departements.svg has no viewBox"
    return box["box"], tuple(FRAME.findall(text)), {m["code"]: m["d"] for m in PATH.finditer(text)}


# The classes' colours where no stylesheet reaches (the PDF dossier); site.css has the same.
PALETTE = ["#e7e4dc", "#f6c7c4", "#ec8f8a", "#d4534f", "#a3122a", "#5c0715"]


def departement_map(counts: dict[str, int], classes: list[MapClass], *, url_for, label_for) -> SafeString:
    """The map: every département a link to its page, shaded by its class; the name and count as its label."""
    box, frames, paths = outlines()
    parts = [
        f'<svg class="map" viewBox="{box}" xmlns="http://www.w3.org/2000/svg" role="group" '
        f'aria-label="{escape(gettext("Carte des signatures par département"))}">',
        *frames,
    ]
    for code in DEPARTEMENTS:
        d = paths.get(code)
        if d is None:
            continue
        count = counts.get(code, 0)
        parts.append(
            format_html(
                '<a href="{}" aria-label="{}"><path class="map-c{}" d="{}"/></a>',
                url_for(code),
                label_for(code, count),
                class_of(count, classes),
                d,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - parts escaped by format_html


def printed_map(counts: dict[str, int], classes: list[MapClass]) -> SafeString:
    """The same map for print: colours as attributes, no links."""
    box, _, paths = outlines()
    parts = [f'<svg class="map" viewBox="{box}" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">']
    for code in DEPARTEMENTS:
        d = paths.get(code)
        if d is not None:
            fill = PALETTE[class_of(counts.get(code, 0), classes)]
            parts.append(f'<path fill="{fill}" stroke="#ffffff" stroke-width="0.8" d="{escape(d)}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped path data
