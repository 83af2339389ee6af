import pytest

from actions.initial_content import load_letters
from tests.conftest import use_own_cache


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own (rate limits), in memory or in Redis."""
    use_own_cache(settings)


@pytest.fixture
def letters(pages):
    """The site's texts and the letters' templates, as `make run` loads them."""
    load_letters()
