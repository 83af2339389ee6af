"""Public pages cost about as much as static files.

Two layers, one rule: a view decorated with ``@public_page`` produces a
response that is the same for every anonymous reader.

- For caches in front of the site (browsers, a CDN, nginx): ``Cache-Control:
  public`` with a short ``max-age``, ``stale-while-revalidate`` and
  ``stale-if-error``; ``Vary: Accept-Encoding`` only (the language is in the
  path, never negotiated); a strong ``ETag`` honoured with 304.
- In each process: ``PageCacheMiddleware`` keeps the rendered bytes (plain,
  gzip and brotli) for ``PAGE_CACHE_SECONDS`` and answers the next readers
  before sessions, CSRF, locale or the database are touched.

Invalidation: saving the content a page shows (an appeal revision, an
organisation, a post) bumps a generation number in PostgreSQL; each process
looks at it at most once per ``PAGE_CACHE_GENERATION_CHECK`` seconds, so every
server drops its pages within about a second, whatever the cache backend.
Each app names its models shown on public pages in its ``AppConfig.ready()``
(``invalidate_pages_on_change``).
Scheduled content: pages that show it use ``@public_page(scheduled=True)``;
the functions given to ``add_horizon`` (by the apps that schedule content)
return the next moment something scheduled becomes visible, and no entry and
no ``max-age`` outlives it, so a post scheduled for 9:00 appears at 9:00
without cron.

Readers with a session (editors, staff) bypass the process cache; pages that
set a cookie or vary on it are never stored.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control

from campaign.models import CacheGeneration

try:
    # Optional for the site to work: without it, pages are kept plain and gzipped only.
    import brotli
except ImportError:  # pragma: no cover - brotli is pinned in requirements.txt
    brotli = None

logger = logging.getLogger(__name__)

PUBLIC_ATTRIBUTE = "campaign_public_page"
HORIZON_ATTRIBUTE = "campaign_public_until"
# Headers a cached entry keeps; everything else is the server's or per-request.
KEPT_HEADERS = {
    "content-type",
    "content-language",
    "content-security-policy",
    "permissions-policy",
    "referrer-policy",
    "x-content-type-options",
    "x-frame-options",
    "cross-origin-opener-policy",
    "access-control-allow-origin",
    "cache-control",
    "last-modified",
    "x-robots-tag",
}
MIN_COMPRESS_BYTES = 512
# Feeds and the sitemap are polled by machines: ten minutes is fresh enough
# (and never past the next scheduled post, with ``scheduled=True``).
MACHINE_READ_MAX_AGE = 600


def public_page(view=None, *, max_age=60, stale_while_revalidate=600, stale_if_error=86400, scheduled=False):
    """Mark a view's successful GET responses as the same for every anonymous reader.

    ``scheduled=True`` for pages that show scheduled content (posts): their
    lifetime, in every cache, ends when the next scheduled item appears.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            response = view_func(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
                setattr(response, PUBLIC_ATTRIBUTE, True)
                directives = {"public": True, "max_age": max_age, "stale_if_error": stale_if_error}
                horizon = next_horizon() if scheduled else None
                if horizon is not None and (horizon - timezone.now()).total_seconds() < max_age:
                    setattr(response, HORIZON_ATTRIBUTE, horizon)
                    directives["max_age"] = max(0, int((horizon - timezone.now()).total_seconds()))
                else:
                    # Not when scheduled content is about to appear: no cache
                    # may keep serving the old page past that moment.
                    directives["stale_while_revalidate"] = stale_while_revalidate
                patch_cache_control(response, **directives)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


# What names the next moment scheduled content appears: one function per app
# that schedules content, added in its AppConfig.ready().
horizons: list[Callable[[], datetime | None]] = []


def add_horizon(function: Callable[[], datetime | None]) -> None:
    if function not in horizons:
        horizons.append(function)


def next_horizon() -> datetime | None:
    """The next moment scheduled content appears (see ``add_horizon``), or None."""
    moments = [function() for function in horizons]
    return min((moment for moment in moments if moment is not None), default=None)


def invalidate_pages() -> None:
    """Drop every cached page, in every process and on every server (within a second)."""
    CacheGeneration.bump(CacheGeneration.PAGES)
    generation_watcher.reset()
    page_store.clear()


def content_changed(sender: type, **kwargs: object) -> None:
    """Signal receiver for the models given to ``invalidate_pages_on_change``."""
    # After commit: a rolled-back change must not empty the caches.
    transaction.on_commit(invalidate_pages)


def invalidate_pages_on_change(*models: type[Model]) -> None:
    """Saving or deleting a row of these models (content public pages show) drops every cached page."""
    for model in models:
        label = model._meta.label
        post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-{label}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"page-cache-{label}-delete")


class GenerationWatcher:
    """The current page generation, read from PostgreSQL at most once per interval."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.generation = None

    def reset(self):
        with self.lock:
            self.checked_at = float("-inf")

    def refresh(self):
        now = time.time()
        if now - self.checked_at < settings.PAGE_CACHE_GENERATION_CHECK:
            return self.generation
        with self.lock:
            if now - self.checked_at < settings.PAGE_CACHE_GENERATION_CHECK:
                return self.generation
            try:
                self.generation = CacheGeneration.current(CacheGeneration.PAGES)
            except DatabaseError:
                # The database is away: keep serving what we have (stale-if-error),
                # and look again at the next interval.
                logger.warning("page cache: generation unavailable, serving cached pages")
            self.checked_at = now
            return self.generation


generation_watcher = GenerationWatcher()


@dataclass
class Entry:
    status: int
    headers: list
    body: bytes
    etag: str
    generation: int | None
    expires_at: float
    variants: dict = field(default_factory=dict)

    @classmethod
    def from_response(cls, response, generation, expires_at):
        body = response.content
        headers = [(name, value) for name, value in response.headers.items() if name.lower() in KEPT_HEADERS]
        headers.append(("Vary", "Accept-Encoding"))
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        entry = cls(response.status_code, headers, body, etag, generation, expires_at)
        if len(body) >= MIN_COMPRESS_BYTES:
            entry.variants["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
            if brotli is not None:
                entry.variants["br"] = brotli.compress(body, quality=5)
        return entry

    def respond(self, request):
        encoding = _preferred_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""), self.variants)
        etag = self.etag if encoding is None else f'{self.etag[:-1]}-{encoding}"'
        response: HttpResponse
        if etag in _etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
            response = HttpResponseNotModified()
            for name, value in self.headers:
                if name.lower() in ("cache-control", "vary", "content-language"):
                    response.headers[name] = value
            response.headers["ETag"] = etag
            setattr(response, PUBLIC_ATTRIBUTE, True)
            return response
        body = self.body if encoding is None else self.variants[encoding]
        response = HttpResponse(b"" if request.method == "HEAD" else body, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        if encoding is not None:
            response.headers["Content-Encoding"] = encoding
        response.headers["Content-Length"] = str(len(body))
        response.headers["ETag"] = etag
        setattr(response, PUBLIC_ATTRIBUTE, True)
        return response


def _etags(header):
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _preferred_encoding(accept_encoding, variants):
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    for encoding in ("br", "gzip"):
        if encoding in accepted and encoding in variants:
            return encoding
    return None


class PageStore:
    """A small LRU of rendered public pages, private to this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = OrderedDict()

    def get(self, key, generation):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.generation != generation or entry.expires_at <= time.time():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > settings.PAGE_CACHE_MAX_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


page_store = PageStore()


def _storable(response):
    if not getattr(response, PUBLIC_ATTRIBUTE, False) or response.status_code != 200:
        return False
    if response.cookies or "Set-Cookie" in response.headers:
        return False
    vary = {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}
    return "cookie" not in vary


def _has_session(request):
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies


class PageCacheMiddleware:
    """Serve public pages from this process's memory; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or _has_session(request) or not settings.PAGE_CACHE_SECONDS:
            return self._finish(request, self.get_response(request))
        try:
            key = (request.get_host(), request.get_full_path())
        except Exception:  # noqa: BLE001 - DisallowedHost and friends: let Django answer
            return self.get_response(request)
        generation = generation_watcher.refresh()
        entry = page_store.get(key, generation)
        if entry is None:
            response = self.get_response(request)
            if not _storable(response):
                return self._finish(request, response)
            entry = self._store(key, response, generation)
        return entry.respond(request)

    def _store(self, key, response, generation):
        lifetime = settings.PAGE_CACHE_SECONDS
        horizon = getattr(response, HORIZON_ATTRIBUTE, None)
        if horizon is not None:
            lifetime = min(lifetime, (horizon - timezone.now()).total_seconds())
        entry = Entry.from_response(response, generation, time.time() + lifetime)
        if lifetime > 0:
            page_store.put(key, entry)
        return entry

    def _finish(self, request, response):
        """Public responses not served from memory still get their validators and Vary."""
        if not _storable(response):
            return response
        return Entry.from_response(response, None, 0).respond(request)
