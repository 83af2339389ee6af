from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campaign.http_cache import public_page
from campaign.links import ExpiredLink, InvalidLink
from organisations import services
from organisations.forms import NAME_TAKEN, JoinForm, ProfileForm
from organisations.models import Organisation
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
    return render(request, "organisations/detail.html", {"organisation": organisation})


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


def paper_batches(request, slug):
    raise NotImplementedError


def paper_sheet_for(request, slug):
    raise NotImplementedError


def paper_explained(request):
    raise NotImplementedError


def paper_sheet(request):
    raise NotImplementedError
