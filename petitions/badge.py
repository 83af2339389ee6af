"""The counter badge: a small standalone SVG with the count and the progress toward the goal.

For newsletters and sites that forbid iframes: an image, with no script, no
external resource and no font of its own (the reader's sans-serif draws the
text). The <title> carries the text alternative; the snippet's alt text
should say the same.
"""

from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext, ngettext

from petitions.typography import check_figures, grouped, is_english, one_line, percent

# The colours of static/css/site.css: on PAPER, INK is 17.2:1, ACCENT 7.8:1
# and MUTED 8.7:1; ACCENT on TRACK is 5.5:1, and the bar's MUTED outline shows
# where it ends.
INK = "#1b1b1f"
MUTED = "#4a4a55"
PAPER = "#ffffff"
ACCENT = "#a3122a"
TRACK = "#dcd7cc"

HEIGHT = 64
PADDING = 12
MIN_WIDTH = 220
# Widths are estimated, since the reader's font is unknown: these average
# advances (in em) are those of wide sans-serifs such as DejaVu Sans, so the
# text fits with Arial, Helvetica or Roboto too.
EM_PER_CHARACTER = {"regular": 0.6, "bold": 0.68}
# The site's own font stack (static/css/site.css), in single quotes for the attribute.
FONT_FAMILY = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


def _width(text, size, weight="regular"):
    return len(text) * size * EM_PER_CHARACTER[weight]


def badge_svg(*, count: int, goal: int, label: str, language: str) -> str:
    """The badge as SVG text (under 1 KB).

    ``label`` names the campaign, e.g. "Appel pour le retrait du LSUN"; it is
    escaped, like every text in the image. ``goal`` is positive, as the
    database requires of a petition's goal.
    """
    check_figures(count, goal)
    label = one_line(label)
    with translation.override(language):
        number = grouped(count, language)
        noun = ngettext("signature", "signatures", count)
        goal_text = gettext("sur un objectif de %(goal)s") % {"goal": grouped(goal, language)}
    share = percent(min(100, count * 100 // goal), language)
    colon = ": " if is_english(language) else "\u00a0: "
    alternative = f"{label}{colon}{number} {noun} {goal_text} ({share})"

    first_line = _width(number, 18, "bold") + _width(f" {noun}", 13) + 16 + _width(share, 13, "bold")
    width = round(max(MIN_WIDTH, first_line + 2 * PADDING, _width(label, 12) + 2 * PADDING))
    bar = width - 2 * PADDING
    filled = max(bar * min(count, goal) // goal, 8) if count else 0
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}" role="img">',
            f"<title>{escape(alternative)}</title>",
            f'<rect x=".5" y=".5" width="{width - 1}" height="{HEIGHT - 1}" rx="6" fill="{PAPER}" stroke="{INK}"/>',
            f'<g font-family="{FONT_FAMILY}">',
            f'<text x="{PADDING}" y="25" font-size="13" fill="{INK}">'
            f'<tspan font-size="18" font-weight="700" fill="{ACCENT}">{escape(number)}</tspan> {escape(noun)}</text>',
            f'<text x="{width - PADDING}" y="25" font-size="13" font-weight="700" text-anchor="end" fill="{INK}">'
            f"{escape(share)}</text>",
            f'<rect x="{PADDING}" y="33" width="{bar}" height="8" rx="4" fill="{TRACK}"/>',
            f'<rect x="{PADDING}" y="33" width="{filled}" height="8" rx="4" fill="{ACCENT}"/>' if filled else "",
            f'<rect x="{PADDING}" y="33" width="{bar}" height="8" rx="4" fill="none" stroke="{MUTED}"/>',
            f'<text x="{PADDING}" y="56" font-size="12" fill="{MUTED}">{escape(label)}</text>',
            "</g></svg>",
        ]
    )
