"""The tokens in confirmation and withdrawal links.

A link carries the signature's random token signed with SECRET_KEY (one salt
per purpose), so a leaked copy of the database cannot be turned into links,
and a tampered link is told apart from an unknown one without a query.

The confirmation link also carries the time the signature was given: an
expired link is recognised as such even after the unconfirmed signature has
been deleted, and the signer is told to sign again rather than "not found".
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing

CONFIRM_SALT = "petitions.tokens.confirm"
WITHDRAW_SALT = "petitions.tokens.withdraw"
SEPARATOR = "."


def _signer(salt):
    # Built on each use: a Signer reads SECRET_KEY (and its fallbacks) when created.
    return signing.Signer(salt=salt)


@dataclass(frozen=True)
class ConfirmationToken:
    token: str
    signed_at: datetime


def confirmation_token(signature):
    stamp = signing.b62_encode(int(signature.created_at.timestamp()))
    return _signer(CONFIRM_SALT).sign(f"{signature.token}{SEPARATOR}{stamp}")


def read_confirmation_token(value):
    """The token and signing time in a confirmation link, or None if it is not one of ours."""
    try:
        token, _, stamp = _signer(CONFIRM_SALT).unsign(value).partition(SEPARATOR)
        signed_at = datetime.fromtimestamp(signing.b62_decode(stamp), tz=UTC)
    except (signing.BadSignature, ValueError, OverflowError, OSError):
        return None
    return ConfirmationToken(token, signed_at) if token else None


def withdrawal_token(signature):
    return _signer(WITHDRAW_SALT).sign(signature.token)


def read_withdrawal_token(value):
    """The token in a withdrawal link, or None if it is not one of ours."""
    try:
        return _signer(WITHDRAW_SALT).unsign(value) or None
    except signing.BadSignature:
        return None
