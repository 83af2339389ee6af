import functools
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign import ratelimit
from campaign.http_cache import public_page
from campaign.links import InvalidLink
from campaign.markdown import render_markdown
from news import mailing, services
from news import search as news_search
from news.forms import PostForm, SearchForm
from news.models import Post
from organisations.models import Organisation
from organisations.permissions import is_editor

# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


# What an organisation's address can be (Organisation.slug): anything else names none.
ORGANISATION_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")


@require_safe
@public_page(scheduled=True)
def post_list(request):
    posts = Post.objects.published().newest_first().select_related("organisation")
    organisation = None
    slug = request.GET.get("organisation")
    if slug:
        # Checked before it reaches PostgreSQL, which refuses a NUL character with an error.
        if not ORGANISATION_SLUG.fullmatch(slug):
            raise BadRequest("malformed organisation")
        organisation = get_object_or_404(Organisation.objects.approved(), slug=slug)
        posts = posts.filter(organisation=organisation)
    page = Paginator(posts, settings.NEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "news/list.html", {"page": page, "organisation": organisation})


@require_safe
@public_page
def post_detail(request, slug):
    post = get_object_or_404(Post.objects.published().select_related("organisation"), slug=slug)
    return render(request, "news/detail.html", {"post": post})


@require_safe
def search(request):
    form = SearchForm(request.GET)
    results = None
    text = ""
    status = 200
    if form.is_valid():
        text = " ".join(form.cleaned_data["q"].split())
        # Only searches count: the empty page costs nothing.
        if text and not ratelimit.allow(request, "search", settings.SEARCH_RATE_LIMITS):
            status = 429
        elif text:
            results = news_search.search(text, request.GET.get("page"), translation.get_language())
    context = {"form": form, "q": text, "results": results, "rate_limited": status == 429}
    return render(request, "news/search.html", context, status=status)


# ---------------------------------------------------------------------------
# Unsubscribing (the link in every news email)
# ---------------------------------------------------------------------------


# Exempt from CSRF on purpose: RFC 8058's one-click unsubscribe is a POST sent
# by the mail client itself, with no cookie and no form token. The signed
# token in the address is what authorises it, and the only thing it can do
# is stop emails to that signer, which is harmless if forged by a third party
# holding the token anyway. Without a token field, the page also sets no cookie.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        signature_id = mailing.signature_id_from_token(token)
    except InvalidLink:
        return render(request, "news/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        mailing.unsubscribe(signature_id)
        return render(request, "news/unsubscribed.html")
    return render(request, "news/unsubscribe.html")


# ---------------------------------------------------------------------------
# The editing space
# ---------------------------------------------------------------------------


def _forbidden(request):
    return render(request, "news/forbidden.html", status=403)


def editors_only(view):
    """Logged in, and staff or editor of an organisation (two-factor enrolment is enforced by the accounts app)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_editor(request.user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


def _editable_post(request, pk):
    return get_object_or_404(Post.objects.editable_by(request.user), pk=pk)


@never_cache
@editors_only
@require_safe
def manage_list(request):
    posts = (
        Post.objects.editable_by(request.user).select_related("organisation", "mailing").order_by("-updated_at", "-pk")
    )
    page = Paginator(posts, 30).get_page(request.GET.get("page"))
    return render(request, "news/manage/list.html", {"page": page, "now": timezone.now()})


def _edit(request, post):
    previewing = request.method == "POST" and request.POST.get("action") == "preview"
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES, instance=post, user=request.user, previewing=previewing)
        valid = form.is_valid()
        form.keep_uploaded_image()
        if valid and not previewing:
            was_public = post.is_public()
            post = form.save_post(author=request.user)
            messages.success(request, _status_message(post, was_public))
            return redirect("news:edit", pk=post.pk)
    else:
        form = PostForm(instance=post, user=request.user)
    pending = form.stored_image
    context = {
        "form": form,
        "post": post if post.pk else None,
        "preview": _preview(form) if previewing else None,
        "pending_image": {**pending, "url": default_storage.url(pending["name"])} if pending else None,
    }
    if post.pk:
        # Every editor of the post sees whether it went to signers; only staff decide to send it.
        context["progress"] = mailing.mailing_progress(post)
        if context["progress"] is None and post.is_public() and request.user.is_staff:
            context["recipients"] = mailing.news_recipients().count()
    return render(request, "news/manage/edit.html", context)


def _status_message(post, was_public):
    if post.is_public():
        return _("L'actualité est enregistrée ; elle est en ligne.")
    if post.is_scheduled():
        return _("L'actualité est programmée : elle paraîtra le %(date)s.") % {
            "date": date_format(timezone.localtime(post.published_at), "DATETIME_FORMAT")
        }
    if was_public:
        return _("L'actualité est dépubliée : elle n'est plus visible du public.")
    return _("Le brouillon est enregistré ; il n'est pas visible du public.")


def _preview(form):
    """What the post will look like, from the submitted text (sanitised like the saved one)."""
    data = form.data
    image = form.stored_image
    image_url = None
    if image:
        image_url, width, height = default_storage.url(image["name"]), image["w"], image["h"]
    elif form.instance.image and not data.get("remove_image"):
        image_url, width, height = form.instance.image.url, form.instance.image_width, form.instance.image_height
    return {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        # The text as cleaned: one refused (too long) is not rendered.
        "body_html": render_markdown(form.cleaned_data.get("body", "")),
        "image_url": image_url,
        "image_width": width if image_url else None,
        "image_height": height if image_url else None,
        "image_alt": data.get("image_alt", ""),
    }


@never_cache
@editors_only
@require_http_methods(["GET", "POST"])
def manage_create(request):
    return _edit(request, Post())


@never_cache
@editors_only
@require_http_methods(["GET", "POST"])
def manage_edit(request, pk):
    return _edit(request, _editable_post(request, pk))


@editors_only
@require_POST
def manage_unpublish(request, pk):
    post = _editable_post(request, pk)
    services.unpublish(post)
    messages.success(request, _("L'actualité est dépubliée : elle n'est plus visible du public."))
    return redirect("news:edit", pk=post.pk)


@never_cache
@editors_only
@require_http_methods(["GET", "POST"])
def manage_send(request, pk):
    """Staff only: send a published post to the signers who asked for news, once confirmed.

    The page first shows how many will receive it and what they will read;
    the POST starts the mailing. A post has at most one mailing (a unique
    constraint), so a second confirmation, even from another tab, sends nothing.
    """
    if not request.user.is_staff:
        return _forbidden(request)
    post = _editable_post(request, pk)
    if request.method == "POST":
        try:
            created = mailing.start_mailing(post, request.user)[1]
        except mailing.MailingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if created:
                messages.success(request, _("L'envoi aux signataires a commencé ; il se poursuit en arrière-plan."))
            else:
                messages.info(
                    request, _("Cette actualité a déjà été envoyée aux signataires : rien de plus n'est envoyé.")
                )
        return redirect("news:edit", pk=post.pk)
    progress = mailing.mailing_progress(post)
    if progress is not None:
        messages.info(request, _("Cette actualité a déjà été envoyée aux signataires : rien de plus n'est envoyé."))
        return redirect("news:edit", pk=post.pk)
    if not post.is_public():
        messages.error(request, _("Seule une actualité publiée peut être envoyée aux signataires."))
        return redirect("news:edit", pk=post.pk)
    context = {
        "post": post,
        "recipients": mailing.news_recipients().count(),
        "preview": mailing.email_preview(post),
    }
    return render(request, "news/manage/send.html", context)
