"""Logos through the real forms, with real image files: what is stored, and what is refused."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from campaign.antispam import form_timestamp
from organisations.models import Organisation
from tests.campaign.factories import enrol_totp
from tests.organisations.factories import image_bytes, make_editor, make_organisation

pytestmark = pytest.mark.django_db


def join(client, logo):
    return client.post(
        "/organisations/rejoindre/",
        {
            "name": "Collectif Parents Vigilants",
            "kind": "collectif",
            "scope": "national",
            "contact_name": "Zoé",
            "contact_email": "zoe@example.org",
            "consent": "on",
            "shown_at": form_timestamp(time.time() - 10),
            "logo": logo,
        },
    )


def stored(organisation):
    with organisation.logo.open("rb") as file, Image.open(io.BytesIO(file.read())) as image:
        image.load()
        return image


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_valid_logos_are_reencoded_resized_and_stripped(client, media, fmt, extension):
    response = join(client, SimpleUploadedFile(f"logo.{extension}", image_bytes(fmt, (1200, 900), exif=True)))

    assert response.status_code == 302
    organisation = Organisation.objects.get()
    image = stored(organisation)
    assert (image.format, image.size) == (fmt, (400, 300))
    assert (organisation.logo_width, organisation.logo_height) == (400, 300)
    assert organisation.logo.name.startswith("logos/") and organisation.logo.name.endswith(f".{extension}")
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info


def test_a_small_logo_keeps_its_size(client, media):
    join(client, SimpleUploadedFile("petit.png", image_bytes("PNG", (120, 80))))

    organisation = Organisation.objects.get()
    assert stored(organisation).size == (120, 80) == (organisation.logo_width, organisation.logo_height)


def large_png():
    noise = Image.effect_noise((1800, 1800), 100).convert("RGB")
    output = io.BytesIO()
    noise.save(output, format="PNG")
    assert output.tell() > 2 * 1024 * 1024
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "logo.png",
            b"Ceci est un fichier texte, pas une image.\n" * 20,
            "Ce fichier n'est pas une image PNG, JPEG ou WebP lisible.",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
            "Les images SVG ne sont pas acceptées : envoyez un PNG, un JPEG ou un WebP.",
        ),
        ("grand.png", None, "L'image pèse plus de 2 Mo. Envoyez une image plus légère."),
        ("anim.gif", image_bytes("GIF"), "Ce format d'image n'est pas accepté : envoyez un PNG, un JPEG ou un WebP."),
    ],
)
def test_bad_logos_are_refused_beside_the_field_and_the_rest_is_kept(client, media, name, content, message):
    response = join(client, SimpleUploadedFile(name, content if content is not None else large_png()))

    html = response.content.decode()
    assert response.status_code == 200
    escaped = message.replace("'", "&#x27;")
    assert f'<ul class="errorlist" id="id_logo_error"><li>{escaped}</li></ul>' in html
    assert 'value="Collectif Parents Vigilants"' in html
    assert Organisation.objects.count() == 0
    assert not (media / "logos").exists() or list((media / "logos").iterdir()) == []


def test_a_valid_logo_must_be_chosen_again_when_another_field_fails(client, media):
    response = client.post(
        "/organisations/rejoindre/",
        {
            "name": "",
            "logo": SimpleUploadedFile("logo.png", image_bytes()),
            "shown_at": form_timestamp(time.time() - 10),
        },
    )

    assert "Le logo n'a pas pu être gardé : choisissez-le à nouveau avant d'envoyer." in response.content.decode()


def test_an_editor_replaces_and_removes_the_logo(media, django_capture_on_commit_callbacks):
    organisation = make_organisation("ICEM", slug="icem")
    editor = enrol_totp(make_editor(organisation))
    browser = Client()
    browser.force_login(editor)
    profile = {
        "short_name": "",
        "kind": "syndicat",
        "scope": "national",
        "website": "",
        "description": "",
        "logo_alt": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/espace/organisations/icem/", {**profile, "new_logo": SimpleUploadedFile("a.png", image_bytes())})
    organisation.refresh_from_db()
    first = media / organisation.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/espace/organisations/icem/",
            {**profile, "new_logo": SimpleUploadedFile("b.jpg", image_bytes("JPEG", (300, 600)))},
        )
    organisation.refresh_from_db()
    second = media / organisation.logo.name

    assert not first.exists() and second.exists()
    assert (organisation.logo_width, organisation.logo_height) == (200, 400)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/espace/organisations/icem/", {**profile, "remove_logo": "on"})
    organisation.refresh_from_db()

    assert (organisation.logo.name, organisation.logo_width, organisation.logo_height) == ("", None, None)
    assert not second.exists()
