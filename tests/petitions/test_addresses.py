import pytest

from petitions.addresses import normalise_email


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("  Zoe@Example.ORG ", "zoe@example.org"),
        ("z.o.e+petition@gmail.com", "zoe@gmail.com"),
        ("Z.O.E@GoogleMail.com", "zoe@gmail.com"),
        ("zoe+lsun@outlook.fr", "zoe@outlook.fr"),
        ("zoe+lsun@icloud.com", "zoe@icloud.com"),
        ("zoe+lsun@proton.me", "zoe@proton.me"),
        # Dots are significant outside Gmail.
        ("z.oe@outlook.fr", "z.oe@outlook.fr"),
        ("z.oe@laposte.net", "z.oe@laposte.net"),
        # "+" may be a different mailbox where the provider does not document tags.
        ("zoe+lsun@example.org", "zoe+lsun@example.org"),
        ("zoe+lsun@orange.fr", "zoe+lsun@orange.fr"),
        # A local part that is only a tag is a name, not a tag.
        ("+tag@gmail.com", "+tag@gmail.com"),
        ("zoe@gmail.com.", "zoe@gmail.com"),
    ],
)
def test_normalised_email(typed, normalised):
    assert normalise_email(typed) == normalised
