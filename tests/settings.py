"""Settings for the test suite: the project's settings, with a test secret key.

The suite runs with production-like settings (DEBUG off, which requires a
secret key). Nothing else differs: tests set what they need with the
`settings` fixture.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# The test client and the live server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from campaign.settings import *  # noqa: F403

# Pages are rendered for every request in the suite (tests change content and
# read it back at once); tests/campaign/test_http_cache.py turns the cache on.
PAGE_CACHE_SECONDS = 0

# Hashed static names need `collectstatic` first; the suite serves the source
# files instead (tests/campaign/test_static.py checks the production storage).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
