"""Letter templates: revisioned Markdown with named fields, filled with what a parent typed.

A template is a page (``campaign.models.Page``) whose text starts with the line
``Champs : a, b, c`` naming its fields, then the letter in Markdown where a
field is written ``{{ a }}`` (see campaign/content/README.md). Staff edit it in
the admin like the appeal; the admin refuses a text that names a field the
form does not fill (``check_template``).

Filling never interprets what was typed:

- for the page and the PDF, each value is escaped for Markdown (a backslash
  before every ASCII punctuation character, which CommonMark reads as that
  character, literally) and its lines joined by hard breaks, then the whole
  goes through ``campaign.markdown.render_markdown``: a typed ``<b>``, ``*``,
  ``#``, ``1.`` or ``[a](…)`` stays the text it was;
- for an email (``mailto:``), the raw values fill the text and the Markdown
  hard breaks of the template become plain line ends;
- for the live preview, each field becomes a marked ``<span>`` that the
  page's script (static/js/letter.js) fills with ``textContent``, line by
  line with ``<br>`` between: the same rule, in the browser, with no request.

One regular expression finds the fields, the same in the script. Django's own
template language is not used: it would run any tag staff add, and its
escaping is for HTML, not Markdown; ``str.format_map`` reads ``{{`` as a brace.
"""

import re
import string
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

from campaign.markdown import render_markdown
from campaign.models import PLACEHOLDER_MARK, PageRevision

FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
FIELDS_LINE = re.compile(r"\AChamps\s*:[ \t]*(?P<names>[^\n]*)(?:\n|\Z)")
FIELD_NAME = re.compile(r"[a-z_]+")
SUBJECT_LINE = re.compile(r"^(?:Objet|Subject)\s*:\s*(?P<subject>.+?)\s*$", re.MULTILINE)
ASCII_PUNCTUATION = frozenset(string.punctuation)
# Markers of the live preview's fields, in Unicode's private use area: nobody
# types them (forms refuse them, see campaign.forms.UNKNOWN_CATEGORIES), and
# Markdown and the sanitiser leave them alone.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
MARKED_FIELD = re.compile(f"{MARK_OPEN}([a-z_]+){MARK_CLOSE}")

# Mail programs are handed mailto: links through the browser and the system,
# and links beyond about 2,000 characters get cut or refused: Chrome gives up
# around 2,000, Outlook with any browser at 2,046. Longer, the link carries the
# address and the subject only, and the page shows the text to copy.
MAILTO_MAX_LENGTH = 2000


class TemplateError(ValueError):
    """A letter template that does not follow the rules (its message says which, in French)."""


@dataclass(frozen=True)
class LetterTemplate:
    """A letter template read from a page revision."""

    title: str
    fields: tuple[str, ...]
    text: str
    revision: PageRevision | None = None

    @property
    def language(self) -> str:
        return self.revision.language if self.revision else "fr"

    @property
    def has_placeholders(self) -> bool:
        return PLACEHOLDER_MARK in self.text


def parse(title: str, body: str) -> LetterTemplate:
    """Read a template's ``Champs :`` line and text; TemplateError when a rule is broken."""
    body = body.replace("\r\n", "\n").strip()
    declaration = FIELDS_LINE.match(body)
    if declaration is None:
        raise TemplateError(_("La première ligne du texte doit nommer les champs : « Champs : nom_parent, date… »."))
    names = tuple(name.strip() for name in declaration["names"].split(",") if name.strip())
    wrong = [name for name in names if not FIELD_NAME.fullmatch(name)]
    if wrong:
        raise TemplateError(
            _("Nom de champ incorrect : %(names)s (lettres minuscules sans accent et « _ » seulement).")
            % {"names": ", ".join(wrong)}
        )
    text = body[declaration.end() :].strip()
    undeclared = sorted(set(FIELD.findall(text)) - set(names))
    if undeclared:
        raise TemplateError(
            _("Le texte utilise des champs absents de la ligne « Champs » : %(names)s.")
            % {"names": ", ".join(f"{{{{ {name} }}}}" for name in undeclared)}
        )
    if not text:
        raise TemplateError(_("Le texte de la lettre est vide."))
    return LetterTemplate(title=title, fields=names, text=text)


def from_revision(revision: PageRevision) -> LetterTemplate:
    template = parse(revision.title, revision.body)
    return LetterTemplate(title=template.title, fields=template.fields, text=template.text, revision=revision)


def check_template(known_fields: frozenset[str]):
    """A page check (campaign.page_checks) for a template whose form fills ``known_fields``."""

    def check(title: str, body: str) -> None:
        try:
            template = parse(title, body)
        except TemplateError as error:
            raise ValidationError(str(error), code="template") from None
        unknown = sorted(set(template.fields) - known_fields)
        if unknown:
            raise ValidationError(
                _("Le formulaire ne remplit pas ces champs : %(names)s. Champs possibles : %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(sorted(known_fields))},
                code="unknown_field",
            )

    return check


def escape_markdown(value: str) -> str:
    """``value`` as literal Markdown text: punctuation escaped, each line break a hard break."""
    lines = ("".join("\\" + char if char in ASCII_PUNCTUATION else char for char in line) for line in value.split("\n"))
    return "\\\n".join(lines)


def _fill(text: str, fields: tuple[str, ...], value) -> str:
    declared = set(fields)
    return FIELD.sub(lambda match: value(match[1]) if match[1] in declared else match[0], text)


def render_html(template: LetterTemplate, values: dict[str, str]) -> str:
    """The letter as safe HTML (a plain ``str``): for the page and the PDF."""
    return render_markdown(_fill(template.text, template.fields, lambda name: escape_markdown(values.get(name, ""))))


def render_text(template: LetterTemplate, values: dict[str, str]) -> tuple[str, str]:
    """The letter as plain text for an email: (subject, body).

    The ``Objet :`` / ``Subject:`` line gives the subject and leaves the body;
    without one, the template's title is the subject.
    """
    # The template's own hard breaks ("\" at a line's end) become plain line
    # ends before the values go in, so a typed backslash is kept as typed.
    text = _fill(template.text.replace("\\\n", "\n"), template.fields, lambda name: values.get(name, ""))
    subject = template.title
    match = SUBJECT_LINE.search(text)
    if match:
        subject = match["subject"]
        text = text[: match.start()] + text[match.end() :]
    body = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return subject, body


def render_preview(template: LetterTemplate, labels: dict[str, str]) -> str:
    """The letter as HTML with each field a ``<span data-field>`` showing its label, for static/js/letter.js."""
    html = render_markdown(_fill(template.text, template.fields, lambda name: f"{MARK_OPEN}{name}{MARK_CLOSE}"))
    return MARKED_FIELD.sub(
        lambda match: (
            f'<span class="letter-field" data-field="{match[1]}">[{escape(labels.get(match[1], match[1]))}]</span>'
        ),
        html,
    )


@dataclass(frozen=True)
class Mailto:
    url: str
    # False when the text did not fit: the link then carries the address and subject only.
    complete: bool


def mailto(to: str, subject: str, body: str, max_length: int = MAILTO_MAX_LENGTH) -> Mailto:
    """A ``mailto:`` link (RFC 6068) to ``to`` (may be empty) with the subject and, if it fits, the body."""
    # Line ends are CRLF in a mailto: body (RFC 6068, section 5).
    address = quote(to, safe="@")
    head = f"mailto:{address}?subject={quote(subject, safe='')}"
    full = f"{head}&body={quote(body.replace(chr(10), chr(13) + chr(10)), safe='')}"
    if len(full) <= max_length:
        return Mailto(full, complete=True)
    return Mailto(head if len(head) <= max_length else f"mailto:{address}", complete=False)
