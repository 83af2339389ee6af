import logging
import re
import time
import uuid

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

from campaign.http_cache import PUBLIC_ATTRIBUTE
from campaign.views import ERROR_PAGE_ATTRIBUTE, error_page

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


class RequestBodyLimitMiddleware:
    """Refuse a body above REQUEST_BODY_MAX_BYTES with the 413 page, before anything reads it.

    Early in the stack, on the announced Content-Length, before the session,
    CSRF or a form touch it. Django's own DATA_UPLOAD_MAX_MEMORY_SIZE
    (fields other than files) is answered 413 too (campaign.views.bad_request).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # what Django reads for a malformed header: no body
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return error_page(request, 413)
        return self.get_response(request)


class ErrorPageMiddleware:
    """Our page where Django answers an empty 405, and no cookie with any error page.

    Outside the session and CSRF middleware, so that a cookie they would add to
    an error page (a session modified, a token read before the failure) is dropped.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            allowed = response.get("Allow")
            response = error_page(request, 405)
            if allowed is not None:
                response["Allow"] = allowed
        if getattr(response, ERROR_PAGE_ATTRIBUTE, False):
            response.cookies.clear()
        return response
