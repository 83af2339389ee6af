"""The email telling a signer about a post, rendered by the worker when it sends it (campaign.outbox)."""

from typing import Any

from django.urls import reverse

from campaign.outbox import Email, email_kind
from campaign.site import absolute_url
from news.models import Post
from petitions import tokens
from petitions.models import Signature

NEWS_POST = "news.news_post"
EMAIL_TEMPLATE = "news/emails/news_post"


def email_context(post: Post, first_name: str, unsubscribe_url: str, withdraw_url: str) -> dict[str, Any]:
    """What the email says; the mailing's confirmation page previews it with placeholders for the signer."""
    return {
        "post": post,
        "post_url": absolute_url(post.get_absolute_url()),
        "first_name": first_name,
        "unsubscribe_url": unsubscribe_url,
        # Like every email about a signature: the way to see what is kept and withdraw it.
        "withdraw_url": withdraw_url,
    }


@email_kind(NEWS_POST, template=EMAIL_TEMPLATE, model=Signature)
def news_post(signature: Signature, params: dict[str, Any]) -> Email | None:
    """About the signature (withdrawn: nothing sent); ``params["post"]`` names the post."""
    from news.mailing import unsubscribe_token

    post = Post.objects.select_related("organisation").filter(pk=params["post"]).first()
    if post is None:
        return None
    unsubscribe_url = absolute_url(reverse("news:unsubscribe", kwargs={"token": unsubscribe_token(signature)}))
    withdraw_url = absolute_url(reverse("petitions:withdraw", args=[tokens.withdrawal_token(signature)]))
    context = email_context(post, signature.first_name, unsubscribe_url, withdraw_url)
    # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs here.
    headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Email(to=signature.email, context=context, headers=headers)
