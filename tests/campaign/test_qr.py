import io
import xml.etree.ElementTree as ET

from PIL import Image

from campaign.qr import qr_png, qr_svg, qr_svg_file

URL = "https://retrait-lsun.example/signer/?via=sud-education-38"


def test_inline_svg_is_one_named_image_without_inline_style():
    svg = str(qr_svg(URL, title="Code QR menant à la page de signature"))

    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert (root.tag, root.get("role"), root.get("class")) == ("svg", "img", "qr-code")
    assert root.get("viewBox") is not None
    assert root.find("title").text == "Code QR menant à la page de signature"
    assert "style" not in svg


def test_a_title_is_escaped():
    svg = str(qr_svg(URL, title="<script>alert(1)</script>"))

    assert ET.fromstring(svg).find("title").text == "<script>alert(1)</script>"  # noqa: S314 - our own output
    assert "<script>" not in svg


def test_png_and_svg_downloads():
    png = Image.open(io.BytesIO(qr_png(URL)))
    svg = qr_svg_file(URL)

    assert png.format == "PNG"
    assert png.width == png.height >= 250
    assert svg.startswith(b"<?xml")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 - our own output
