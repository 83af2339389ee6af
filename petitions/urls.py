"""The petition: signing, confirming, withdrawing, signatories, the counter."""

from django.urls import path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("signer/", views.sign, name="sign"),
    path("signer/merci/", views.sign_thanks, name="sign_thanks"),
    path("signer/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("signer/retirer/<str:token>/", views.withdraw, name="withdraw"),
    path("signer/retiree/", views.withdrawn, name="withdrawn"),
    path("signataires/", views.signatories, name="signatories"),
    path("api/petition.json", views.api_petition, name="api"),
]
