import pytest

from campaign.markdown import render_markdown


def test_paragraphs_lists_and_emphasis():
    html = render_markdown("Un *texte* **fort**.\n\n- premier\n- second\n")

    assert html == "<p>Un <em>texte</em> <strong>fort</strong>.</p>\n<ul>\n<li>premier</li>\n<li>second</li>\n</ul>"


def test_headings_start_below_the_page_title():
    assert render_markdown("# Titre\n\n## Sous-titre") == "<h2>Titre</h2>\n<h3>Sous-titre</h3>"


def test_external_links_get_noopener_nofollow_and_internal_ones_do_not(settings):
    settings.SITE_URL = "https://retrait-lsun.example"

    html = render_markdown("[a](https://example.org/) [b](https://retrait-lsun.example/appel/) [c](/appel/)")

    assert html == (
        '<p><a href="https://example.org/" rel="noopener nofollow">a</a> '
        '<a href="https://retrait-lsun.example/appel/">b</a> <a href="/appel/">c</a></p>'
    )


def test_hard_line_break():
    assert render_markdown("ligne un\\\nligne deux") == "<p>ligne un<br>\nligne deux</p>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"),
        ('<img src="x" onerror="alert(1)">', '<p>&lt;img src="x" onerror="alert(1)"&gt;</p>'),
        # A remote image would tell its host who reads the page: its source is dropped.
        ("![x](https://tracker.example/pixel.gif)", '<p><img alt="x"></p>'),
    ],
)
def test_dangerous_input_becomes_inert_text(source, expected):
    assert render_markdown(source) == expected


def test_images_from_our_media_are_kept(settings):
    settings.MEDIA_URL = "/media/"

    assert (
        render_markdown("![Manif](/media/posts/manif.jpg)") == '<p><img src="/media/posts/manif.jpg" alt="Manif"></p>'
    )
