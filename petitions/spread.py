"""Spreading the appeal: the counter other sites embed, the share card, the page that explains both.

Every route here is a public page: the same bytes for every reader, kept by
the page cache (campaign.http_cache) and by caches in front of the site, with
no cookie and nothing personal. The widgets take their language from
``?lang=`` rather than from the address: they live on other sites, whose
readers never see our language switcher.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.csp import CSP
from django.utils.translation import gettext, ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from campaign.http_cache import public_page
from campaign.qr import qr_png, qr_svg, qr_svg_file
from campaign.site import absolute_url
from organisations.permissions import organisations_for
from organisations.sharing import approved_organisation, share_url
from petitions import counter, reach
from petitions.badge import badge_svg
from petitions.share_card import render_card

WIDGET_LANGUAGES = ("fr", "en")
THEMES = ("clair", "sombre")
# The iframe's box in the snippets and in oEmbed answers.
IFRAME_WIDTH, IFRAME_HEIGHT = 360, 170
# A card ten minutes old is right enough for a share; drawing one took 110 ms here
# (fonts loaded, two busy cores), too much for every request.
CARD_SECONDS = 600
CARD_CACHE_KEY = "petitions:share-card:v1:{language}"
# The campaign's pages an oEmbed consumer may ask about (the route names, namespaced).
EMBEDDABLE = frozenset({"home", "appeal", "petitions:sign", "petitions:spread"})

# The same headers as the JSON API: a counter a few seconds old is fine.
widget_page = public_page(max_age=10, stale_while_revalidate=30)


def _language(request):
    language = request.GET.get("lang", "")
    return language if language in WIDGET_LANGUAGES else settings.LANGUAGE_CODE


def _featured_or_404():
    petition = counter.featured()
    if petition is None:
        raise Http404
    return petition


def sign_url(organisation=None, *, language=None):
    """The signing page's full address; through ``organisation``'s short link when given."""
    with translation.override(language or settings.LANGUAGE_CODE):
        if organisation is not None:
            if translation.get_language() == settings.LANGUAGE_CODE:
                return share_url(organisation)
            return absolute_url(reverse("petitions:short_link", args=[organisation.slug]))
        return absolute_url(reverse("petitions:sign"))


def widget_query(*, language="fr", theme="clair", via=""):
    """The query string of a widget's address, without the defaults."""
    query = {}
    if theme != "clair":
        query["theme"] = theme
    if language != settings.LANGUAGE_CODE:
        query["lang"] = language
    if via:
        query["via"] = via
    return f"?{urlencode(query)}" if query else ""


def _label():
    return gettext("Appel pour le retrait du LSUN")


def _description():
    # The site's description (templates/base.html), already translated.
    return gettext(
        "Syndicats et mouvements pédagogiques demandent le retrait du Livret Scolaire Unique Numérique, "
        "qui fiche les enfants."
    )


@require_safe
@widget_page
@xframe_options_exempt
@csp_override({**settings.SECURE_CSP, "frame-ancestors": ["*"], "form-action": [CSP.NONE]})
def counter_frame(request):
    """The counter other sites put in an iframe: the only page of the site that may be framed."""
    petition = _featured_or_404()
    language = _language(request)
    theme = request.GET.get("theme", "")
    organisation = approved_organisation(request.GET.get("via", ""))
    with translation.override(language):
        response = render(
            request,
            "petitions/spread/counter_frame.html",
            {
                "petition": petition,
                "theme": theme if theme in THEMES else THEMES[0],
                "language": language,
                "sign_url": sign_url(organisation, language=language),
                "label": _label(),
            },
        )
    # Not the address's language (these addresses have no prefix): the one asked for.
    response["Content-Language"] = language
    return response


@require_safe
@widget_page
def counter_badge(request):
    """The counter as an SVG image, for newsletters and sites that forbid iframes."""
    petition = _featured_or_404()
    language = _language(request)
    with translation.override(language):
        svg = badge_svg(count=petition.signatures, goal=petition.goal, label=_label(), language=language)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # Like the JSON API: other sites' scripts may read it too (to draw it in a canvas, say).
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Language"] = language
    return response


def card_png(language):
    """The share card for the featured petition in ``language``: drawn at most once per CARD_SECONDS per process."""
    petition = _featured_or_404()
    key = CARD_CACHE_KEY.format(language=language)
    cached = caches["local"].get(key)
    if cached is not None:
        return cached
    with translation.override(language):
        png = render_card(
            title=_label(),
            lines=[_description()],
            count=petition.signatures,
            goal=petition.goal,
            language=language,
        )
    caches["local"].set(key, png, timeout=CARD_SECONDS)
    return png


@require_safe
@public_page(max_age=CARD_SECONDS, stale_while_revalidate=CARD_SECONDS)
def share_card(request):
    language = _language(request)
    return HttpResponse(card_png(language), content_type="image/png")


def card_url(language=None):
    """The share card's full address for pages in ``language``."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in WIDGET_LANGUAGES:
        language = settings.LANGUAGE_CODE
    return absolute_url(reverse("widgets:card")) + widget_query(language=language)


@require_safe
def short_link(request, slug):
    """``/s/<slug>/``: an organisation's link to the signing page, printed on leaflets and QR codes.

    An unknown or refused organisation leads to the signing page all the same,
    without the mention: the signer came to sign.
    """
    organisation = approved_organisation(slug)
    target = reverse("petitions:sign")
    if organisation is not None:
        target += "?" + urlencode({"via": organisation.slug})
    return redirect(target)


def _oembed_target(url, language):
    """The route name of one of our embeddable pages at ``url`` (in ``language``), or None."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
        return None
    try:
        # The language prefix is matched against the active language.
        with translation.override(language):
            match = resolve(parts.path or "/")
    except Resolver404:
        return None
    return match.view_name if match.view_name in EMBEDDABLE else None


@require_safe
@widget_page
def oembed(request):
    """oEmbed (https://oembed.com/): a site pasting one of our addresses gets the counter.

    The language follows the address asked about (``/en/…`` gets the English counter).
    """
    url = request.GET.get("url", "")
    if request.GET.get("format", "json") != "json":
        return HttpResponse(status=501)
    language = translation.get_language_from_path(urlsplit(url).path) or settings.LANGUAGE_CODE
    if _oembed_target(url, language) is None:
        raise Http404
    _featured_or_404()
    with translation.override(language):
        title = _label()
        frame = absolute_url(reverse("widgets:counter")) + widget_query(language=language)
        html = (
            render(
                request,
                "petitions/spread/_iframe.html",
                {"src": frame, "title": title, "width": IFRAME_WIDTH, "height": IFRAME_HEIGHT},
            )
            .content.decode()
            .strip()
        )
        data = {
            "version": "1.0",
            "type": "rich",
            "title": title,
            "provider_name": gettext("Retrait du LSUN"),
            "provider_url": absolute_url("/"),
            "cache_age": 600,
            "html": html,
            "width": IFRAME_WIDTH,
            "height": IFRAME_HEIGHT,
            "thumbnail_url": card_url(language),
            "thumbnail_width": 1200,
            "thumbnail_height": 630,
        }
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def oembed_discovery_url(page_url):
    """The oEmbed address for one of our pages, for the discovery <link>."""
    return absolute_url(reverse("widgets:oembed")) + "?" + urlencode({"url": page_url, "format": "json"})


@require_safe
@public_page
def spread(request):
    """``/relayer/``: copy-ready snippets, each with its live preview."""
    petition = _featured_or_404()
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = spread_context(language=language)
    context["petition"] = petition
    return render(request, "petitions/spread/spread.html", context)


def spread_context(*, language, organisation=None):
    """What the snippets need: the widgets' addresses in ``language``, through ``organisation``'s link if given."""
    language = language if language in WIDGET_LANGUAGES else "fr"
    via = organisation.slug if organisation is not None else ""
    with translation.override(language):
        label = _label()
    frame_light = absolute_url(reverse("widgets:counter")) + widget_query(language=language, via=via)
    frame_dark = absolute_url(reverse("widgets:counter")) + widget_query(language=language, theme="sombre", via=via)
    badge = absolute_url(reverse("widgets:badge")) + widget_query(language=language)
    return {
        "frame_light": frame_light,
        "frame_dark": frame_dark,
        "frame_width": IFRAME_WIDTH,
        "frame_height": IFRAME_HEIGHT,
        "badge_src": badge,
        "badge_alt": label,
        "target_url": sign_url(organisation, language=language),
        "api_url": absolute_url(reverse("petitions:api")),
        "oembed_example": oembed_discovery_url(absolute_url(reverse("petitions:sign"))),
        "widget_label": label,
    }


# ---------------------------------------------------------------------------
# An organisation's own link, in its editors' space (not public)
# ---------------------------------------------------------------------------


def _editable_organisation(request, slug):
    # Another organisation's page is a 404, not a 403: an editor learns nothing about it.
    organisation = get_object_or_404(organisations_for(request.user), slug=slug)
    if not organisation.is_public:
        # Only approved organisations have a link (refused ones are ignored by the form).
        raise Http404
    return organisation


@login_required
@require_safe
def organisation_link(request, slug):
    """The organisation's link, its QR code, the snippets through it, and the signatures it brought."""
    organisation = _editable_organisation(request, slug)
    petition = counter.featured()
    url = share_url(organisation)
    days = reach.daily(organisation, petition.id) if petition is not None else []
    chart = reach.chart_days(days)
    total = sum(entry.signatures for entry in days)
    title = gettext("Signatures confirmées venues par le lien de %(name)s, par jour") % {"name": organisation.name}
    description = ngettext(
        "%(total)s signature confirmée au total ; le tableau ci-dessous donne chaque jour.",
        "%(total)s signatures confirmées au total ; le tableau ci-dessous donne chaque jour.",
        total,
    ) % {"total": total}
    context = {
        "organisation": organisation,
        "petition": petition,
        "share_url": url,
        "qr": qr_svg(url, title=gettext("Code QR du lien %(url)s") % {"url": url}),
        "days": list(reversed(days)),
        "total": total,
        "chart": reach.chart_svg(chart, title=title, description=description),
        "chart_title": title,
        "chart_days_max": reach.CHART_DAYS,
        **spread_context(language=settings.LANGUAGE_CODE, organisation=organisation),
    }
    return render(request, "petitions/spread/organisation_link.html", context)


@login_required
@require_safe
def organisation_qr(request, slug, kind):
    """The QR code of the organisation's link, to download (SVG for print, PNG for the rest)."""
    organisation = _editable_organisation(request, slug)
    url = share_url(organisation)
    if kind == "svg":
        response = HttpResponse(qr_svg_file(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="qr-{organisation.slug}.{kind}"'
    return response
