"""The petition: signing, confirming, withdrawing, signatories, the counter (issue 3)."""

from django.urls import path  # noqa: F401

app_name = "petitions"

urlpatterns = []
