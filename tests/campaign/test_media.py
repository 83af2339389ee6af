import pytest

from tests.campaign.html_text import heading


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "0a1b2c.png").write_bytes(b"\x89PNG fake but served as stored")
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_uploaded_images_are_served_with_a_year_of_cache(client, media, db):
    response = client.get("/media/logos/0a1b2c.png")

    body = b"".join(response.streaming_content)
    response.close()
    assert (response.status_code, response["Content-Type"], body) == (
        200,
        "image/png",
        b"\x89PNG fake but served as stored",
    )
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/media/notes.txt", "/media/../settings.py", "/media/logos/absent.png"])
def test_nothing_but_stored_images_is_served(client, media, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert heading(response.content.decode()) == "Page introuvable"
