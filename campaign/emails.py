"""The campaign app's own kind of email, rendered by the worker when it sends it (campaign.outbox)."""

from typing import Any

from campaign.outbox import Email, email_kind

ACCOUNT_MESSAGE = "campaign.account_message"


@email_kind(ACCOUNT_MESSAGE, template="campaign/emails/account_message")
def account_message(obj: None, params: dict[str, Any]) -> Email:
    """allauth's messages (password reset, address confirmation): their text, in the campaign's layout."""
    return Email(to=None, context={"subject": params["subject"], "body": params["body"]})
