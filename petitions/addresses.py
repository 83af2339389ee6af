"""One signature per person: the normalised form of an email address.

Lower case and trimmed everywhere. Beyond that, only where the provider
documents that two spellings reach the same mailbox:
- Gmail ignores dots in the local part and anything after a "+", and
  googlemail.com is gmail.com;
- Outlook/Hotmail/Live, iCloud, Fastmail and Proton deliver "name+tag" to
  "name" (dots there are significant: "j.doe" and "jdoe" are two people).
Elsewhere "a+b@example.org" may be a different mailbox from "a@example.org",
so it is left alone.
"""

GMAIL = {"gmail.com", "googlemail.com"}
PLUS_ALIASES = GMAIL | {
    "outlook.com",
    "outlook.fr",
    "hotmail.com",
    "hotmail.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
    "protonmail.com",
    "protonmail.ch",
    "proton.me",
    "pm.me",
}


def normalise_email(address):
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    domain = domain.rstrip(".")
    if domain in PLUS_ALIASES:
        # "+tag@" alone is a mailbox name, not a tag.
        local = local.split("+", 1)[0] or local
    if domain in GMAIL:
        local = local.replace(".", "") or local
        domain = "gmail.com"
    return f"{local}@{domain}"
