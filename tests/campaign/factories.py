"""Plain factories of the shared ground: accounts.

Every account must have a second factor before it can do anything.
``make_user(...)`` creates an account with a verified address (and, with
``second_factor=True``, an authenticator app); ``enrol_totp(user)`` gives one
an authenticator app (and recovery codes), after which
``client.force_login(user)`` reaches protected pages; ``totp_code()`` computes
what that app would show (RFC 6238); ``page_secret(html)`` reads the key the
activation page shows.
"""

import base64
import hashlib
import hmac
import itertools
import re
import struct
import time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from campaign.models import User

PASSWORD = "une phrase de passe assez longue"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)


def make_user(
    email=None, *, staff=False, superuser=False, password=PASSWORD, verified=True, second_factor=False, **fields
):
    email = email or f"compte{next(_numbers)}@example.org"
    user = User.objects.create_user(email, password, is_staff=staff or superuser, is_superuser=superuser, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    if second_factor:
        enrol_totp(user)
    return user


def enrol_totp(user, secret=TOTP_SECRET):
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return user


def totp_code(secret=TOTP_SECRET, at=None):
    """RFC 6238: the 6-digit code an authenticator app shows at ``at`` (now by default)."""
    counter = int((at if at is not None else time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def page_secret(html):
    """The key of the authenticator-app activation page, as an app would read it (its groups joined)."""
    return "".join(re.findall(r"<span>(\w+)</span>", re.search(r'id="totp-secret">(.*?)</code>', html).group(1)))


def field_errors(html, name):
    """The error messages shown beside one field."""
    match = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match[1]) if match else []


def second_factors(user):
    return sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))
