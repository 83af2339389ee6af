"""News: list, posts, feeds, search, editing (issue 5)."""

from django.urls import path  # noqa: F401

app_name = "news"

urlpatterns = []
