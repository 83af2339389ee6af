"""Uploaded images (organisation logos, news covers): checked, cleaned, resized.

The browser's file name and content type are not trusted: Pillow must decode
the file as PNG, JPEG or WebP. The image is then re-encoded from its pixels,
which drops EXIF (camera, GPS position, author) and anything smuggled after
the image data, and resized so a phone never downloads more than it shows.
"""

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# A 2 MB upload may still declare a huge canvas (a 126 KB PNG declaring 40
# megapixels took a worker from 65 to 370 MB to decode): its size is read from
# the header and refused before decoding. We show 400 px logos and 1600 px
# covers, and a phone photo has about 12 megapixels. Measured peak at this limit: a
# 16-megapixel RGBA PNG (no way to decode it smaller) takes a worker from 64
# to 190 MB for a logo, 220 MB for a cover, for under half a second; a
# 12-megapixel JPEG, decoded at a fraction of its size, to 81 and 137 MB.
MAX_PIXELS = 16_000_000
# Pillow's own guard, for any image opened anywhere, at the same figure. It
# only warns between the limit and twice it, and a warning does not stop the
# decoding: make it an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


@dataclass(frozen=True)
class CleanImage:
    file: ContentFile
    width: int
    height: int

    @property
    def name(self) -> str:
        return self.file.name or ""


class ImageRejected(ValueError):
    pass


def _megabytes(size):
    return f"{size / (1024 * 1024):g}".replace(".", ",")


def too_large_message(max_bytes):
    return _("L'image pèse plus de %(megabytes)s Mo. Envoyez une image plus légère.") % {
        "megabytes": _megabytes(max_bytes)
    }


def too_many_pixels_message():
    return _(
        "Cette image a trop de pixels : %(megapixels)d millions au plus (une photo de téléphone en a environ 12). "
        "Réduisez-la avant de l'envoyer."
    ) % {"megapixels": MAX_PIXELS // 1_000_000}


def clean_image(data, *, max_bytes, max_side):
    """Return a ``CleanImage`` from uploaded bytes, or raise ``ImageRejected`` with a French message."""
    if len(data) > max_bytes:
        raise ImageRejected(too_large_message(max_bytes))
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or head.startswith(b"<?xml") or b"<svg" in head:
        raise ImageRejected(_("Les images SVG ne sont pas acceptées : envoyez un PNG, un JPEG ou un WebP."))
    try:
        # Opening reads the header only: the size is known before any pixel is decoded.
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            if image_format not in FORMATS:
                raise ImageRejected(_("Ce format d'image n'est pas accepté : envoyez un PNG, un JPEG ou un WebP."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(too_many_pixels_message())
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            # Resized before anything else loads it: thumbnail() lets a JPEG decode straight
            # at 1/2, 1/4 or 1/8 of its size, so a phone photo never sits whole in memory,
            # and the EXIF rotation then turns the small image, not the large one.
            opened.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(too_many_pixels_message()) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected(_("Ce fichier n'est pas une image PNG, JPEG ou WebP lisible.")) from None

    # Rebuilt from the pixels alone: no EXIF, ICC, comments or trailing data.
    if image_format == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    output = io.BytesIO()
    save_options: dict[str, dict[str, Any]] = {
        "PNG": {"optimize": True},
        "JPEG": {"quality": 85, "optimize": True},
        "WEBP": {"quality": 85},
    }
    clean.save(output, format=image_format, **save_options[image_format])
    name = f"{uuid.uuid4().hex}.{FORMATS[image_format]}"
    return CleanImage(ContentFile(output.getvalue(), name=name), clean.width, clean.height)


class ImageUploadField(forms.FileField):
    """A form field whose cleaned value is a ``CleanImage`` (or None when left empty)."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})

    def __init__(self, *, max_bytes=2 * 1024 * 1024, max_side=400, **kwargs):
        self.max_bytes = max_bytes
        self.max_side = max_side
        kwargs.setdefault(
            "help_text",
            _("PNG, JPEG ou WebP, %(megabytes)s Mo au plus.") % {"megabytes": _megabytes(max_bytes)},
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded or uploaded is initial:
            return uploaded
        if uploaded.size > self.max_bytes:
            raise forms.ValidationError(too_large_message(self.max_bytes), code="too_large")
        try:
            return clean_image(uploaded.read(), max_bytes=self.max_bytes, max_side=self.max_side)
        except ImageRejected as rejected:
            raise forms.ValidationError(str(rejected), code="invalid_image") from None
