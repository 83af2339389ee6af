"""The site's icons: the files exist at their sizes, and bin/build-icons draws exactly them."""

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from PIL import Image

BASE = Path(settings.BASE_DIR)
ICONS = BASE / "static" / "icons"
PNG_SIZES = {"favicon-32.png": 32, "apple-touch-icon.png": 180, "icon-192.png": 192, "icon-512.png": 512}


@pytest.mark.parametrize(("name", "size"), PNG_SIZES.items())
def test_png_icons_have_their_size(name, size):
    with Image.open(ICONS / name) as image:
        assert (image.format, image.size) == ("PNG", (size, size))


def test_apple_touch_icon_is_opaque():
    # iOS shows transparent pixels as black and rounds the corners itself.
    with Image.open(ICONS / "apple-touch-icon.png") as image:
        assert image.mode == "RGB"


def test_favicon_ico_holds_16_and_32_pixels():
    with Image.open(ICONS / "favicon.ico") as image:
        assert image.format == "ICO"
        assert image.info["sizes"] == {(16, 16), (32, 32)}


def test_favicon_svg_is_a_standalone_square_image():
    root = ElementTree.parse(ICONS / "favicon.svg").getroot()  # noqa: S314 - a file we ship

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 64 64"
    assert {element.tag.split("}")[1] for element in root.iter()} == {"svg", "title", "rect", "polygon"}


def frames(path):
    """Every bitmap a file holds, as RGBA pixels (the ICO's two sizes each)."""
    with Image.open(path) as image:
        if image.format != "ICO":
            return [image.convert("RGBA").tobytes()]
        result = []
        for size in sorted(image.info["sizes"]):
            image.size = size
            image.load()
            result.append(image.convert("RGBA").tobytes())
        return result


def test_build_icons_draws_the_committed_files(tmp_path):
    subprocess.run([sys.executable, BASE / "bin" / "build-icons", tmp_path], check=True)

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in ICONS.iterdir())
    assert (tmp_path / "favicon.svg").read_text() == (ICONS / "favicon.svg").read_text()
    for name in [*PNG_SIZES, "favicon.ico"]:
        assert frames(tmp_path / name) == frames(ICONS / name), f"{name}: run bin/build-icons"
