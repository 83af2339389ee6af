from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campaign.http_cache import public_page
from campaign.links import ExpiredLink, InvalidLink
from campaign.models import PageRevision
from organisations import paper, services
from organisations.forms import NAME_TAKEN, JoinForm, PaperBatchForm, ProfileForm
from organisations.models import PAPER_BATCH_MAX_LINES, Organisation
from organisations.permissions import organisations_for


def retention_context():
    return {
        "confirmation_days": settings.ORGANISATION_CONFIRMATION_DAYS,
        "refused_days": settings.ORGANISATION_REFUSED_RETENTION_DAYS,
    }


def group_by_kind(organisations):
    """``[(kind label, [organisations…]), …]`` in the order of ``Organisation.Kind``, empty kinds left out."""
    groups: dict[str, list[Organisation]] = {kind.value: [] for kind in Organisation.Kind}
    for organisation in organisations:
        groups[organisation.kind].append(organisation)
    return [(Organisation.Kind(kind).label, members) for kind, members in groups.items() if members]


@require_safe
@public_page
def organisation_list(request):
    organisations = list(Organisation.objects.approved().order_by("name"))
    return render(
        request,
        "organisations/list.html",
        {"groups": group_by_kind(organisations), "count": len(organisations)},
    )


@require_safe
@public_page(scheduled=True)
def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.approved(), slug=slug)
    return render(
        request,
        "organisations/detail.html",
        {"organisation": organisation, "paper_signatures": paper.accepted_for(organisation)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    if request.method == "POST":
        if services.too_many_requests(request):
            return render(request, "organisations/too_many_requests.html", status=429)
        form = JoinForm(request.POST, request.FILES)
        if form.is_valid():
            if form.replayed:
                # A double click or a reloaded POST: one request, not two.
                return redirect("organisations:join_sent")
            try:
                services.submit_request(**form.request_data())
            except services.NameTaken:
                form.add_error("name", NAME_TAKEN)
            else:
                form.mark_done()
                return redirect("organisations:join_sent")
    else:
        form = JoinForm()
    return render(request, "organisations/join.html", {"form": form, **retention_context()})


@require_safe
def join_sent(request):
    return render(request, "organisations/join_sent.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """A link in an email opens this page; only its button (a POST) confirms, as mail scanners follow links."""
    try:
        organisation = services.organisation_from_token(token)
    except ExpiredLink:
        return render(request, "organisations/confirm_expired.html", retention_context(), status=410)
    except InvalidLink:
        return render(request, "organisations/confirm_invalid.html", status=404)
    confirmed = organisation.contact_confirmed_at is not None
    if request.method == "POST" and not confirmed:
        try:
            services.confirm_contact(organisation)
        except services.NameTaken:
            return render(request, "organisations/confirm_taken.html", {"organisation": organisation}, status=409)
        confirmed = True
    template = "confirmed.html" if confirmed else "confirm.html"
    return render(request, f"organisations/{template}", {"organisation": organisation})


@login_required
@require_safe
def space(request):
    """An editor's home: the organisations they speak for."""
    user = request.user
    organisations = Organisation.objects.approved().filter(memberships__user=user).order_by("name")
    return render(
        request,
        "organisations/space.html",
        {"organisations": organisations, "is_staff": user.is_staff},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    # Another organisation's page is a 404, not a 403: an editor learns nothing about it.
    organisation = get_object_or_404(organisations_for(request.user), slug=slug)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=organisation)
        if form.is_valid():
            form.save()
            messages.success(request, _("Le profil public de l'organisation est enregistré."))
            return redirect("organisations:space")
    else:
        form = ProfileForm(instance=organisation)
    return render(request, "organisations/edit.html", {"form": form, "organisation": organisation})


# --- Paper signatures -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def paper_batches(request, slug):
    """An organisation's paper batches, and the form to enter one."""
    organisation = get_object_or_404(organisations_for(request.user), slug=slug)
    if request.method == "POST":
        form = PaperBatchForm(request.POST)
        if not form.adding_rows and form.is_valid():
            if form.replayed:
                # A double click or a reloaded POST: one batch, not two.
                messages.info(request, _("Ce lot est déjà enregistré."))
            else:
                batch = paper.enter_batch(
                    organisation,
                    collected_on=form.cleaned_data["collected_on"],
                    counts=form.counts,
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
                form.mark_done()
                messages.success(
                    request,
                    ngettext(
                        "Le lot de %(count)s signature est enregistré. Il comptera dès que l'équipe de la "
                        "campagne l'aura vérifié.",
                        "Le lot de %(count)s signatures est enregistré. Il comptera dès que l'équipe de la "
                        "campagne l'aura vérifié.",
                        batch.signatures,
                    )
                    % {"count": batch.signatures},
                )
            return redirect("organisations:paper", organisation.slug)
    else:
        form = PaperBatchForm()
    batches = organisation.paper_batches.prefetch_related("lines").order_by("-created_at", "-pk")
    return render(
        request,
        "organisations/paper.html",
        {
            "organisation": organisation,
            "form": form,
            "batches": batches,
            "accepted": paper.accepted_for(organisation),
            "max_rows": PAPER_BATCH_MAX_LINES,
        },
    )


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def paper_sheet_for(request, slug):
    """The sheet with the organisation's name, for its editors."""
    organisation = get_object_or_404(organisations_for(request.user), slug=slug)
    return pdf_response(paper.sheet_pdf(organisation), f"feuille-signatures-{organisation.slug}.pdf")


@require_safe
@public_page
def paper_explained(request):
    language = translation.get_language()
    return render(
        request,
        "organisations/paper_explained.html",
        {
            "summary": PageRevision.objects.current(paper.SUMMARY_PAGE, language),
            "privacy": PageRevision.objects.current(paper.PRIVACY_PAGE, language),
            "lines": paper.SHEET_LINES,
        },
    )


@require_safe
@cache_control(public=True, max_age=600)
def paper_sheet(request):
    # Not a @public_page: the process cache keeps the headers of HTML pages, not a download's.
    return pdf_response(paper.public_sheet_pdf(), "feuille-signatures-retrait-lsun.pdf")
