"""The site's initial content: its texts, shipped with the code in ``campaign/content/``, and what the apps add.

Loaded by `manage.py load_initial_content` (run by `make run` and on deploy).
Each app adds its loader in its AppConfig.ready() (``add_loader``); they run
in the order of INSTALLED_APPS, and each is idempotent: what already exists is
left as staff edited it.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from campaign.models import Page

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# Each returns the list of what it created.
loaders: list[Callable[[], list[str]]] = []


def add_loader(function: Callable[[], list[str]]) -> None:
    if function not in loaders:
        loaders.append(function)


# (slug, name, file of the French text). A translation, when one is shipped,
# is the file of the same stem with the language: `appel-retrait-lsun.en.md`.
PAGES = [
    (Page.APPEAL, "Appel", "appel-retrait-lsun.md"),
    (Page.PRIVACY, "Confidentialité", "confidentialite.md"),
    (Page.LEGAL, "Mentions légales", "mentions-legales.md"),
    (Page.LEAD, "En bref (accueil)", "chapo.md"),
    (Page.QUESTIONS, "Questions et réponses", "questions.md"),
]


def read_content(filename):
    """Split a content file into its ``# Title`` line and its Markdown body."""
    text = (CONTENT_DIR / filename).read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith("# "):
        raise ValueError(f"{filename} must start with a '# Title' line.")
    return first[2:].strip(), body.strip() + "\n"


def content_file(filename, language):
    """The file of ``filename``'s text in ``language``: itself in French, `<stem>.<language>.md` otherwise."""
    if language == settings.LANGUAGE_CODE:
        return filename
    return f"{filename.removesuffix('.md')}.{language}.md"


@transaction.atomic
def load_page_files(pages):
    """Give each page of ``pages`` its first revision in each language it has none in and a file for.

    Returns what was created: the slug for a French text, ``slug:language``
    for a translation. Translations are marked ``needs_review``: the admin
    flags them until someone on the team has read them and saved a revision.
    """
    created = []
    for slug, name, filename in pages:
        page, _ = Page.objects.get_or_create(slug=slug, defaults={"name": name})
        present = set(page.revisions.values_list("language", flat=True))
        for language, _language_name in settings.LANGUAGES:
            source = content_file(filename, language)
            if language in present or not (CONTENT_DIR / source).exists():
                continue
            title, body = read_content(source)
            translation = language != settings.LANGUAGE_CODE
            page.publish(title=title, body=body, language=language, needs_review=translation)
            created.append(f"{slug}:{language}" if translation else slug)
    return created


def load_pages():
    """The site's own texts (PAGES); return what was created."""
    return load_page_files(PAGES)
