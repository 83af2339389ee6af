"""Uploaded images (logos, news covers), served by the application itself.

A small campaign runs on one machine without configuring its web server for
`/media/`: the files are few, small, re-encoded images with random names, so
they are served here, with a year of cache (a name never gets other content)
and only for the image types the site stores. A busy deployment can let
nginx or a CDN serve `MEDIA_ROOT` instead (docs/deploy.md).
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


@require_safe
def serve_media(request, path):
    suffix = Path(path).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise Http404
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, path))
    except ValueError:  # outside MEDIA_ROOT
        raise Http404 from None
    if not full_path.is_file():
        raise Http404
    response = FileResponse(full_path.open("rb"), content_type=CONTENT_TYPES[suffix])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
