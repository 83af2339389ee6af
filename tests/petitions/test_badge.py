from xml.etree import ElementTree

import pytest

from petitions.badge import ACCENT, TRACK, badge_svg

SVG = "{http://www.w3.org/2000/svg}"
LABEL = "Appel pour le retrait du LSUN"


def parse(svg):
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG}svg"
    return root


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_french_badge_says_the_count_the_goal_and_the_share():
    root = parse(badge_svg(count=12_345, goal=100_000, label=LABEL, language="fr"))

    assert root.find(f"{SVG}title").text == (
        "Appel pour le retrait du LSUN\u00a0: 12\u202f345 signatures sur un objectif de 100\u202f000 (12\u202f%)"
    )
    assert texts(root) == ["12\u202f345 signatures", "12\u202f%", LABEL]


def test_english_badge_uses_english_words_and_figures():
    root = parse(badge_svg(count=12_345, goal=100_000, label="Appeal for the withdrawal of the LSUN", language="en"))

    assert root.find(f"{SVG}title").text == (
        "Appeal for the withdrawal of the LSUN: 12,345 signatures out of a goal of 100,000 (12%)"
    )
    assert texts(root) == ["12,345 signatures", "12%", "Appeal for the withdrawal of the LSUN"]


def test_one_signature_is_singular():
    root = parse(badge_svg(count=1, goal=100_000, label=LABEL, language="fr"))

    assert texts(root)[0] == "1 signature"


def test_label_is_escaped():
    label = 'Syndicats <b>&</b> "parents" </title><script>alert(1)</script>'

    svg = badge_svg(count=10, goal=100, label=label, language="fr")
    root = parse(svg)

    assert "<script" not in svg
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg
    assert texts(root)[-1] == label
    assert root.find(f"{SVG}title").text.startswith(label)


def test_badge_is_a_standalone_image_with_nothing_to_fetch_or_run():
    svg = badge_svg(count=12_345, goal=100_000, label=LABEL, language="fr")
    root = parse(svg)

    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert {element.tag.removeprefix(SVG) for element in root.iter()} == {"svg", "title", "rect", "g", "text", "tspan"}
    assert not [name for element in root.iter() for name in element.attrib if "href" in name or name.startswith("on")]
    assert "url(" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize(
    ("count", "goal", "label"),
    [(12_345, 100_000, LABEL), (987_654_321, 1_000_000_000, "Appel & « pétition » " * 5)],
)
def test_badge_is_under_2_kb(count, goal, label):
    assert len(badge_svg(count=count, goal=goal, label=label, language="fr").encode()) < 2048


def bar_widths(svg):
    rects = list(parse(svg).iter(f"{SVG}rect"))
    track = next(float(rect.get("width")) for rect in rects if rect.get("fill") == TRACK)
    filled = [float(rect.get("width")) for rect in rects if rect.get("fill") == ACCENT]
    return track, filled


def test_bar_shows_the_share_of_the_goal_reached():
    track, filled = bar_widths(badge_svg(count=25_000, goal=100_000, label=LABEL, language="fr"))
    full_track, full = bar_widths(badge_svg(count=250_000, goal=100_000, label=LABEL, language="fr"))

    assert filled == [track // 4]
    assert full == [full_track]
    assert bar_widths(badge_svg(count=0, goal=100_000, label=LABEL, language="fr"))[1] == []


def test_width_grows_with_a_long_label():
    short = parse(badge_svg(count=10, goal=100, label="LSUN", language="fr"))
    long = parse(badge_svg(count=10, goal=100, label=LABEL * 2, language="fr"))

    assert short.get("width") == "220"
    assert int(long.get("width")) > 220
