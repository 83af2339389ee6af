import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from PIL import Image, ImageColor

from petitions import share_card
from petitions.share_card import MissingAsset, render_card

TITLE = "Retrait du Livret Scolaire Unique Numérique"
STATIC = Path(django_settings.BASE_DIR) / "static"
LONGEST = {
    "title": "Pour le retrait du LSUN, le livret numérique qui fiche nos enfants : « Non » au fichage des élèves "
    "dès la maternelle, sans consentement éclairé des familles ni droit à l’oubli, et pour l’effacement des données",
    "count": 12_345_678,
    "goal": 10_000_000,
    "lines": [
        "Dans les Alpes-de-Haute-Provence, 12\u202f345\u202f678 personnes demandent le retrait du LSUN",
        "Syndicats, mouvements pédagogiques et parents d’élèves : œuvrons ensemble pour l’effacement",
    ],
}


@pytest.fixture
def fresh_assets():
    """Fonts and the mark loaded again from static/, before and after the test."""
    share_card.font.cache_clear()
    share_card._mark.cache_clear()
    yield
    share_card.font.cache_clear()
    share_card._mark.cache_clear()


def open_png(data):
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


@pytest.mark.parametrize(
    "arguments",
    [
        {"title": TITLE, "count": 12_345, "goal": 100_000},
        {"title": TITLE, "count": 0, "goal": 100_000, "language": "en"},
        {"title": TITLE, "count": 1_234, "goal": 100_000, "lines": ["Dans l'Isère, 1\u202f234 personnes"]},
        LONGEST,
    ],
    ids=["french", "english", "departement", "longest"],
)
def test_card_is_a_1200_by_630_png_under_150_kb(arguments):
    data = render_card(**arguments)

    assert open_png(data).size == (1200, 630)
    assert len(data) < 150_000


def test_same_figures_give_the_same_bytes(fresh_assets):
    first = render_card(title=TITLE, count=12_345, goal=100_000, lines=["Dans l'Isère"])
    share_card.font.cache_clear()
    share_card._mark.cache_clear()

    again = render_card(title=TITLE, count=12_345, goal=100_000, lines=["Dans l'Isère"])

    assert again == first
    assert render_card(title=TITLE, count=12_346, goal=100_000, lines=["Dans l'Isère"]) != first


def test_languages_draw_different_cards():
    french = render_card(title=TITLE, count=12_345, goal=100_000, language="fr")
    english = render_card(title=TITLE, count=12_345, goal=100_000, language="en")

    assert french != english


def test_card_draws_with_the_shipped_font():
    for weight, style in [("regular", "Regular"), ("bold", "Bold")]:
        face = share_card.font(weight, 40)

        assert Path(face.path) == STATIC / "fonts" / f"AtkinsonHyperlegibleNext-{style}.ttf"
        assert face.getname() == ("Atkinson Hyperlegible Next", style)


def test_card_needs_nothing_but_the_shipped_files(settings, tmp_path, fresh_assets):
    expected = render_card(title=TITLE, count=12_345, goal=100_000)
    for name in [*share_card.FONTS.values(), share_card.MARK]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(STATIC / name, tmp_path / name)
    settings.STATICFILES_DIRS = [tmp_path]
    share_card.font.cache_clear()
    share_card._mark.cache_clear()

    assert render_card(title=TITLE, count=12_345, goal=100_000) == expected


def test_card_fails_clearly_without_the_shipped_font(settings, tmp_path, fresh_assets):
    (tmp_path / "icons").mkdir()
    shutil.copy(STATIC / share_card.MARK, tmp_path / share_card.MARK)
    settings.STATICFILES_DIRS = [tmp_path]

    with pytest.raises(MissingAsset, match=r"needs static/fonts/AtkinsonHyperlegibleNext-\w+\.ttf, which is missing"):
        render_card(title=TITLE, count=12_345, goal=100_000)


def bar_share(data):
    """The part of the progress bar's middle row that is filled, between 0 and 1."""
    image = open_png(data).convert("RGB")
    row = [image.getpixel((x, share_card.BAR_TOP + share_card.BAR_HEIGHT // 2)) for x in range(1200)]
    filled = row.count(ImageColor.getrgb(share_card.ACCENT))
    return filled / (filled + row.count(ImageColor.getrgb(share_card.TRACK)))


def test_bar_shows_the_share_of_the_goal_reached():
    shares = [bar_share(render_card(title=TITLE, count=count, goal=80_000)) for count in (20_000, 60_000)]

    assert shares == [pytest.approx(0.25, abs=0.01), pytest.approx(0.75, abs=0.01)]


def test_bar_is_full_once_the_goal_is_passed_and_empty_before_the_first_signature():
    full = bar_share(render_card(title=TITLE, count=150_000, goal=100_000))
    empty = bar_share(render_card(title=TITLE, count=0, goal=100_000))

    assert (full, empty) == (pytest.approx(1, abs=0.01), 0)


def test_card_refuses_a_goal_no_petition_can_have():
    with pytest.raises(ValueError, match="goal > 0"):
        render_card(title=TITLE, count=10, goal=0)
