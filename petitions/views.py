import functools

from django.conf import settings
from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campaign import ratelimit
from campaign.http_cache import public_page
from campaign.links import ExpiredLink, GoneLink, InvalidLink
from campaign.site import absolute_url
from petitions import counter, services, share, tokens
from petitions.forms import SignatureForm
from petitions.models import Signature


def _featured_or_404():
    petition = counter.featured()
    if petition is None:
        raise Http404
    return petition


def _closed(request, petition):
    return render(request, "petitions/closed.html", {"petition": petition}, status=410)


# Stands for the anti-robot stamp in the form rendered once; nothing a stamp or a label can contain.
STAMP_PLACEHOLDER = "\x00stamp\x00"


@functools.lru_cache(maxsize=8)
def _unbound_form(language: str) -> str:
    form = SignatureForm()
    form.initial["shown_at"] = STAMP_PLACEHOLDER
    html = render_to_string("petitions/_sign_unbound.html", {"form": form})
    if html.count(STAMP_PLACEHOLDER) != 1:
        raise ValueError("the signing form must show its stamp once")
    return html


def unbound_fields(language: str, stamp: str) -> SafeString:
    """The unbound form's fields with this visitor's stamp: rendered once per language and process.

    The fields are the same for every visitor; rendering them (Django's field
    and widget templates) was nine tenths of the form page (bench/README.md).
    Per request, only the anti-robot stamp is put in (a signed, URL-safe
    value: nothing to escape), and the page around adds the CSRF token.
    """
    return mark_safe(_unbound_form(language).replace(STAMP_PLACEHOLDER, stamp))  # noqa: S308


@receiver(setting_changed)
def _forget_unbound_form(clear=_unbound_form.cache_clear, **kwargs):
    # Templates and settings change in tests.
    clear()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign(request):
    petition = _featured_or_404()
    if not petition.is_open():
        return _closed(request, petition)
    status = 200
    if request.method == "POST":
        form = SignatureForm(request.POST)
        if form.is_valid():
            if form.replayed:
                # A double click or a reloaded POST: answered as the first was, nothing sent again.
                return redirect("petitions:sign_thanks")
            if ratelimit.allow(request, "sign", settings.SIGNATURE_RATE_LIMITS):
                services.sign(petition, form.signature_data(), language=get_language())
                form.mark_done()
                return redirect("petitions:sign_thanks")
            status = 429
    else:
        # /s/<slug>/ leads here with ?via=<slug>; the form carries it on.
        form = SignatureForm(initial={"via": request.GET.get("via", "")})
    context = {
        "form": form,
        "unbound_fields": None if form.is_bound else unbound_fields(get_language(), form.initial["shown_at"]),
        "petition": petition,
        "rate_limited": status == 429,
        "retention_months": settings.SIGNATURE_RETENTION_MONTHS,
        "confirmation_days": settings.SIGNATURE_CONFIRMATION_DAYS,
    }
    return render(request, "petitions/sign.html", context, status=status)


@require_safe
def sign_thanks(request):
    return render(
        request,
        "petitions/sign_thanks.html",
        {"confirmation_days": settings.SIGNATURE_CONFIRMATION_DAYS, "sender": settings.DEFAULT_FROM_EMAIL},
    )


def _invalid_link(request):
    return render(request, "petitions/link_invalid.html", status=404)


def _counts_for(petition):
    """The featured petition's snapshot, read fresh: the signer has just changed it."""
    snapshot = counter.featured(fresh=True)
    return snapshot if snapshot is not None and snapshot.id == petition.pk else None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    try:
        signature = services.signature_for_confirmation(token)
    except ExpiredLink:
        return render(
            request,
            "petitions/confirm_expired.html",
            {"confirmation_days": settings.SIGNATURE_CONFIRMATION_DAYS},
            status=410,
        )
    except InvalidLink:
        return _invalid_link(request)
    if request.method == "POST":
        services.confirm(signature)
        # Post/Redirect/Get: reloading the thank-you page posts nothing again.
        return redirect(request.path)
    context = {"signature": signature, "withdraw_token": tokens.withdrawal_token(signature)}
    if signature.is_confirmed:
        context |= {"petition": _counts_for(signature.petition), "share": share.links(absolute_url("/"))}
        return render(request, "petitions/confirmed.html", context)
    return render(request, "petitions/confirm.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token):
    try:
        signature = services.signature_for_withdrawal(token)
    except GoneLink:
        # Withdrawn already: withdrawing again is done at once.
        if request.method == "POST":
            return redirect("petitions:withdrawn")
        return render(request, "petitions/withdraw_gone.html", status=404)
    except InvalidLink:
        return _invalid_link(request)
    if request.method == "POST":
        services.withdraw(signature)
        return redirect("petitions:withdrawn")
    context = {"signature": signature, "queued_emails": signature.queued_emails().count()}
    return render(request, "petitions/withdraw.html", context)


@never_cache
@require_safe
def withdrawn(request):
    return render(request, "petitions/withdrawn.html", {"petition": counter.featured(fresh=True)})


class KnownCountPaginator(Paginator):
    """Takes the number of items from the counter instead of a COUNT(*) over a million rows."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


@require_safe
@public_page
def signatories(request):
    petition = _featured_or_404()
    signatures = (
        Signature.objects.public()
        .filter(petition_id=petition.id)
        .order_by("-confirmed_at", "-pk")
        .only("first_name", "last_name", "departement", "confirmed_at")
    )
    paginator = KnownCountPaginator(signatures, settings.SIGNATORIES_PER_PAGE, count=petition.public)
    page = paginator.get_page(request.GET.get("page"))
    response = render(request, "petitions/signatories.html", {"petition": petition, "page": page})
    # Signers agreed to appear on the site, not in search results under a
    # political petition: the list stays out of search engines (and the sitemap).
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@public_page(max_age=10, stale_while_revalidate=30)
def api_petition(request):
    petition = counter.featured()
    if petition is None:
        response = JsonResponse({"error": "no petition"}, status=404)
    else:
        response = JsonResponse(
            {
                "signatures": petition.signatures,
                "online": petition.online,
                "paper": petition.paper,
                "goal": petition.goal,
                "organisations": petition.organisations,
                "updated_at": petition.updated_at.isoformat(),
                "open": petition.is_open(),
                "closes_at": petition.closes_at.isoformat() if petition.closes_at else None,
            }
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response
