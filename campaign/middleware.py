import logging
import re
import time
import uuid

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

from campaign.http_cache import PUBLIC_ATTRIBUTE

request_logger = logging.getLogger("campaign.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


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


class RequestLogMiddleware:
    """One log line per request: method, route, status, duration, request id.

    The request id comes from the trusted proxy (X-Request-ID) when there is
    one, else is made here; it is returned in the response so a report from a
    reader can be matched with the log line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if settings.TRUSTED_PROXY_COUNT and REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response.headers["X-Request-ID"] = request.id
        request_logger.info(
            "%s %s %s",
            request.method,
            self.route(request, response),
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "route": self.route(request, response),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

    @staticmethod
    def route(request, response):
        # Public pages hold no secret in their path; elsewhere the URL pattern
        # stands in for the path, so tokens never reach the logs.
        if getattr(response, PUBLIC_ATTRIBUTE, False):
            return request.path
        match = getattr(request, "resolver_match", None)
        if match is not None:
            return "/" + match.route
        if request.path.startswith(settings.STATIC_URL):
            return request.path
        return "-"
