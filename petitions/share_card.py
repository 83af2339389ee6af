"""The share card: a 1200 × 630 PNG with the appeal's title, the count and the goal.

Social networks show it when someone shares a page. It is drawn with Pillow
and the font shipped in static/fonts/ only: no system font is assumed, so
every server draws the same bytes for the same figures. The fixed words are
the interface's own ("signature", "sur un objectif de …"), translated by the
catalogue like the counter on the pages.
"""

import io
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.utils import translation
from django.utils.translation import gettext, ngettext
from PIL import Image, ImageColor, ImageDraw, ImageFont

from petitions.typography import check_figures, grouped, one_line, percent

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
TEXT_WIDTH = WIDTH - 2 * MARGIN

# The colours of static/css/site.css. On SOFT, INK is 15.2:1, ACCENT 7.0:1 and
# MUTED 7.8:1; PAPER on INK is 17.2:1.
INK = "#1b1b1f"
MUTED = "#4a4a55"
PAPER = "#ffffff"
SOFT = "#f3f1ec"
ACCENT = "#a3122a"
TRACK = "#dcd7cc"  # the empty part of the bar: ACCENT on it is 5.5:1; its MUTED outline shows its end
RULE = "#9a9aa6"  # the ruled lines of the mark (bin/build-icons)

FONTS = {
    "regular": "fonts/AtkinsonHyperlegibleNext-Regular.ttf",
    "bold": "fonts/AtkinsonHyperlegibleNext-Bold.ttf",
}
MARK = "icons/icon-192.png"

HEADER_HEIGHT = 96
BAR_TOP, BAR_HEIGHT = 530, 36
COUNT_BASELINE = BAR_TOP - 40
TITLE_TOP = HEADER_HEIGHT + 40
COUNT_GAP = 36  # between the text above and the top of the figures
BLOCK_GAP = 16

# The card is saved with a palette made of its colours and the anti-aliasing
# steps between the pairs that touch: 20 KB instead of 45 KB as RGB, and
# mapping to a fixed palette takes 1 ms where an adaptive one took 45.
BLENDS = [
    (SOFT, INK),
    (SOFT, MUTED),
    (SOFT, ACCENT),
    (MUTED, TRACK),
    (MUTED, ACCENT),
    (TRACK, ACCENT),
    (INK, PAPER),
    (INK, ACCENT),  # the mark's corners on the header
    (ACCENT, PAPER),  # inside the mark
    (PAPER, RULE),
    (ACCENT, RULE),
]
BLEND_STEPS = 16
SUPERSAMPLE = 4  # Pillow draws shapes without anti-aliasing: the bar is drawn larger, then reduced


class MissingAsset(FileNotFoundError):
    """A file the card draws with is not in static/: the card would not look like ours without it."""


def _static(name):
    path = finders.find(name)
    if path is None:
        raise MissingAsset(f"The share card needs static/{name}, which is missing; it draws with no other file.")
    return path


@lru_cache(maxsize=64)
def font(weight, size):
    # The basic layout (FreeType alone) draws the same on every machine,
    # whether or not Pillow was built with Raqm.
    return ImageFont.truetype(_static(FONTS[weight]), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4)
def _mark(size):
    with Image.open(_static(MARK)) as image:
        return image.convert("RGBA").resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=1)
def _palette():
    colours = []
    for start, end in BLENDS:
        a, b = ImageColor.getrgb(start), ImageColor.getrgb(end)
        for step in range(BLEND_STEPS):
            colour = tuple(round(a[i] + (b[i] - a[i]) * step / (BLEND_STEPS - 1)) for i in range(3))
            if colour not in colours:
                colours.append(colour)
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    return palette


@dataclass
class Block:
    face: ImageFont.FreeTypeFont
    lines: list[str]
    line_height: int
    colour: str

    @property
    def height(self):
        return self.line_height * len(self.lines)


def _wrap(text, face, width):
    """Greedy line breaking on ordinary spaces (no-break spaces keep their words together)."""
    lines: list[str] = []
    for word in text.split(" "):
        if not word:
            continue
        if lines and face.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(text, face, max_lines):
    """``text`` in at most ``max_lines`` lines of the text's width, or None."""
    lines = _wrap(text, face, TEXT_WIDTH)
    if len(lines) <= max_lines and all(face.getlength(line) <= TEXT_WIDTH for line in lines):
        return lines
    return None


def _cut(text, face, max_lines):
    """``text`` cut to ``max_lines`` lines, the last ending with an ellipsis."""
    lines = _wrap(text, face, TEXT_WIDTH)[:max_lines]
    if not lines:
        return lines
    last = lines[-1]
    while last and face.getlength(f"{last}…") > TEXT_WIDTH:
        last = last[:-1].rstrip()
    return [*lines[:-1], f"{last}…"]


def _text_blocks(title, paragraphs, bottom):
    """The title (bold) and the subtitle paragraphs, as large as the space down to ``bottom`` allows."""
    room = bottom - TITLE_TOP
    title_lines = 2 if paragraphs else 3
    sizes = [(title_size, min(36, round(title_size * 0.7))) for title_size in range(60, 38, -4)]
    for title_size, text_size in sizes:
        title_face, text_face = font("bold", title_size), font("regular", text_size)
        fitted = [_fit(title, title_face, title_lines)] + [_fit(text, text_face, 2) for text in paragraphs]
        if None in fitted:
            continue
        blocks = [Block(title_face, fitted[0], round(title_size * 1.2), INK)]
        blocks += [Block(text_face, lines, round(text_size * 1.35), INK) for lines in fitted[1:]]
        if sum(block.height for block in blocks) + BLOCK_GAP * len(paragraphs) <= room:
            return blocks
    # Longer than a card holds: the smallest sizes, each block cut.
    blocks = [Block(title_face, _cut(title, title_face, title_lines), round(title_size * 1.2), INK)]
    return blocks + [Block(text_face, _cut(text, text_face, 1), round(text_size * 1.35), INK) for text in paragraphs]


def _draw_header(image, draw):
    draw.rectangle((0, 0, WIDTH, HEADER_HEIGHT), fill=INK)
    mark = _mark(64)
    image.paste(mark, (MARGIN, (HEADER_HEIGHT - mark.height) // 2), mark)
    brand = font("bold", 38)
    draw.text(
        (MARGIN + mark.width + 24, HEADER_HEIGHT // 2), gettext("Retrait du LSUN"), font=brand, fill=PAPER, anchor="lm"
    )


def _draw_text(draw, blocks, bottom):
    """The blocks, centred between the header and ``bottom``."""
    height = sum(block.height for block in blocks) + BLOCK_GAP * (len(blocks) - 1)
    y = TITLE_TOP + max(0, bottom - TITLE_TOP - height) // 2
    for block in blocks:
        for line in block.lines:
            draw.text((MARGIN, y), line, font=block.face, fill=block.colour, anchor="la")
            y += block.line_height
        y += BLOCK_GAP


def _draw_count(draw, count, goal, language):
    """The count in large figures, with "signatures" and the goal beside it; returns the figures' top."""
    number = grouped(count, language)
    noun = ngettext("signature", "signatures", count)
    goal_text = gettext("sur un objectif de %(goal)s") % {"goal": grouped(goal, language)}
    noun_face, goal_face = font("bold", 46), font("regular", 34)
    beside = 32 + max(noun_face.getlength(noun), goal_face.getlength(goal_text))
    for size in range(160, 56, -8):
        number_face = font("bold", size)
        if number_face.getlength(number) + beside <= TEXT_WIDTH:
            break
    draw.text((MARGIN, COUNT_BASELINE), number, font=number_face, fill=ACCENT, anchor="ls")
    left = MARGIN + number_face.getlength(number) + 32
    draw.text((left, COUNT_BASELINE - 56), noun, font=noun_face, fill=INK, anchor="ls")
    draw.text((left, COUNT_BASELINE), goal_text, font=goal_face, fill=MUTED, anchor="ls")
    return number_face.getbbox(number, anchor="ls")[1] + COUNT_BASELINE


def _draw_bar(image, draw, count, goal, language):
    """The progress bar and its percentage, as the pages' <progress> shows it (capped at 100 %)."""
    label = percent(min(100, count * 100 // goal), language)
    label_face = font("bold", 34)
    draw.text((WIDTH - MARGIN, BAR_TOP + BAR_HEIGHT // 2), label, font=label_face, fill=INK, anchor="rm")
    length = TEXT_WIDTH - round(label_face.getlength(label)) - 24
    k = SUPERSAMPLE
    strip = Image.new("RGB", (length * k, BAR_HEIGHT * k), SOFT)
    strip_draw = ImageDraw.Draw(strip)
    radius = BAR_HEIGHT * k // 2
    box = (0, 0, length * k - 1, BAR_HEIGHT * k - 1)
    strip_draw.rounded_rectangle(box, radius=radius, fill=TRACK)
    if count > 0:
        # A started bar shows at least its round end.
        filled = max(length * k * min(count, goal) // goal, BAR_HEIGHT * k)
        strip_draw.rounded_rectangle((0, 0, filled - 1, BAR_HEIGHT * k - 1), radius=radius, fill=ACCENT)
    strip_draw.rounded_rectangle(box, radius=radius, outline=MUTED, width=2 * k)
    image.paste(strip.resize((length, BAR_HEIGHT), Image.Resampling.LANCZOS), (MARGIN, BAR_TOP))


def render_card(*, title: str, count: int, goal: int, lines: list[str] | None = None, language: str = "fr") -> bytes:
    """The PNG card (1200 × 630, about 20 KB), the same bytes for the same arguments.

    ``lines`` are optional sentences under the title, such as "Dans l'Isère,
    1 234 personnes demandent le retrait du LSUN" on a département's card.
    """
    check_figures(count, goal)
    paragraphs = [text for text in map(one_line, lines or ()) if text]
    with translation.override(language):
        image = Image.new("RGB", (WIDTH, HEIGHT), SOFT)
        draw = ImageDraw.Draw(image)
        _draw_header(image, draw)
        count_top = _draw_count(draw, count, goal, language)
        bottom = count_top - COUNT_GAP
        _draw_text(draw, _text_blocks(one_line(title), paragraphs, bottom), bottom)
        _draw_bar(image, draw, count, goal, language)
    buffer = io.BytesIO()
    image.quantize(palette=_palette(), dither=Image.Dither.NONE).save(buffer, "PNG")
    return buffer.getvalue()
