"""Addresses of the site as readers reach it (SITE_URL): for emails, feeds and share links."""

from django.conf import settings


def absolute_url(path):
    """``/appel/`` → ``https://retrait-lsun.example/appel/``."""
    return f"{settings.SITE_URL}{path}"
