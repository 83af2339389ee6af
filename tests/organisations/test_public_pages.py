import re
from datetime import UTC, datetime

import pytest
import time_machine

from campaign.images import clean_image
from organisations import services
from organisations.models import Organisation
from tests.campaign.html_text import block_texts
from tests.organisations.factories import image_bytes, make_organisation

pytestmark = pytest.mark.django_db


def org_with_logo(name, size=(800, 400), **fields):
    organisation = make_organisation(name, **fields)
    services.set_logo(organisation, clean_image(image_bytes(size=size), max_bytes=2 * 1024 * 1024, max_side=400))
    organisation.save()
    return organisation


def test_list_groups_approved_organisations_by_kind_with_their_count(client):
    make_organisation("SUD éducation", slug="sud", kind=Organisation.Kind.UNION)
    make_organisation("CNT éducation", slug="cnt", kind=Organisation.Kind.UNION)
    make_organisation("ICEM", slug="icem", kind=Organisation.Kind.PEDAGOGICAL, scope="38")
    make_organisation("Demande en attente", status=Organisation.Status.PENDING)
    make_organisation("Demande refusée", status=Organisation.Status.REFUSED)
    make_organisation("Organisation retirée", status=Organisation.Status.WITHDRAWN)

    html = client.get("/organisations/").content.decode()

    assert '<p class="lead">3 organisations soutiennent l\'appel.</p>' in html
    assert re.findall(r'<h2 id="org-group-\d">(.*?) <span class="org-group-count">\((\d+)\)</span></h2>', html) == [
        ("Syndicat", "2"),
        ("Mouvement pédagogique", "1"),
    ]
    assert re.findall(r'<h3><a href="/organisations/([\w-]+)/">(.*?)</a></h3>', html) == [
        ("cnt", "CNT éducation"),
        ("sud", "SUD éducation"),
        ("icem", "ICEM"),
    ]
    for hidden in ("Demande en attente", "Demande refusée", "Organisation retirée"):
        assert hidden not in html


def test_each_card_shows_place_join_date_and_website(client):
    with time_machine.travel(datetime(2030, 3, 9, 10, 0, tzinfo=UTC), tick=False):
        make_organisation("SUD éducation 38", scope="38", website="https://sudeduc38.example.org/")
    make_organisation("UNE ORGANISATION FONDATRICE", founding=True)

    html = client.get("/organisations/").content.decode()

    assert block_texts(html, "org-card-text") == [
        "SUD éducation 38",
        "Isère (38) · Signataire depuis le 9 mars 2030",
        "Site web de SUD éducation 38",
        "UNE ORGANISATION FONDATRICE",
        "National · Signataire de l'appel initial",
    ]
    assert '<time datetime="2030-03-09">9 mars 2030</time>' in html
    assert (
        '<a href="https://sudeduc38.example.org/" rel="noopener">Site web'
        '<span class="visually-hidden"> de SUD éducation 38</span></a>'
    ) in html


def test_logos_have_alt_text_fixed_dimensions_and_load_lazily(client, media):
    organisation = org_with_logo("FIMEM", size=(800, 400), logo_alt="Une main tenant une plume")
    org_with_logo("LAP", size=(300, 600))

    html = client.get("/organisations/").content.decode()

    images = re.findall(r"<img [^>]+>", html)
    assert images == [
        f'<img class="org-logo" src="/media/{organisation.logo.name}" alt="Une main tenant une plume" '
        'width="400" height="200" loading="lazy" decoding="async">',
        f'<img class="org-logo" src="/media/{Organisation.objects.get(name="LAP").logo.name}" alt="Logo de LAP" '
        'width="200" height="400" loading="lazy" decoding="async">',
    ]


@pytest.mark.parametrize("count", [1, 50])
def test_list_costs_the_same_queries_whatever_the_number(client, django_assert_num_queries, count, media):
    for number in range(count):
        make_organisation(f"Organisation {number:03d}", kind=list(Organisation.Kind)[number % 6])

    with django_assert_num_queries(1):
        response = client.get("/organisations/")

    assert response.content.decode().count('class="org-card"') == count


def test_list_and_detail_set_no_cookie(client):
    organisation = make_organisation("SUD éducation")

    for path in ("/organisations/", organisation.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == 200
        assert dict(response.cookies) == {}


def test_detail_shows_the_public_profile_only(client, media):
    organisation = org_with_logo(
        "Institut coopératif de l'école moderne",
        short_name="ICEM",
        kind=Organisation.Kind.PEDAGOGICAL,
        website="https://icem.example.org",
        description="Pédagogie Freinet.\n\nDepuis 1947.",
        contact_name="Dominique Secret",
        contact_email="secret@example.org",
        founding=True,
    )

    html = client.get(f"/organisations/{organisation.slug}/").content.decode()

    assert '<h1 id="organisation-title">Institut coopératif de l&#x27;école moderne</h1>' in html
    assert block_texts(html, "org-header") == [
        "Institut coopératif de l'école moderne",
        "ICEM",
        "Mouvement pédagogique · National · Signataire de l'appel initial",
    ]
    assert block_texts(html, "org-description") == ["Pédagogie Freinet.", "Depuis 1947."]
    assert (
        '<a href="https://icem.example.org" rel="noopener">Site web de Institut coopératif de l&#x27;école moderne</a>'
    ) in html
    assert f'width="{organisation.logo_width}" height="{organisation.logo_height}" decoding="async">' in html
    assert "Dominique Secret" not in html and "secret@example.org" not in html


@pytest.mark.parametrize(
    "status", [Organisation.Status.PENDING, Organisation.Status.REFUSED, Organisation.Status.WITHDRAWN]
)
def test_detail_of_an_organisation_not_approved_is_not_found(client, status):
    organisation = make_organisation("Pas publique", status=status)

    response = client.get(f"/organisations/{organisation.slug}/")

    assert response.status_code == 404
    assert "Pas publique" not in response.content.decode()


def test_home_page_shows_the_count_and_the_names(client, pages):
    make_organisation("SUD éducation", slug="sud-education")
    make_organisation("Institut coopératif de l'école moderne", short_name="ICEM", slug="icem")
    make_organisation("En attente", status=Organisation.Status.PENDING)

    html = client.get("/").content.decode()

    assert block_texts(html, "home-organisations") == [
        "2 organisations signataires",
        "ICEM",
        "SUD éducation",
        "Voir toutes les organisations signataires · Votre organisation veut signer ?",
    ]
    assert '<li><a href="/organisations/icem/">ICEM</a></li>' in html


@pytest.mark.parametrize("organisations", [1, 30])
def test_home_page_query_count_does_not_grow_with_organisations(
    client, pages, organisations, django_assert_num_queries
):
    for number in range(organisations):
        make_organisation(f"Organisation {number:02d}")

    # The appeal, the next scheduled post, the petition and its count, the latest news, the organisations.
    with django_assert_num_queries(5):
        client.get("/")


def test_navigation_links_to_the_list(client, pages):
    html = client.get("/organisations/").content.decode()

    assert '<li><a href="/organisations/" aria-current="page">Organisations signataires</a></li>' in html
    assert "Mon espace" not in html


def test_english_interface(client):
    make_organisation("SUD éducation", scope="38")

    html = client.get("/en/organisations/").content.decode()

    assert "<h1>Signatory organisations</h1>" in html
    assert '<p class="lead">1 organisation supports the appeal.</p>' in html
    assert "Isère (38) · Signatory since" in html
