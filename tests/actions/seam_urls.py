"""The site's URLs plus a sharing page and a paper sheet page, as the features that own them would add them."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

from campaign.urls import *  # noqa: F403 - the handlers, and every page of the site
from campaign.urls import urlpatterns as site_urlpatterns


def placeholder(request):
    return HttpResponse("")


urlpatterns = [
    *i18n_patterns(
        path("relayer/", placeholder, name="share"),
        path("signer/papier/", placeholder, name="paper_sheet"),
        prefix_default_language=False,
    ),
    *site_urlpatterns,
]
