"""The petition: signing, confirming, withdrawing, signatories, the counter."""

from django.urls import path
from django.utils.translation import pgettext_lazy

from petitions import spread, views

app_name = "petitions"

urlpatterns = [
    path("signer/", views.sign, name="sign"),
    path("signer/merci/", views.sign_thanks, name="sign_thanks"),
    path("signer/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("signer/retirer/<str:token>/", views.withdraw, name="withdraw"),
    path("signer/retiree/", views.withdrawn, name="withdrawn"),
    path("signataires/", views.signatories, name="signatories"),
    path("api/petition.json", views.api_petition, name="api"),
    # Spreading the appeal: /relayer/ in French, /en/share/ in English.
    path(pgettext_lazy("URL", "relayer/"), spread.spread, name="spread"),
    path("s/<slug:slug>/", spread.short_link, name="short_link"),
    path("espace/organisations/<slug:slug>/relayer/", spread.organisation_link, name="organisation_link"),
    path("espace/organisations/<slug:slug>/relayer/qr.svg", spread.organisation_qr, {"kind": "svg"}, name="qr_svg"),
    path("espace/organisations/<slug:slug>/relayer/qr.png", spread.organisation_qr, {"kind": "png"}, name="qr_png"),
]
