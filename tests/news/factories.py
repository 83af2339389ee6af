"""Plain factories for the news tests: real rows through the real code."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from campaign.models import Page
from news.models import Post
from news.services import save_with_unique_slug
from organisations.models import Membership, Organisation
from petitions.models import Petition
from tests import accounts
from tests.petitions import factories as petition_factories

_numbers = count(1)
PASSWORD = "correct horse battery staple"


def make_post(title="Le ministère répond", *, minutes_ago=60, status=Post.Status.PUBLISHED, **fields):
    """A published post (``minutes_ago`` before now; negative schedules it)."""
    fields.setdefault("summary", f"Résumé de « {title} ».")
    fields.setdefault("body", "Le texte de l'actualité.")
    published_at = timezone.now() - timedelta(minutes=minutes_ago)
    fields.setdefault("updated_at", published_at)
    post = Post(title=title, status=status, published_at=published_at, **fields)
    return save_with_unique_slug(post)


def make_organisation(name="SUD éducation", slug=None, status=Organisation.Status.APPROVED):
    return Organisation.objects.create(
        name=name,
        slug=slug or f"org-{next(_numbers)}",
        status=status,
        approved_at=timezone.now() if status == Organisation.Status.APPROVED else None,
    )


def make_user(email=None, *, staff=False, organisations=(), password=PASSWORD, second_factor=True):
    """An account as the site makes them: verified address and, by default, an authenticator app."""
    user = accounts.make_user(email, staff=staff, password=password)
    if second_factor:
        accounts.enrol_totp(user)
    for organisation in organisations:
        Membership.objects.create(user=user, organisation=organisation)
    return user


def make_petition():
    """The featured petition (needs the `pages` fixture: it signs the appeal)."""
    petition = Petition.objects.featured().first()
    if petition is None:
        petition = Petition.objects.create(
            title="Retrait du LSUN", slug="retrait-lsun", appeal=Page.objects.get(slug=Page.APPEAL), featured=True
        )
    return petition


def make_signature(email=None, *, first_name="Zoé", wants_news=True, confirmed=True, petition=None):
    """A signer of the featured petition, through the petition's own factory."""
    fields = {"first_name": first_name, "wants_news": wants_news}
    if email:
        fields["email"] = email
    return petition_factories.make_signature(petition or make_petition(), confirmed=confirmed, **fields)
