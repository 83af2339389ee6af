import pytest

from petitions.typography import check_figures, grouped, one_line, percent


def test_french_groups_thousands_with_a_narrow_no_break_space():
    assert [grouped(n, "fr") for n in (0, 999, 1000, 12345, 1234567)] == [
        "0",
        "999",
        "1\u202f000",
        "12\u202f345",
        "1\u202f234\u202f567",
    ]


def test_english_groups_thousands_with_commas():
    assert [grouped(n, language) for n in (999, 12345, 1234567) for language in ("en", "en-gb")] == [
        "999",
        "999",
        "12,345",
        "12,345",
        "1,234,567",
        "1,234,567",
    ]


def test_percent_has_a_narrow_no_break_space_in_french_only():
    assert (percent(12, "fr"), percent(12, "en")) == ("12\u202f%", "12%")


def test_one_line_joins_ordinary_white_space_and_keeps_no_break_spaces():
    assert one_line("  Dans l'Isère,\n 1\u202f234   personnes\u00a0!\t") == "Dans l'Isère, 1\u202f234 personnes\u00a0!"


@pytest.mark.parametrize(("count", "goal"), [(-1, 100), (5, 0), (5, -10)])
def test_figures_no_petition_can_have_are_refused(count, goal):
    with pytest.raises(ValueError, match="count must be >= 0 and goal > 0"):
        check_figures(count, goal)
