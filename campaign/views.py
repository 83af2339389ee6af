import logging
import sys

from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign import health
from campaign.http_cache import public_page
from campaign.models import Page, PageRevision

logger = logging.getLogger(__name__)


def _current_or_404(slug):
    revision = PageRevision.objects.current(slug, translation.get_language())
    if revision is None:
        raise Http404
    return revision


@require_safe
@public_page(scheduled=True)
def home(request):
    return render(request, "campaign/home.html", {"appeal": _current_or_404(Page.APPEAL)})


@require_safe
@public_page
def appeal(request):
    return render(request, "campaign/appeal.html", {"appeal": _current_or_404(Page.APPEAL)})


@require_safe
@public_page
def page(request, slug):
    return render(request, "campaign/page.html", {"revision": _current_or_404(slug)})


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, with the age of the oldest waiting work; 503 when not."""
    try:
        backlog = health.backlog()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", **backlog})


def server_error(request):
    """The 500 handler; a database outage gets the "come back soon" page instead."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        response = HttpResponseServerError(render_to_string("503.html"))
        response.status_code = 503
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("500.html"))


def minimal(request):
    """The framework's own ceiling for the benchmark: the whole middleware stack, no work."""
    return HttpResponse("ok", content_type="text/plain")
