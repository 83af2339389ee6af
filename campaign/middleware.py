from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class SecurityHeadersMiddleware:
    """Headers Django's own middleware does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with hashed files cached for one year rather than ten.

    A year is what RFC 9111 caches are asked to honour at most, and what
    audit tools expect; hashed names change with content anyway.
    """

    FOREVER = 365 * 24 * 3600
