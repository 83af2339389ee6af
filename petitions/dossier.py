"""The dossier handed over with the petition (staff only): a PDF and a CSV of the figures, never a signer.

The appeal as signed, the signatory organisations, the totals, the table
per département with the map, the signatures per day and per role, and the
time of the count: no name, address or postcode (the count is the
argument). The numbers come from ``petitions.figures`` like the public pages,
read fresh.
"""

import csv
import io

from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign.departements import DEPARTEMENTS
from campaign.pdf import render_pdf
from organisations.models import Organisation
from petitions import charts, figures
from petitions.figures_views import day_records, departement_records, role_records, series_of
from petitions.models import Petition


def _context():
    national = figures.national(fresh=True)
    if national is None:
        raise Http404
    petition = Petition.objects.select_related("appeal").get(pk=national.petition.id)
    counts = {code: national.departement_total(code) for code in DEPARTEMENTS}
    classes = charts.quantile_classes(list(counts.values()))
    return {
        "figures": national,
        "petition": petition,
        "appeal": petition.appeal.current_revision("fr"),
        "organisations": list(Organisation.objects.approved().order_by("name")),
        "rows": national.departement_rows(),
        "series": series_of(national),
        "roles": national.role_rows(),
        "map": charts.printed_map(counts, classes),
        "classes": classes,
        "palette": charts.PALETTE,
        "counted_at": timezone.localtime(national.counted_at),
    }


def _filename(extension):
    return f"dossier-retrait-lsun-{timezone.localdate():%Y-%m-%d}.{extension}"


@never_cache
@require_safe
def dossier_pdf(request):
    with translation.override("fr"):
        context = _context()
        pdf = render_pdf("petitions/figures/dossier.html", context, language="fr")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename("pdf")}"'
    return response


@never_cache
@require_safe
def dossier_csv(request):
    """One table: section, code, label, value; the same numbers as the PDF."""
    with translation.override("fr"):
        context = _context()
        national = context["figures"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["rubrique", "code", "libelle", "valeur"])
        writer.writerow(["decompte", "", "Date et heure du décompte", context["counted_at"].isoformat()])
        writer.writerow(["appel", "", context["petition"].title, context["appeal"].created_at.date().isoformat()])
        writer.writerow(["total", "", "Signatures", national.total])
        writer.writerow(["total", "en_ligne", "Signatures en ligne", national.online])
        writer.writerow(["total", "papier", "Signatures sur papier", national.paper])
        writer.writerow(["total", "objectif", "Objectif", national.goal])
        for row in departement_records(national):
            writer.writerow(["departement", row["code"], row["nom"], row["signatures"]])
        for row in day_records(national):
            writer.writerow(["jour", row["jour"], "", row["signatures"]])
        for row in role_records(national):
            writer.writerow(["qualite", row["qualite"], row["libelle"], row["signatures"]])
        for organisation in context["organisations"]:
            writer.writerow(["organisation", organisation.scope, organisation.name, organisation.get_kind_display()])
    response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response
