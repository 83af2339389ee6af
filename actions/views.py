"""/agir/: what a parent can do, and letters made from what they type, kept nowhere.

A letter's form is posted and answered with the letter: no row, no session,
no cache entry, no log line holds what was typed (the request log names the
route only, see campaign.middleware.RequestLogMiddleware). The letter page
carries the values in hidden fields, so that "PDF" and "Modifier" post them
again instead of the server remembering them. Responses are ``no-store``.

No anti-robot stamp: it protects what a form stores or sends, and a letter
stores and sends nothing (a robot posting gets a letter back, no more); the
stamp's single use would itself be a stored row. Drawing a PDF costs 60 to
115 ms of CPU (the page alone, 8 ms), so PDFs are rate limited per client network
(``LETTER_PDF_RATE_LIMITS``), which records the client's keyed hash and the
times of its requests, never a value of the form.
"""

import logging

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from actions import letters
from actions.forms import LETTERS, Letter, LetterForm
from campaign import ratelimit
from campaign.http_cache import public_page
from campaign.models import PageRevision
from campaign.pdf import render_pdf
from campaign.site import absolute_url
from petitions import share

logger = logging.getLogger(__name__)


def local_page(path: str) -> str | None:
    """The address, in the reader's language, of our page at the French ``path``; None if the site has none.

    /agir/ links to pages of other features (sharing, paper signatures) when
    they are there, whatever their names in the URLconf.
    """
    with translation.override(settings.LANGUAGE_CODE):
        try:
            match = resolve(path)
        except Resolver404:
            return None
    if not match.url_name:
        return None
    try:
        return reverse(match.view_name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return None


@require_safe
@public_page
def act(request):
    sharing_url = local_page("/relayer/")
    context = {
        "letters": list(LETTERS.values()),
        "sharing_url": sharing_url,
        # Without the sharing page, the plain share links of the thank-you page.
        "share": [] if sharing_url else share.links(absolute_url("/")),
        "paper_url": local_page("/signer/papier/"),
    }
    return render(request, "actions/act.html", context)


def letter_languages(page_language: str) -> list[str]:
    """The languages a letter may be written in from a page: French always, and the page's own."""
    return list(dict.fromkeys([page_language, settings.LANGUAGE_CODE]))


def current_template(slug: str, language: str) -> letters.LetterTemplate | None:
    revision = PageRevision.objects.current(slug, language)
    if revision is None:
        return None
    try:
        return letters.from_revision(revision)
    except letters.TemplateError:
        # Only possible for a text saved around the admin's check (the shell, SQL).
        logger.error("letter template %s (revision %s) does not follow the rules", slug, revision.pk)
        return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def letter(request, slug):
    spec = LETTERS.get(slug)
    if spec is None:
        raise Http404
    page_language = translation.get_language()
    templates = {}
    for language in letter_languages(page_language):
        template = current_template(slug, language)
        if template is None:
            raise Http404
        templates[language] = template
    if request.method == "POST":
        form = spec.form_class(request.POST, page_language=page_language)
        action = request.POST.get("action", "letter")
        if form.is_valid() and action != "edit":
            template = templates.get(form.letter_language()) or templates[settings.LANGUAGE_CODE]
            if action == "pdf":
                if ratelimit.allow(request, "letter-pdf", settings.LETTER_PDF_RATE_LIMITS):
                    return letter_pdf(spec, form, template)
                return letter_page(request, spec, form, template, status=429)
            return letter_page(request, spec, form, template)
    else:
        form = spec.form_class(page_language=page_language, initial={"date": timezone.localdate()})
    labels = form.field_labels()
    context = {
        "letter": spec,
        "form": form,
        "groups": form_groups(form),
        "previews": [(language, letters.render_preview(templates[language], labels)) for language in templates],
        "has_placeholders": any(template.has_placeholders for template in templates.values()),
    }
    return render(request, "actions/letter_form.html", context)


def form_groups(form: LetterForm) -> list[tuple[str, list]]:
    """The form's fields under their legends (``FIELDSETS``), the letter's language first when asked."""
    groups = [("", [form["langue"]])] if "langue" in form.fields else []
    for legend, names in form.FIELDSETS:
        fields = [form[name] for name in names if name in form.fields]
        if fields:
            groups.append((str(legend), fields))
    return groups


def letter_page(request, spec: Letter, form: LetterForm, template: letters.LetterTemplate, status: int = 200):
    values = form.values()
    subject, body = letters.render_text(template, values)
    context = {
        "letter": spec,
        "form": form,
        "template": template,
        "letter_html": letters.render_html(template, values),
        "subject": subject,
        "body": body,
        "mailto": letters.mailto(form.recipient_email(), subject, body),
        "rate_limited": status == 429,
    }
    return render(request, "actions/letter.html", context, status=status)


def letter_pdf(spec: Letter, form: LetterForm, template: letters.LetterTemplate) -> HttpResponse:
    html = letters.render_html(template, form.values())
    pdf = render_pdf(
        "actions/pdf/letter.html", {"title": template.title, "letter_html": html}, language=form.letter_language()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file's name says what it is, never who it is about.
    response["Content-Disposition"] = f'attachment; filename="{spec.slug}.pdf"'
    return response
