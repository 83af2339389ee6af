"""Text as the campaign's images print it: grouped figures, percentages, one-line labels.

French typography puts a narrow no-break space (U+202F) between thousands and
before the percent sign; English uses commas and no space. The HTML pages use
Django's formats (the `grouped` filter), whose French separator is the wider
U+00A0: on an image drawn with our own font the narrow space is the right one.
"""

import re

NARROW_NO_BREAK_SPACE = "\u202f"
ORDINARY_SPACES = re.compile(r"[ \t\r\n]+")


def grouped(value: int, language: str) -> str:
    """12345 as "12 345" in French (narrow no-break space), "12,345" in English."""
    text = f"{value:,}"
    return text if is_english(language) else text.replace(",", NARROW_NO_BREAK_SPACE)


def percent(value: int, language: str) -> str:
    """42 as "42 %" in French (narrow no-break space), "42%" in English."""
    return f"{value}%" if is_english(language) else f"{value}{NARROW_NO_BREAK_SPACE}%"


def one_line(text: str) -> str:
    """Runs of ordinary white space as one space; no-break spaces stay where they are."""
    return ORDINARY_SPACES.sub(" ", text).strip(" ")


def check_figures(count: int, goal: int) -> None:
    """Refuse what no petition can have: the database keeps goals positive and counts are never negative."""
    if count < 0 or goal <= 0:
        raise ValueError(f"count must be >= 0 and goal > 0, not {count} and {goal}")


def is_english(language: str) -> bool:
    """English typography for "en" and "en-gb"; every other language gets the French one."""
    return language.split("-")[0].lower() == "en"
