"""Signatory organisations: public pages and joining (issue 4)."""

from django.urls import path  # noqa: F401

app_name = "organisations"

urlpatterns = []
