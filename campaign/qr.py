"""QR codes (segno), drawn here: no service is asked to draw them."""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def _code(url: str) -> segno.QRCode:
    # Level M: a printed sheet, photocopied or folded, still scans.
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, *, scale: int = 4, title: str = "") -> SafeString:
    """Inline SVG markup for ``url``: no XML declaration, no inline style (the site's CSP allows none)."""
    svg = _code(url).svg_inline(
        scale=scale, title=title or None, dark="#1b1b1f", light="#ffffff", omitsize=True, svgclass="qr-code"
    )
    if title:
        # Named by its <title>, announced as one image rather than as its paths.
        svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308 - drawn by segno, which escapes the title; the URL is only encoded as modules


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A PNG of the QR code, for download (printing, slides, newsletters)."""
    output = io.BytesIO()
    _code(url).save(output, kind="png", scale=scale, border=4, dark="#1b1b1f", light="#ffffff")
    return output.getvalue()


def qr_svg_file(url: str, *, scale: int = 10) -> bytes:
    """A standalone SVG file of the QR code, for download."""
    output = io.BytesIO()
    _code(url).save(output, kind="svg", scale=scale, border=4, dark="#1b1b1f", light="#ffffff", xmldecl=True)
    return output.getvalue()
