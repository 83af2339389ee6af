from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def site(request):
    """Links to this page in the other interface languages (plain links: no cookie)."""
    current = translation.get_language()
    path = request.get_full_path()
    alternates = [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]
    return {"language_alternates": alternates, "site_url": settings.SITE_URL}
