import functools
import logging
import sys
from pathlib import Path

import psycopg
from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign import health
from campaign.http_cache import MACHINE_READ_MAX_AGE, public_page
from campaign.markdown import heading_anchors
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
    # The appeal and the lead above it in one query: the home page is the one every visitor opens.
    texts = PageRevision.objects.current_many([Page.APPEAL, Page.LEAD], translation.get_language())
    if Page.APPEAL not in texts:
        raise Http404
    return render(request, "campaign/home.html", {"appeal": texts[Page.APPEAL], "lead": texts.get(Page.LEAD)})


@require_safe
@public_page
def appeal(request):
    return render(request, "campaign/appeal.html", {"appeal": _current_or_404(Page.APPEAL)})


@require_safe
@public_page
def page(request, slug):
    return render(request, "campaign/page.html", {"revision": _current_or_404(slug)})


# Ids the layout and the page use already: no question may take them.
QUESTIONS_RESERVED_IDS = frozenset({"contenu", "page-title", "questions-list"})


@require_safe
@public_page
def questions(request):
    """Questions and answers: each question (a ``##`` heading) has its own address, to share one answer."""
    revision = _current_or_404(Page.QUESTIONS)
    body_html, sections = heading_anchors(
        revision.body_html, gettext("Lien vers cette question"), reserved=QUESTIONS_RESERVED_IDS
    )
    context = {"revision": revision, "body_html": body_html, "sections": sections}
    return render(request, "campaign/questions.html", context)


@require_safe
@public_page(max_age=MACHINE_READ_MAX_AGE, scheduled=True)
def sitemap_xml(request, sitemaps):
    """/sitemap.xml, made of the sections the URLconf gives (campaign.urls)."""
    return sitemap(request, sitemaps=sitemaps)


@require_safe
@public_page(max_age=24 * 3600)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /compte/",
        "Disallow: /espace/",
        "Disallow: /recherche/",
        "Disallow: /en/recherche/",
        "Disallow: /actualites/desabonnement/",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@functools.cache
def _favicon():
    return Path(str(finders.find("icons/favicon.ico"))).read_bytes()


@require_safe
@public_page(max_age=7 * 24 * 3600)
def favicon(request):
    """/favicon.ico: browsers, feed readers and bookmarks ask for it whatever the pages link to."""
    return HttpResponse(_favicon(), content_type="image/vnd.microsoft.icon")


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, with the age of the oldest waiting work; 503 when not."""
    try:
        backlog = health.backlog()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", **backlog})


# What PostgreSQL being away looks like once Django has wrapped it: refused or
# lost connections, the server shutting down, and psycopg_pool's PoolTimeout
# (a psycopg OperationalError) when no connection frees up in
# DATABASE_POOL_TIMEOUT. IntegrityError, DataError, ProgrammingError are bugs
# (or input that validation should have refused): the 500 page, never the 503.
OUTAGES = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# Set on responses made by error_page(): no cookie leaves with them.
ERROR_PAGE_ATTRIBUTE = "campaign_error_page"


def error_page(request, status, template=None):
    """The site's page for an error status, in the language of the address (``/en/…``: English).

    Rendered from an explicit context, without the request's context processors:
    it reads neither the session, the messages, the database nor the Host header,
    so it renders with PostgreSQL down (500, 503) and for a forbidden Host (400).
    """
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        body = render_to_string(template or f"{status}.html", {"request": request, "LANGUAGE_CODE": language})
    response = HttpResponse(body, status=status)
    response["Content-Language"] = language
    setattr(response, ERROR_PAGE_ATTRIBUTE, True)
    return response


def bad_request(request, exception):
    """400: a bad Host, a body that cannot be read (a charset other than UTF-8)...

    Deliberately not wrapped in CSRF handling (Django's own 400 view is): the
    CSRF check would read the unreadable body again and turn the 400 into a 500.
    """
    if isinstance(exception, RequestDataTooBig):
        return error_page(request, 413)
    return error_page(request, 400)


def permission_denied(request, exception):
    return error_page(request, 403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its token, or with an expired one."""
    return error_page(request, 403, "403_csrf.html")


def page_not_found(request, exception):
    return error_page(request, 404)


def too_many_requests(request, exception=None):
    """429, also used by allauth's rate limits (it looks for ``handler429`` in the URLconf)."""
    return error_page(request, 429)


def server_error(request):
    """The 500 handler; the database being unreachable gets the "come back soon" page (503) instead."""
    if isinstance(sys.exc_info()[1], OUTAGES):
        response = error_page(request, 503)
        response["Retry-After"] = "30"
        return response
    return error_page(request, 500)


def minimal(request):
    """The framework's own ceiling for the benchmark: the whole middleware stack, no work."""
    return HttpResponse("ok", content_type="text/plain")
