import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaign.pdf import ForbiddenResource, render_pdf, static_file

TEST_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(autouse=True)
def test_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_template_becomes_an_a4_pdf_in_the_campaigns_typeface():
    pdf = render_pdf("pdf/sample.html", {"heading": "Dossier remis", "text": "Élèves, cœur, « fichage »."})

    reader = PdfReader(io.BytesIO(pdf))
    [page] = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    assert pdf_text(pdf).splitlines()[:2] == ["Dossier remis", "Élèves, cœur, « fichage »."]
    fonts = {font["/BaseFont"].split("+")[-1] for font in _fonts(page)}
    assert fonts == {"Atkinson-Hyperlegible-Next", "Atkinson-Hyperlegible-Next-Bold"}


def _fonts(page):
    resources = page["/Resources"]["/Font"]
    return [resources[name].get_object() for name in resources]


def test_text_typed_by_a_visitor_is_text_not_markup():
    pdf = render_pdf("pdf/sample.html", {"heading": "Lettre", "text": "<b>gras</b> & <script>x</script>"})

    assert pdf_text(pdf).splitlines()[1] == "<b>gras</b> & <script>x</script>"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://127.0.0.1:8000/admin/",
        "file:///etc/passwd",
        "static:../campaign/settings.py",
        "static:/etc/passwd",
        "static:nothing-here.png",
    ],
)
def test_nothing_but_our_static_files_is_ever_fetched(url):
    with pytest.raises(ForbiddenResource):
        static_file(url)


def test_a_document_naming_another_site_is_drawn_without_it():
    # WeasyPrint logs the refusal and draws the rest: no request leaves the server.
    pdf = render_pdf("pdf/sample.html", {"heading": "Sans image", "text": "", "image": "https://example.org/x.png"})

    assert pdf_text(pdf).splitlines()[0] == "Sans image"


def test_static_files_are_served_to_the_renderer():
    body, mime_type = static_file("static:css/pdf.css")

    assert mime_type == "text/css"
    assert b"Atkinson Hyperlegible Next" in body
