import pytest
from django.utils import translation

from tests.conftest import use_own_cache


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Rate-limit counters and used TOTP codes live in the cache: each test starts without them."""
    use_own_cache(settings)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def site_language_afterwards(settings):
    """A request to an /en/ page leaves English active in this thread; later tests expect French."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
