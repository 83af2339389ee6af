"""PDF documents drawn from HTML templates (WeasyPrint), with nothing fetched from elsewhere.

Every PDF of the site (the dossier handed over with the petition, the paper
signature sheet, a parent's letter) is an HTML template rendered here, in the
campaign's typeface (`static/fonts/`, Atkinson Hyperlegible Next) through
`static/css/pdf.css`, on A4.

WeasyPrint would fetch any URL a document names. Ours name only our own
static files, and a document may carry text typed by a visitor (a letter):
the fetcher serves files found by the static finders and refuses everything
else, so no request ever leaves the server and no local file outside
`static/` can be read into a PDF.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

# Documents name static files by this prefix; the fetcher maps it to the finders.
STATIC_SCHEME = "static:"


class ForbiddenResource(ValueError):
    """A document asked for something other than one of our static files."""


def static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of ``static:<name>``, one of our static files; nothing else."""
    if not url.startswith(STATIC_SCHEME):
        raise ForbiddenResource(f"PDF documents may only use static files, not {url[:80]!r}")
    name = url.removeprefix(STATIC_SCHEME).lstrip("/")
    path = finders.find(name) if name and ".." not in Path(name).parts else None
    if not path:
        raise ForbiddenResource(f"no static file {name[:80]!r}")
    mime_type, _ = mimetypes.guess_type(path)
    return Path(path).read_bytes(), mime_type or "application/octet-stream"


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = static_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    return StaticFilesOnly


def render_pdf(template_name: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render ``template_name`` (HTML) into a PDF and return its bytes.

    The template links its stylesheet as ``static:css/pdf.css`` (see
    templates/pdf/base.html, which documents extend).
    """
    # Imported on first use: WeasyPrint and its libraries add tens of
    # megabytes to every web worker that would otherwise never draw a PDF.
    from weasyprint import HTML

    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    return HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=_fetcher_class()()).write_pdf()
