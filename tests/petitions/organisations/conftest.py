import pytest

from tests.accounts import use_own_cache


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Rate-limit counters and used TOTP codes live in the cache: each test starts without them."""
    use_own_cache(settings)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
