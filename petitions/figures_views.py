"""The figures pages, their Open Graph card and the open data: public, cached, from the aggregate rows only.

Every number comes from ``petitions.figures`` (never from scanning the
signatures): a page costs one query for the figures and one for the
organisations, then the page cache serves it.
"""

import csv
import io

from django.core.cache import caches
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from campaign.departements import ABROAD, DEPARTEMENTS, NAMES
from campaign.http_cache import public_page
from campaign.site import absolute_url
from organisations.models import Organisation
from petitions import charts, figures, share
from petitions.share_card import render_card
from petitions.templatetags.petitions import grouped

# Like /api/petition.json: the figures move with every confirmation.
MAX_AGE = 10
STALE = 30
CARD_MAX_AGE = 300


def _figures_or_404():
    national = figures.national()
    if national is None:
        raise Http404
    return national


def _map_label(code, count):
    return ngettext(
        "%(name)s : %(count)s signature",
        "%(name)s : %(count)s signatures",
        count,
    ) % {"name": DEPARTEMENTS[code], "count": grouped(count)}


def share_sentence(name, count):
    """ "Isère : 1 234 personnes demandent le retrait du LSUN." (no article: it differs from one name to the next)."""
    return ngettext(
        "%(name)s : %(count)s personne demande le retrait du LSUN.",
        "%(name)s : %(count)s personnes demandent le retrait du LSUN.",
        count,
    ) % {"name": name, "count": grouped(count)}


def series_of(national, *, today=None):
    petition = national.petition
    first = timezone.localdate(petition.opens_at)
    last = today or timezone.localdate()
    if petition.closes_at is not None:
        last = min(last, timezone.localdate(petition.closes_at))
    return charts.daily_series(national.days, first, max(first, last))


def _organisation_kinds():
    counts = dict(
        Organisation.objects.approved().order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return [(label, counts.get(kind, 0)) for kind, label in Organisation.Kind.choices if counts.get(kind)]


@require_safe
@public_page(max_age=MAX_AGE, stale_while_revalidate=STALE)
def national_page(request):
    national = _figures_or_404()
    series = series_of(national)
    counts = {code: national.departement_total(code) for code in DEPARTEMENTS}
    classes = charts.quantile_classes(list(counts.values()))
    context = {
        "figures": national,
        "petition": national.petition,
        "series": series,
        "day_chart": charts.day_chart(series, title_id="chart-days-title"),
        "roles": national.role_rows(),
        "role_chart": charts.role_bars(national.role_rows()),
        "map": charts.departement_map(
            counts,
            classes,
            url_for=lambda code: reverse("figures:departement", args=[code]),
            label_for=_map_label,
        ),
        "classes": classes,
        "rows": national.departement_rows(),
        "abroad": national.abroad,
        "organisation_kinds": _organisation_kinds(),
    }
    return render(request, "petitions/figures/national.html", context)


def _departement_or_404(code):
    result = figures.departement(code)
    if result is None:
        raise Http404
    return result


@require_safe
@public_page(max_age=MAX_AGE, stale_while_revalidate=STALE)
def departement_page(request, code):
    local = _departement_or_404(code)
    page_url = absolute_url(request.path)
    sentence = share_sentence(local.name, local.signatures)
    organisations = list(Organisation.objects.approved().filter(scope=code).order_by("name"))
    context = {
        "local": local,
        "figures": local.national,
        "petition": local.national.petition,
        "sentence": sentence,
        "share": share.links(page_url, text=sentence),
        "page_url": page_url,
        "card_url": absolute_url(reverse("figures:card", args=[code])),
        "organisations": organisations,
    }
    return render(request, "petitions/figures/departement.html", context)


@require_safe
@public_page(max_age=CARD_MAX_AGE, stale_while_revalidate=STALE)
def departement_card(request, code):
    """The département's Open Graph card: the sentence to share, the national count and the goal."""
    local = _departement_or_404(code)
    national = local.national
    language = translation.get_language() or "fr"
    key = f"petitions:figures:card:{language}:{code}:{local.signatures}:{national.total}:{national.goal}"
    cache = caches["local"]
    png = cache.get(key)
    if png is None:
        png = render_card(
            title=national.petition.title,
            count=national.total,
            goal=national.goal,
            lines=[share_sentence(local.name, local.signatures)],
            language=language,
        )
        cache.set(key, png, timeout=CARD_MAX_AGE)
    return HttpResponse(png, content_type="image/png")


# Open data: aggregates only, never crossed (per département all time, per
# day nationally, per role nationally), so that no line can single anyone out.


def departement_records(national):
    def record(code, name):
        online = national.departements.get(code, 0)
        paper = national.paper_departements.get(code, 0)
        return {"code": code, "nom": name, "signatures": online + paper, "en_ligne": online, "papier": paper}

    rows = [
        record(code, name) for code, name in NAMES.items() if code in DEPARTEMENTS or national.departement_total(code)
    ]
    rows.append(record(ABROAD, "Étranger"))
    return rows


def day_records(national):
    return [{"jour": day.isoformat(), "signatures": count} for day, count in series_of(national)]


def role_records(national):
    return [{"qualite": code, "libelle": label, "signatures": count} for code, label, count, _ in national.role_rows()]


DATASETS = {
    "departements": departement_records,
    "jours": day_records,
    "qualites": role_records,
}


def _csv(records, filename):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@public_page(max_age=MAX_AGE, stale_while_revalidate=STALE)
def dataset_csv(request, dataset, filename):
    national = _figures_or_404()
    with translation.override("fr"):
        return _csv(DATASETS[dataset](national), filename)


@require_safe
@public_page(max_age=MAX_AGE, stale_while_revalidate=STALE)
def dataset_json(request, dataset):
    national = _figures_or_404()
    with translation.override("fr"):
        records = DATASETS[dataset](national)
    response = JsonResponse(
        {
            "petition": national.petition.slug,
            "signatures": national.total,
            "counted_at": national.counted_at.isoformat(),
            "licence": "Licence Ouverte 2.0",
            "data": records,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@public_page(max_age=MAX_AGE, stale_while_revalidate=STALE)
def open_data(request):
    national = _figures_or_404()
    return render(request, "petitions/figures/open_data.html", {"figures": national, "files": FILES})


FILES = [
    ("departements", "signatures-par-departement"),
    ("jours", "signatures-par-jour"),
    ("qualites", "signatures-par-qualite"),
]
