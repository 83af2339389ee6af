"""The site's URLs, plus uploaded media (served by the web server in production, not by Django)."""

from django.conf import settings
from django.urls import path
from django.views.static import serve

from campaign.urls import handler500  # noqa: F401
from campaign.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    path("media/<path:path>", lambda request, path: serve(request, path, document_root=settings.MEDIA_ROOT)),
]
