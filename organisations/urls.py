"""Signatory organisations: public pages, joining, and the editors' space."""

from django.urls import path

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
]
