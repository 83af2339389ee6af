"""The site's initial content: its texts, shipped with the code in ``campaign/content/``, and what the apps add.

Loaded by `manage.py load_initial_content` (run by `make run` and on deploy).
Each app adds its loader in its AppConfig.ready() (``add_loader``); they run
in the order of INSTALLED_APPS, and each is idempotent: what already exists is
left as staff edited it.
"""

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from campaign.models import Page

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# Each returns the list of what it created.
loaders: list[Callable[[], list[str]]] = []


def add_loader(function: Callable[[], list[str]]) -> None:
    if function not in loaders:
        loaders.append(function)


PAGES = [
    (Page.APPEAL, "Appel", "appel-retrait-lsun.md"),
    (Page.PRIVACY, "Confidentialité", "confidentialite.md"),
    (Page.LEGAL, "Mentions légales", "mentions-legales.md"),
]


def read_content(filename):
    """Split a content file into its ``# Title`` line and its Markdown body."""
    text = (CONTENT_DIR / filename).read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith("# "):
        raise ValueError(f"{filename} must start with a '# Title' line.")
    return first[2:].strip(), body.strip() + "\n"


@transaction.atomic
def load_pages():
    """Create each missing page with its first revision; return the slugs created."""
    created = []
    for slug, name, filename in PAGES:
        page, is_new = Page.objects.get_or_create(slug=slug, defaults={"name": name})
        if is_new or not page.revisions.exists():
            title, body = read_content(filename)
            page.publish(title=title, body=body)
            created.append(slug)
    return created
