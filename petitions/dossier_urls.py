"""The dossier's files, under /admin/petitions/ (staff only, like the admin itself: its login and second factor)."""

from django.contrib import admin
from django.urls import path

from petitions import dossier

urlpatterns = [
    path("dossier.pdf", admin.site.admin_view(dossier.dossier_pdf), name="figures_dossier_pdf"),
    path("dossier.csv", admin.site.admin_view(dossier.dossier_csv), name="figures_dossier_csv"),
]
