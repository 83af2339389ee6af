"""Rules a page's text must follow to be published, given by the apps that read the page.

A letter template (``actions``) may name only the fields its form fills: the
app says so here in its AppConfig.ready(), and the admin's page form refuses a
text that breaks the rule, with the reason beside the text.
"""

from collections.abc import Callable

# slug -> functions of (title, body) raising django.core.exceptions.ValidationError.
checks: dict[str, list[Callable[[str, str], None]]] = {}


def add_check(slug: str, function: Callable[[str, str], None]) -> None:
    functions = checks.setdefault(slug, [])
    if function not in functions:
        functions.append(function)


def check(slug: str, title: str, body: str) -> None:
    """Raise ValidationError if the text of page ``slug`` breaks a rule of the apps that read it."""
    for function in checks.get(slug, []):
        function(title, body)
