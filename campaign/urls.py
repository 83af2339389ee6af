from allauth.account import urls as allauth_account_urls
from allauth.account import views as account_views
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from campaign import accounts, views
from campaign.media import serve_media
from campaign.models import Page
from campaign.sitemaps import PageSitemap
from news.sitemaps import PostSitemap
from organisations.sitemaps import OrganisationSitemap

# The site's own pages, in the language of the address (campaign.views.error_page).
handler400 = "campaign.views.bad_request"
handler403 = "campaign.views.permission_denied"
handler404 = "campaign.views.page_not_found"
handler429 = "campaign.views.too_many_requests"  # read by allauth's rate limits
handler500 = "campaign.views.server_error"

# /sitemap.xml, section by section. Not the list of signers: it is kept out of
# search engines (noindex).
SITEMAPS = {
    "pages": PageSitemap(
        [
            "home",
            "appeal",
            "questions",
            "actions:act",
            "news:list",
            "privacy",
            "legal",
            "petitions:sign",
            "figures:national",
            "figures:open_data",
            "organisations:paper_explained",
            "petitions:spread",
            "organisations:list",
        ],
    ),
    "posts": PostSitemap,
    "organisations": OrganisationSitemap,
}

# Admin pages of models that moved to another app: staff's bookmarks, and the
# links in moderation emails sent before the move, lead to the same page.
MOVED_ADMIN_PAGES = {
    "petitions/organisation": "organisations/organisation",
    "petitions/auditentry": "campaign/auditentry",
    "campaign/post": "news/post",
}

# django-allauth's account pages, but its login page under a French address:
# the pattern is replaced, not shadowed, so that every link to it is French.
account_urlpatterns = [pattern for pattern in allauth_account_urls.urlpatterns if pattern.name != "account_login"]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Before the admin's own: staff log in through allauth, with their second factor.
    path("admin/login/", accounts.admin_login),
    *(
        re_path(
            rf"^admin/{old}/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{new}/%(rest)s", permanent=True, query_string=True),
        )
        for old, new in MOVED_ADMIN_PAGES.items()
    ),
    # The dossier handed over with the petition, for staff, beside the petition's admin pages.
    path("admin/petitions/", include("petitions.dossier_urls")),
    path("admin/", admin.site.urls),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", views.sitemap_xml, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("petitions.widget_urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("appel/", views.appeal, name="appeal"),
    path("confidentialite/", views.page, {"slug": Page.PRIVACY}, name="privacy"),
    path("mentions-legales/", views.page, {"slug": Page.LEGAL}, name="legal"),
    path("questions/", views.questions, name="questions"),
    path("", include("petitions.urls")),
    path("", include("petitions.figures_urls")),
    path("", include("organisations.urls")),
    path("", include("news.urls")),
    path("", include("actions.urls")),
    path("compte/connexion/", account_views.login, name="account_login"),
    path("compte/continuer/", accounts.continue_after_enrolment, name="account_continue"),
    path("compte/", include(account_urlpatterns)),
    path("compte/2fa/totp/annuler/", accounts.cancel_totp_activation, name="account_cancel_totp"),
    path("compte/2fa/", include("allauth.mfa.urls")),
    prefix_default_language=False,
)

if settings.BENCHMARK_VIEWS:
    urlpatterns += [path("_bench/minimal", views.minimal)]

if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media")]
