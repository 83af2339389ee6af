"""Signatory organisations: public pages, joining, and the editors' space."""

from django.urls import path
from django.utils.translation import pgettext_lazy

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/", views.organisation_list, name="list"),
    path("organisations/rejoindre/", views.join, name="join"),
    path("organisations/rejoindre/envoyee/", views.join_sent, name="join_sent"),
    path("organisations/rejoindre/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="detail"),
    path("espace/", views.space, name="space"),
    path("espace/organisations/<slug:slug>/", views.edit, name="edit"),
    path("espace/organisations/<slug:slug>/papier/", views.paper_batches, name="paper"),
    path("espace/organisations/<slug:slug>/papier/feuille.pdf", views.paper_sheet_for, name="paper_sheet_for"),
    # Translated: /signer/papier/ in French, /en/sign/paper/ in English.
    path(pgettext_lazy("URL", "signer/papier/"), views.paper_explained, name="paper_explained"),
    path(pgettext_lazy("URL", "signer/papier/feuille.pdf"), views.paper_sheet, name="paper_sheet"),
]
