"""Plain factories for the news tests: real rows through the real code."""

from datetime import timedelta

from django.utils import timezone

from news.models import Post
from news.services import save_with_unique_slug


def make_post(title="Le ministère répond", *, minutes_ago=60, status=Post.Status.PUBLISHED, **fields):
    """A published post (``minutes_ago`` before now; negative schedules it)."""
    fields.setdefault("summary", f"Résumé de « {title} ».")
    fields.setdefault("body", "Le texte de l'actualité.")
    published_at = timezone.now() - timedelta(minutes=minutes_ago)
    fields.setdefault("updated_at", published_at)
    post = Post(title=title, status=status, published_at=published_at, **fields)
    return save_with_unique_slug(post)
