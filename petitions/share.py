"""Share links for the thank-you page: plain links, no script, nothing loaded from elsewhere.

Nothing reaches another site until the signer clicks; Mastodon's official
share page gets the text in the fragment, which browsers do not send.
"""

from urllib.parse import quote

from django.utils.translation import gettext as _


def links(url, text=None):
    """Share links for ``url``, with ``text`` (by default the signer's "I signed") before it."""
    text = text or _(
        "J'ai signé l'appel pour le retrait du LSUN, le livret numérique qui fiche nos enfants. Signez vous aussi :"
    )
    subject = _("Signez l'appel pour le retrait du LSUN")
    both = quote(f"{text} {url}", safe="")
    return [
        {"name": _("E-mail"), "url": f"mailto:?subject={quote(subject, safe='')}&body={both}"},
        {"name": "Mastodon", "url": f"https://share.joinmastodon.org/#text={both}"},
        {"name": "Bluesky", "url": f"https://bsky.app/intent/compose?text={both}"},
        {"name": "Facebook", "url": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}"},
        {"name": "X", "url": f"https://x.com/intent/post?text={quote(text, safe='')}&url={quote(url, safe='')}"},
        {"name": "WhatsApp", "url": f"https://wa.me/?text={both}"},
    ]
