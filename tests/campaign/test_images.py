import io
import struct
import time
import zlib

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.images import MAX_PIXELS, ImageUploadField


def image_bytes(fmt, size=(800, 600), exif=False, color=(200, 30, 40)):
    image = Image.new("RGB", size, color)
    output = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Camera Maker"  # Make
        data[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
        options["exif"] = data.tobytes()
    image.save(output, format=fmt, **options)
    return output.getvalue()


class LogoForm(forms.Form):
    logo = ImageUploadField(required=False)


def submit(name, content):
    return LogoForm(files={"logo": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_valid_images_are_resized_and_reencoded(fmt, extension):
    form = submit(f"logo.{extension}", image_bytes(fmt))

    assert form.is_valid(), form.errors
    clean = form.cleaned_data["logo"]
    assert (clean.width, clean.height) == (400, 300)
    assert clean.file.name.endswith(f".{extension}")
    with Image.open(io.BytesIO(clean.file.read())) as stored:
        assert (stored.format, stored.size) == (fmt, (400, 300))


def test_metadata_is_stripped():
    form = submit("photo.jpg", image_bytes("JPEG", exif=True))

    assert form.is_valid(), form.errors
    with Image.open(io.BytesIO(form.cleaned_data["logo"].file.read())) as stored:
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info


def test_small_images_keep_their_size():
    form = submit("petit.png", image_bytes("PNG", size=(120, 80)))

    assert form.is_valid()
    assert (form.cleaned_data["logo"].width, form.cleaned_data["logo"].height) == (120, 80)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faux.png", b"Ceci n'est pas une image.\n" * 10, "Ce fichier n'est pas une image PNG, JPEG ou WebP lisible."),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Les images SVG ne sont pas acceptées : envoyez un PNG, un JPEG ou un WebP.",
        ),
        (
            "logo.png",
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "Les images SVG ne sont pas acceptées : envoyez un PNG, un JPEG ou un WebP.",
        ),
        ("anim.gif", image_bytes("GIF"), "Ce format d'image n'est pas accepté : envoyez un PNG, un JPEG ou un WebP."),
        ("tronque.png", image_bytes("PNG")[:200], "Ce fichier n'est pas une image PNG, JPEG ou WebP lisible."),
    ],
)
def test_refusals_have_a_clear_french_message(name, content, message):
    form = submit(name, content)

    assert not form.is_valid()
    assert form.errors["logo"] == [message]


def test_oversized_file_is_refused():
    noise = Image.effect_noise((1800, 1800), 100).convert("RGB")
    output = io.BytesIO()
    noise.save(output, format="PNG")
    assert output.tell() > 2 * 1024 * 1024

    form = submit("grand.png", output.getvalue())

    assert form.errors["logo"] == ["L'image pèse plus de 2 Mo. Envoyez une image plus légère."]


TOO_MANY_PIXELS = (
    "Cette image a trop de pixels : 16 millions au plus (une photo de téléphone en a environ 12). "
    "Réduisez-la avant de l'envoyer."
)


def flat_png(size, mode="RGB"):
    """A PNG of one colour: a few kilobytes, whatever the size it declares."""
    output = io.BytesIO()
    Image.new(mode, size).save(output, format="PNG", optimize=True)
    return output.getvalue()


@pytest.mark.parametrize("size", [(8000, 5000), (4001, 4000), (6000, 4000), (65000, 65000)])
def test_a_small_file_declaring_too_many_pixels_is_refused_before_decoding(size):
    # The 40-megapixel one (126 KB) took a worker from 65 to 370 MB when it was decoded.
    content = flat_png(size) if size[0] * size[1] <= 40_000_000 else png_header_only(size)

    start = time.perf_counter()
    form = submit("bombe.png", content)

    assert form.errors["logo"] == [TOO_MANY_PIXELS]
    assert time.perf_counter() - start < 0.5


def png_header_only(size):
    """A PNG declaring ``size`` whose pixel data is missing: what a header-only bomb looks like."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", *size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def test_pillow_refuses_the_same_images_anywhere_they_are_opened():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS

    with pytest.raises((Image.DecompressionBombWarning, Image.DecompressionBombError)):
        Image.open(io.BytesIO(flat_png((4001, 4000))))


def test_a_phone_photo_is_welcome():
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    output = io.BytesIO()
    Image.merge("RGB", (gradient, gradient, gradient)).save(output, format="JPEG", quality=80)

    form = submit("photo.jpg", output.getvalue())

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["logo"].width, form.cleaned_data["logo"].height) == (400, 300)


def test_the_rotation_of_a_photo_is_applied_to_the_small_image():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    output = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 30, 40)).save(output, format="JPEG", exif=exif.tobytes())

    form = submit("photo.jpg", output.getvalue())

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["logo"].width, form.cleaned_data["logo"].height) == (300, 400)
