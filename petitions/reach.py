"""What an organisation's link brought: confirmed signatures per day, as a table and a small SVG chart.

Read from OrganisationReach (kept by triggers), never from the signatures:
an editor's page costs one indexed read whatever the number of signers. The
figures are the organisation's own: its editors and the staff see them, no
public page does.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.db.models import Sum
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from organisations.models import Organisation
from petitions.badge import ACCENT, INK, MUTED, TRACK
from petitions.models import OrganisationReach

# The chart shows this many days at most (the table shows every day).
CHART_DAYS = 60
WIDTH, HEIGHT = 600, 200
LEFT, BOTTOM, TOP = 40, 24, 12


@dataclass(frozen=True)
class Day:
    day: date
    signatures: int


def daily(organisation: Organisation, petition_id: int) -> list[Day]:
    """Each day the link brought confirmed signatures (Paris days), oldest first; days at zero left out."""
    rows = (
        OrganisationReach.objects.filter(organisation=organisation, petition_id=petition_id, signatures__gt=0)
        .order_by("day")
        .values_list("day", "signatures")
    )
    return [Day(day, signatures) for day, signatures in rows]


def totals(petition_id: int) -> dict[int, int]:
    """Confirmed signatures each organisation's link brought (organisation id → count), for the staff."""
    rows = (
        OrganisationReach.objects.filter(petition_id=petition_id)
        .values("organisation_id")
        .annotate(n=Sum("signatures"))
        .order_by()
    )
    return {row["organisation_id"]: row["n"] for row in rows}


def chart_days(days: list[Day], today: date | None = None) -> list[Day]:
    """The last CHART_DAYS days up to ``today`` (or since the first), the days without signatures at zero."""
    today = today or timezone.localdate()
    if not days:
        return []
    start = max(days[0].day, today - timedelta(days=CHART_DAYS - 1))
    counts = {entry.day: entry.signatures for entry in days}
    return [Day(start + timedelta(n), counts.get(start + timedelta(n), 0)) for n in range((today - start).days + 1)]


def chart_svg(days: list[Day], *, title: str, description: str) -> SafeString:
    """A bar per day; named by ``title`` and ``description`` (the table under it gives every figure)."""
    if not days:
        return mark_safe("")
    top = max(entry.signatures for entry in days) or 1
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_width / len(days)
    bar = max(step * 0.7, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="reach-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="reach-chart-title reach-chart-desc">',
        f'<title id="reach-chart-title">{escape(title)}</title>',
        f'<desc id="reach-chart-desc">{escape(description)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - 8}" y2="{TOP + plot_height}" stroke="{MUTED}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - 8}" y2="{TOP}" stroke="{TRACK}"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="12" text-anchor="end" fill="{INK}">{top}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_height + 4}" font-size="12" text-anchor="end" fill="{INK}">0</text>',
    ]
    for index, entry in enumerate(days):
        height = round(plot_height * entry.signatures / top, 1)
        x = round(LEFT + index * step + (step - bar) / 2, 1)
        if height:
            parts.append(
                f'<rect x="{x}" y="{round(TOP + plot_height - height, 1)}" width="{round(bar, 1)}" '
                f'height="{height}" fill="{ACCENT}"/>'
            )
    first, last = days[0].day, days[-1].day
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="12" fill="{INK}">{first:%d/%m}</text>'
        f'<text x="{WIDTH - 8}" y="{HEIGHT - 6}" font-size="12" text-anchor="end" fill="{INK}">{last:%d/%m}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - figures and dates we format, texts escaped
