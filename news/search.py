"""Full-text search over published posts and the appeal (PostgreSQL, French, accents ignored)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from campaign.models import Page, PageRevision
from news.models import HIGHLIGHT_START, HIGHLIGHT_STOP, SEARCH_CONFIG, Post, html_to_text

POST = "post"
APPEAL = "appeal"


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    date: datetime | None
    excerpt: str
    organisation: object = None


def highlighted(excerpt):
    """A ts_headline excerpt as safe HTML: the text is escaped whole, then the marks become <mark>."""
    return mark_safe(  # noqa: S308 - everything but our own two marks was escaped just above
        escape(excerpt or "").replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    )


def _headline(expression, query):
    return SearchHeadline(
        expression,
        query,
        config=SEARCH_CONFIG,
        start_sel=HIGHLIGHT_START,
        stop_sel=HIGHLIGHT_STOP,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def has_lexemes(text):
    """False when the query holds only common words ("le", "de") or punctuation: nothing to look for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, text])
        return cursor.fetchone()[0] > 0


def _ranked_hits(query, appeal):
    """(kind, pk, rank, date) of every match, best first: one query, paginated by the caller."""
    posts = (
        Post.objects.published()
        .filter(search=query)
        .annotate(kind=Value(POST), rank=SearchRank(F("search"), query), date=F("published_at"))
        .values("kind", "pk", "rank", "date")
    )
    if appeal is None:
        return posts.order_by("-rank", "-date", "-pk")
    document = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="C", config=SEARCH_CONFIG
    )
    appeal_hit = (
        PageRevision.objects.filter(pk=appeal.pk)
        .annotate(document=document)
        .filter(document=query)
        .annotate(kind=Value(APPEAL), rank=SearchRank(F("document"), query), date=F("created_at"))
        .values("kind", "pk", "rank", "date")
    )
    return posts.union(appeal_hit).order_by("-rank", "-date", "-pk")


def _hits_for_page(rows, query, appeal):
    post_ids = [row["pk"] for row in rows if row["kind"] == POST]
    posts = {
        post.pk: post
        for post in Post.objects.filter(pk__in=post_ids)
        .select_related("organisation")
        .annotate(excerpt=_headline(Concat("summary", Value(" "), "body_text", output_field=TextField()), query))
    }
    hits = []
    for row in rows:
        if row["kind"] == POST:
            post = posts[row["pk"]]
            excerpt = highlighted(post.excerpt)
            hits.append(Hit(POST, post.title, post.get_absolute_url(), post.published_at, excerpt, post.organisation))
        else:
            excerpt = (
                PageRevision.objects.filter(pk=appeal.pk)
                .annotate(excerpt=_headline(Value(html_to_text(appeal.body_html)), query))
                .values_list("excerpt", flat=True)
                .get()
            )
            hits.append(Hit(APPEAL, appeal.title, reverse("appeal"), appeal.created_at, highlighted(excerpt)))
    return hits


@dataclass
class Results:
    page: object  # a Paginator page whose object_list holds Hit objects
    count: int
    only_common_words: bool


def search(text, page_number=None, language=None):
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    appeal = PageRevision.objects.current(Page.APPEAL, language or settings.LANGUAGE_CODE)
    paginator = Paginator(_ranked_hits(query, appeal), settings.NEWS_SEARCH_PER_PAGE)
    page = paginator.get_page(page_number)
    page.object_list = _hits_for_page(list(page.object_list), query, appeal)
    only_common_words = paginator.count == 0 and not has_lexemes(text)
    return Results(page=page, count=paginator.count, only_common_words=only_common_words)
