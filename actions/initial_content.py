"""The letters' templates, loaded by `manage.py load_initial_content` like the site's other texts."""

from actions.forms import LETTERS
from campaign.initial_content import load_page_files


def load_letters():
    """Each letter's template in French and in translation, where missing; returns what was created."""
    return load_page_files([(letter.slug, letter.page_name, letter.filename) for letter in LETTERS.values()])
