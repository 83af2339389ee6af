import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.images import ImageUploadField


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
