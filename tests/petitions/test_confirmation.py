import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from petitions import counter, services, tokens
from petitions.models import Signature
from tests.campaign.html_text import block_texts, heading
from tests.conftest import message_text
from tests.petitions.factories import make_signature

CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:8000(/signer/confirmer/[^/\s]+/)")


def hidden_value(html, name):
    return re.search(rf'name="{name}" value="([^"]+)"', html)[1]


def count_on(client, path):
    return block_texts(client.get(path).content.decode(), "petition-counter")


def test_whole_journey_through_a_real_smtp_server(petition, smtp_server, run_tasks):
    for _ in range(41):
        make_signature(petition)
    browser = Client(enforce_csrf_checks=True)
    assert count_on(browser, "/") == ["41 signatures sur un objectif de 10 000"]

    # The parent opened the form twenty seconds ago, and signs.
    with time_machine.travel(timezone.now() - timedelta(seconds=20)):
        form_page = browser.get("/signer/").content.decode()
    signed = browser.post(
        "/signer/",
        {
            "csrfmiddlewaretoken": hidden_value(form_page, "csrfmiddlewaretoken"),
            "shown_at": hidden_value(form_page, "shown_at"),
            "website_url": "",
            "first_name": "Zoé",
            "last_name": "L'Hôte-Müller",
            "email": "zoe@example.org",
            "postcode": "82000",
            "role": "parent",
            "show_name": "on",
        },
    )
    assert signed["Location"] == "/signer/merci/"

    # The worker sends the email; the parent opens it and follows the link.
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "zoe@example.org"
    path = CONFIRM_LINK.search(message_text(message))[1]
    button_page = browser.get(path)
    html = button_page.content.decode()
    assert (
        block_texts(html, "prose")[0]
        == "Encore un geste, Zoé L. : appuyez sur le bouton pour que votre signature compte."
    )
    assert '<button type="submit">Confirmer ma signature</button>' in html
    zoe = Signature.objects.filter(email="zoe@example.org")
    assert zoe.get().confirmed_at is None  # opening the link confirms nothing

    confirmed = browser.post(path, {"csrfmiddlewaretoken": hidden_value(html, "csrfmiddlewaretoken")})
    thanks = browser.get(confirmed["Location"]).content.decode()

    assert confirmed["Location"] == path
    assert "<h1>Merci, votre signature est confirmée</h1>" in thanks
    assert block_texts(thanks, "petition-counter") == ["42 signatures sur un objectif de 10 000"]
    assert count_on(browser, "/") == ["42 signatures sur un objectif de 10 000"]
    assert zoe.get().confirmed_at is not None


def test_thank_you_page_shares_with_plain_links_only(client, petition):
    signature = make_signature(petition, confirmed=True)

    html = client.get(f"/signer/confirmer/{tokens.confirmation_token(signature)}/").content.decode()

    links = re.findall(r'<li><a href="([^"]+)" rel="noopener noreferrer">([^<]+)</a></li>', html)
    assert [name for _, name in links] == ["E-mail", "Mastodon", "Bluesky", "Facebook", "X", "WhatsApp"]
    assert [url.split("?")[0].split("#")[0] for url, _ in links] == [
        "mailto:",
        "https://share.joinmastodon.org/",
        "https://bsky.app/intent/compose",
        "https://www.facebook.com/sharer/sharer.php",
        "https://x.com/intent/post",
        "https://wa.me/",
    ]
    assert all("http%3A%2F%2F127.0.0.1%3A8000%2F" in url for url, _ in links)
    assert '<input type="text" id="share-url" value="http://127.0.0.1:8000/" readonly data-copy-source>' in html
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/counter.js", "/static/js/share.js"]


def test_confirming_twice_counts_once(client, petition):
    signature = make_signature(petition, confirmed=False)
    path = f"/signer/confirmer/{tokens.confirmation_token(signature)}/"

    first = client.post(path)
    confirmed_at = Signature.objects.get().confirmed_at
    second = client.post(path)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Signature.objects.get().confirmed_at == confirmed_at
    assert count_on(client, path) == ["1 signature sur un objectif de 10 000"]


def test_confirmation_link_expires_after_seven_days(client, petition):
    signed_at = timezone.now()
    signature = make_signature(petition, confirmed=False, created_at=signed_at)
    path = f"/signer/confirmer/{tokens.confirmation_token(signature)}/"

    with time_machine.travel(signed_at + timedelta(days=7, seconds=-60)):
        still_valid = client.get(path)
    with time_machine.travel(signed_at + timedelta(days=7, seconds=1)):
        expired_page = client.get(path)
        expired_post = client.post(path)

    assert still_valid.status_code == 200
    assert (expired_page.status_code, expired_post.status_code) == (410, 410)
    html = expired_page.content.decode()
    assert "<h1>Ce lien de confirmation a expiré</h1>" in html
    assert block_texts(html, "prose")[:2] == [
        "Un lien de confirmation est valable 7 jours. Passé ce délai, la signature non confirmée est effacée, avec "
        "toutes les informations saisies.",
        "Votre soutien compte toujours : il suffit de signer à nouveau, cela prend une minute.",
    ]
    assert '<a class="button" href="/signer/">Signer à nouveau</a>' in html
    assert Signature.objects.get().confirmed_at is None


def test_expired_link_still_says_expired_once_the_signature_is_pruned(client, petition):
    signed_at = timezone.now()
    signature = make_signature(petition, confirmed=False, created_at=signed_at)
    path = f"/signer/confirmer/{tokens.confirmation_token(signature)}/"
    signature.delete()

    with time_machine.travel(signed_at + timedelta(days=9)):
        response = client.get(path)

    assert response.status_code == 410
    assert heading(response.content.decode()) == "Ce lien de confirmation a expiré"


def test_a_confirmed_signature_old_link_still_thanks(client, petition):
    signed_at = timezone.now()
    signature = make_signature(petition, confirmed=True, created_at=signed_at, confirmed_at=signed_at)

    with time_machine.travel(signed_at + timedelta(days=60)):
        response = client.get(f"/signer/confirmer/{tokens.confirmation_token(signature)}/")

    assert response.status_code == 200
    assert "<h1>Merci, votre signature est confirmée</h1>" in response.content.decode()


@pytest.mark.parametrize("kind", ["confirmer", "retirer"])
def test_malformed_tampered_or_unknown_links_give_a_404_that_explains(client, petition, kind):
    signature = make_signature(petition, confirmed=False)
    good = tokens.confirmation_token(signature) if kind == "confirmer" else tokens.withdrawal_token(signature)
    unknown = make_signature(petition, confirmed=False)
    unknown_token = tokens.confirmation_token(unknown) if kind == "confirmer" else tokens.withdrawal_token(unknown)
    unknown.delete()

    for token in ["abc", good[:-3], good[:-1] + ("A" if good[-1] != "A" else "B"), "x" * 300, "%E2%98%83"]:
        response = client.get(f"/signer/{kind}/{token}/")
        assert response.status_code == 404, token
        assert response.templates[0].name in ("petitions/link_invalid.html", "petitions/withdraw_gone.html")
    response = client.post(f"/signer/{kind}/{good[:-1]}X/")
    assert response.status_code == 404

    html = client.get(f"/signer/{kind}/{good[:-2]}/").content.decode()
    assert "<h1>Ce lien n'est pas valable</h1>" in html
    assert block_texts(html, "prose") == [
        "Nous ne reconnaissons pas ce lien. Il a peut-être été coupé ou modifié en le recopiant, ou la signature à "
        "laquelle il menait a été retirée.",
        "Ouvrez le lien directement depuis l'e-mail reçu, ou recopiez-le en entier.",
        "Si vous voulez signer l'appel, remplissez le formulaire de signature : vous recevrez un nouveau lien.",
    ]
    if kind == "confirmer":
        unknown = client.get(f"/signer/confirmer/{unknown_token}/")
        assert (unknown.status_code, heading(unknown.content.decode())) == (404, "Ce lien n'est pas valable")


def test_confirmation_pages_are_not_cached(client, petition):
    signature = make_signature(petition, confirmed=False)

    response = client.get(f"/signer/confirmer/{tokens.confirmation_token(signature)}/")

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_links_in_the_english_interface(client, petition):
    signature = make_signature(petition, confirmed=False)

    response = client.get(f"/en/signer/confirmer/{tokens.confirmation_token(signature)}/")

    assert response.status_code == 200
    assert '<button type="submit">Confirm my signature</button>' in response.content.decode()


def test_confirm_service_says_whether_this_call_confirmed(petition):
    signature = make_signature(petition, confirmed=False)
    stale_copy = Signature.objects.get(pk=signature.pk)

    first = services.confirm(signature)
    second = services.confirm(stale_copy)

    assert (first, second) == (True, False)
    assert counter.stored_counts(petition.pk) == (1, 0)


def test_confirming_a_signature_withdrawn_meanwhile_changes_nothing(petition):
    signature = make_signature(petition, confirmed=False)
    Signature.objects.filter(pk=signature.pk).delete()

    confirmed = services.confirm(signature)

    assert confirmed is False
    assert Signature.objects.count() == 0
    assert counter.stored_counts(petition.pk) == (0, 0)


def test_confirmation_is_one_update_found_by_primary_key(petition, django_assert_num_queries):
    # "AND confirmed_at IS NULL" would let PostgreSQL pick the partial index of
    # pending signatures, slow when its statistics are stale (bench/README.md).
    signature = make_signature(petition, confirmed=False)

    with django_assert_num_queries(1) as captured:
        assert services.confirm(signature) is True

    [sql] = [query["sql"] for query in captured.captured_queries]
    assert sql.split()[0] == "UPDATE"
    assert sql.split(" WHERE ")[-1] == (
        f'("petitions_signature"."id" = {signature.pk} AND num_nulls("petitions_signature"."confirmed_at") = 1)'
    )
    assert Signature.objects.get().confirmed_at == signature.confirmed_at
    assert services.confirm(signature) is False
