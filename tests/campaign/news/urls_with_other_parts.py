"""The site's URLs plus stand-ins for the pages the petition and organisations parts will serve."""

from django.http import HttpResponse
from django.urls import path

from campaign.urls import urlpatterns as site_urlpatterns


def stand_in(request, **kwargs):
    return HttpResponse("")


urlpatterns = [
    *site_urlpatterns,
    path("signer/", stand_in),
    path("organisations/", stand_in),
    path("organisations/<slug:slug>/", stand_in),
]
