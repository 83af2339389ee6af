"""Markdown written by staff and editors, turned into HTML that is safe to show.

Two layers: markdown-it never passes raw HTML through (it is escaped as
text), and nh3 then keeps only an allow-list of tags, attributes and URL
schemes, whatever the parser produced.
"""

import html as html_lib
import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.utils.html import escape, strip_tags
from django.utils.text import slugify
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6",
    "p", "br", "hr",
    "ul", "ol", "li",
    "strong", "em", "code", "pre", "blockquote",
    "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
MEDIA_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_./-]*")
EXTERNAL_REL = "noopener nofollow"


def _parser():
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def shifted_heading(renderer, tokens, idx, options, env):
        # The page owns its single h1: the text's top headings become h2,
        # whether the writer used "#" or "##", so no level is skipped.
        token = tokens[idx]
        token.tag = f"h{min(max(int(token.tag[1]) + env.get('heading_shift', 1), 2), 6)}"
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("heading_open", shifted_heading)
    md.add_render_rule("heading_close", shifted_heading)
    return md


_md = _parser()


def _is_external(url):
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return False
    site = urlsplit(settings.SITE_URL).hostname
    return bool(parts.netloc) and parts.hostname != site


def _attribute_filter(tag, attribute, value):
    if tag == "img" and attribute == "src":
        # Images only from the site's own media, never from elsewhere:
        # a remote image would leak every reader's address to its host.
        # Plain file names only: no "..", query or escape to climb out of it.
        path = value.removeprefix(settings.MEDIA_URL)
        return value if path != value and MEDIA_PATH.fullmatch(path) and ".." not in path else None
    if tag == "a" and attribute == "rel":
        return value if value == EXTERNAL_REL else None
    return value


def render_markdown(text):
    """Markdown to sanitised HTML (a plain ``str``; mark it safe only in templates)."""
    tokens = _md.parse(text or "")
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open" and _is_external(child.attrGet("href") or ""):
                child.attrSet("rel", EXTERNAL_REL)
    levels = [int(token.tag[1]) for token in tokens if token.type == "heading_open"]
    html = _md.renderer.render(tokens, _md.options, {"heading_shift": 2 - min(levels, default=1)})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    ).strip()


SECTION_HEADING = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)


def heading_anchors(html, link_text, reserved=frozenset()):
    """Give each ``h2`` of sanitised ``html`` an id and a visible link to itself, for sharing one section.

    The id is the heading's text slugified ("Qu'est-ce que le LSUN ?" ->
    ``quest-ce-que-le-lsun``), made unique with ``-2``, ``-3``… and never one of
    ``reserved`` (the page's own ids). Returns the new HTML and the list of
    ``(id, text)`` in order, for a table of contents.
    """
    used = set(reserved)
    sections = []

    def anchor(match):
        inner = match[1]
        text = " ".join(html_lib.unescape(strip_tags(inner)).split())
        base = slugify(text) or "section"
        slug, number = base, 2
        while slug in used:
            slug, number = f"{base}-{number}", number + 1
        used.add(slug)
        sections.append((slug, text))
        link = (
            f'<p class="section-link"><a href="#{slug}">{escape(link_text)}'
            f'<span class="visually-hidden"> : {escape(text)}</span></a></p>'
        )
        return f'<h2 id="{slug}">{inner}</h2>\n{link}'

    return SECTION_HEADING.sub(anchor, html), sections
