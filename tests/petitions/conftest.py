from datetime import timedelta

import pytest
from django.utils import timezone

from petitions.initial_content import load_petition
from petitions.models import Petition
from tests.conftest import use_own_cache


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own (rate limits, the cached count), in memory or in Redis."""
    use_own_cache(settings)


@pytest.fixture
def petition(pages):
    """The featured petition, as `make run` loads it, opened a month ago."""
    load_petition()
    Petition.objects.update(opens_at=timezone.now() - timedelta(days=30))
    return Petition.objects.get()
