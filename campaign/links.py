"""What a link sent by email may turn out to be, once its token is read.

Every lookup from a token (confirming a signature or an organisation's
contact, withdrawing, unsubscribing) returns the object it names or raises
one of these; the view maps each to its page (404, 410…).
"""


class InvalidLink(Exception):
    """Not a link of ours (tampered, truncated, another purpose's), or it names nothing we know."""


class ExpiredLink(InvalidLink):
    """A link of ours whose time is up."""


class GoneLink(InvalidLink):
    """A link of ours to something deleted since (a withdrawn signature)."""
