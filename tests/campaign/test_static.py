"""Production static files: hashed names, compressed copies, long cache."""

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_collectstatic_writes_hashed_brotli_and_gzip_files(collected):
    hashed = list((collected / "css").glob("site.*.css"))

    assert len(hashed) == 1
    assert hashed[0].with_name(hashed[0].name + ".br").exists()
    assert hashed[0].with_name(hashed[0].name + ".gz").exists()


def test_hashed_files_are_served_compressed_with_a_year_of_immutable_cache(collected, db):
    name = next((collected / "css").glob("site.*.css")).name

    # A new client loads the middleware again, now reading the collected files.
    response = Client().get(f"/static/css/{name}", headers={"accept-encoding": "br, gzip"})
    body = b"".join(response.streaming_content)
    response.close()

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == "max-age=31536000, public, immutable"
    assert body == (collected / "css" / f"{name}.br").read_bytes()
