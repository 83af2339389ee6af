"""The figures: /chiffres/ and a page per département, the open data under /donnees/ and /api/."""

from django.urls import path
from django.utils.translation import pgettext_lazy

from petitions import figures_views as views
from petitions.figures_views import FILES

app_name = "figures"

urlpatterns = [
    path(pgettext_lazy("URL", "chiffres/"), views.national_page, name="national"),
    path(pgettext_lazy("URL", "chiffres/<str:code>/"), views.departement_page, name="departement"),
    path(pgettext_lazy("URL", "chiffres/<str:code>/carte.png"), views.departement_card, name="card"),
    path(pgettext_lazy("URL", "donnees/"), views.open_data, name="open_data"),
]
# The files keep their French names in every language: scripts use them.
for dataset, name in FILES:
    urlpatterns += [
        path(
            f"donnees/{name}.csv",
            views.dataset_csv,
            {"dataset": dataset, "filename": f"{name}.csv"},
            name=f"{dataset}_csv",
        ),
        path(f"api/{name}.json", views.dataset_json, {"dataset": dataset}, name=f"{dataset}_json"),
    ]
