from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from petitions import tokens

SIGNED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SIGNATURE = SimpleNamespace(token="C_i_iwUga8rVDnvtw9nXgw", created_at=SIGNED_AT)


def test_confirmation_token_carries_the_signature_and_its_time():
    read = tokens.read_confirmation_token(tokens.confirmation_token(SIGNATURE))

    assert read == tokens.ConfirmationToken("C_i_iwUga8rVDnvtw9nXgw", SIGNED_AT)


def test_withdrawal_token_carries_the_signature():
    assert tokens.read_withdrawal_token(tokens.withdrawal_token(SIGNATURE)) == "C_i_iwUga8rVDnvtw9nXgw"


def test_tampered_or_malformed_tokens_are_not_read():
    confirm = tokens.confirmation_token(SIGNATURE)
    withdraw = tokens.withdrawal_token(SIGNATURE)
    later = tokens.confirmation_token(SimpleNamespace(token=SIGNATURE.token, created_at=SIGNED_AT + timedelta(days=1)))
    forged_time = later.rsplit(":", 1)[0] + ":" + confirm.rsplit(":", 1)[1]

    for value in ["", "x", "abc:def", confirm[:-1], confirm + "a", forged_time, confirm.replace("C_i", "D_i")]:
        assert tokens.read_confirmation_token(value) is None, value
    for value in ["", withdraw[:-2], withdraw.upper(), "C_i_iwUga8rVDnvtw9nXgw"]:
        assert tokens.read_withdrawal_token(value) is None, value


def test_a_link_of_one_kind_is_not_accepted_as_the_other():
    assert tokens.read_withdrawal_token(tokens.confirmation_token(SIGNATURE)) is None
    assert tokens.read_confirmation_token(tokens.withdrawal_token(SIGNATURE)) is None


def test_tokens_depend_on_the_secret_key(settings):
    confirm = tokens.confirmation_token(SIGNATURE)
    withdraw = tokens.withdrawal_token(SIGNATURE)

    settings.SECRET_KEY = "another-secret-key-entirely"

    assert tokens.read_confirmation_token(confirm) is None
    assert tokens.read_withdrawal_token(withdraw) is None
