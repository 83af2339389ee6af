import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.campaign.html_text import block_texts

LOCALE = Path(settings.BASE_DIR) / "locale"
IGNORED = [".venv/*", "var/*", "tests/*", "bench/*", "docs/*"]


def test_english_interface_under_en(client, pages):
    html = client.get("/en/").content.decode()

    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#contenu">Skip to content</a>' in html
    assert '<li><a href="/en/appel/">The appeal</a></li>' in html
    assert '<a href="/en/confidentialite/">Privacy</a>' in html
    # The appeal in translation, and says so to screen readers; the French text is the one signed.
    assert '<article class="appeal" lang="en" aria-labelledby="appeal-title">' in html
    assert '<h1 id="appeal-title">Withdrawal of the Livret Scolaire Unique Numérique</h1>' in html


def test_language_switcher_links_to_the_same_page(client, pages):
    french = client.get("/appel/").content.decode()
    english = client.get("/en/appel/").content.decode()

    assert block_texts(french, "language-switcher") == ["Français", "English"]
    assert '<a href="/en/appel/" hreflang="en" lang="en">English</a>' in french
    assert '<a href="/appel/" hreflang="fr" lang="fr">Français</a>' in english


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="needs GNU gettext")
def test_catalogue_has_every_interface_string_translated(tmp_path, settings, monkeypatch):
    # makemessages writes into ./locale of the folder it runs in, whatever
    # LOCALE_PATHS says: it runs in a copy of the sources, so that the
    # checkout's catalogue is never rewritten by a test.
    source = tmp_path / "source"
    shutil.copytree(
        settings.BASE_DIR, source, ignore=shutil.ignore_patterns(".git", ".venv", "var", "node_modules", "__pycache__")
    )
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)

    call_command("makemessages", locale=["en"], ignore_patterns=IGNORED, no_location=True, verbosity=0)
    call_command(
        "makemessages", locale=["en"], domain="djangojs", ignore_patterns=IGNORED, no_location=True, verbosity=0
    )

    for catalogue in (source / "locale" / "en" / "LC_MESSAGES").glob("*.po"):
        for option in ("--untranslated", "--only-fuzzy"):
            result = subprocess.run(
                ["msgattrib", option, "--no-obsolete", str(catalogue)], capture_output=True, text=True, check=True
            )
            assert result.stdout == "", f"{catalogue.name} {option}:\n{result.stdout}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
def test_compiled_catalogues_match_their_sources(tmp_path):
    for source in (LOCALE / "en" / "LC_MESSAGES").glob("*.po"):
        compiled = tmp_path / f"{source.stem}.mo"
        subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(source)], check=True)

        assert compiled.read_bytes() == source.with_suffix(".mo").read_bytes(), (
            f"run: msgfmt -o {source.with_suffix('.mo')} {source}"
        )
