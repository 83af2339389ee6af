import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from campaign.antispam import form_timestamp
from campaign.env import parse_rates
from campaign.models import OutgoingEmail, Page
from petitions import services
from petitions.models import Signature
from tests.campaign.factories import field_errors
from tests.campaign.html_text import block_texts, heading
from tests.conftest import message_text
from tests.petitions.factories import form_data, make_petition, make_signature

SITE = "http://127.0.0.1:8000"


def input_value(html, name):
    match = re.search(rf'<input type="[a-z]+" name="{name}"(?: value="([^"]*)")?', html)
    return match[1] if match else None


def test_sign_page_shows_the_form_and_sets_only_the_csrf_cookie(client, petition):
    response = client.get("/signer/")
    html = response.content.decode()

    assert response.status_code == 200
    assert set(response.cookies) == {"csrftoken"}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert re.findall(r'name="(\w+)" autocomplete="([\w-]+)"', html) == [
        ("website_url", "off"),
        ("first_name", "given-name"),
        ("last_name", "family-name"),
        ("email", "email"),
        ("postcode", "postal-code"),
    ]
    assert '<input type="checkbox" name="show_name" aria-describedby="id_show_name_helptext" id="id_show_name">' in html
    assert (
        '<input type="checkbox" name="wants_news" aria-describedby="id_wants_news_helptext" id="id_wants_news">' in html
    )
    assert block_texts(html, "privacy-notice") == [
        "Nous gardons ces informations pour compter une signature unique et confirmée, afficher votre nom si vous le "
        "demandez et vous écrire si vous le demandez ; rien d'autre, et aucune adresse IP. Une signature non "
        "confirmée est effacée au bout de 7 jours ; les données de tous les signataires le sont 6 mois après la "
        "clôture de la pétition. Le lien présent dans chaque e-mail vous permet de voir ce que nous gardons et de "
        "retirer votre signature à tout moment. En savoir plus sur vos données."
    ]
    assert '<a href="/confidentialite/">En savoir plus sur vos données</a>' in html


def test_valid_submission_stores_a_pending_signature_and_queues_its_email(client, petition):
    response = client.post(
        "/signer/",
        form_data(email=" Zoe.Lhote+LSUN@GMail.com ", postcode="20 137", show_name="on", wants_news="on"),
    )

    assert (response.status_code, response["Location"]) == (302, "/signer/merci/")
    signature = Signature.objects.get()
    assert {
        field: getattr(signature, field)
        for field in [
            "first_name", "last_name", "email", "email_normalised", "postcode", "departement", "role",
            "show_name", "wants_news", "confirmed_at", "reminders_sent",
        ]
    } == {
        "first_name": "Zoé",
        "last_name": "L'Hôte-Müller",
        "email": "Zoe.Lhote+LSUN@GMail.com",
        "email_normalised": "zoelhote@gmail.com",
        "postcode": "20137",
        "departement": "2A",
        "role": "parent",
        "show_name": True,
        "wants_news": True,
        "confirmed_at": None,
        "reminders_sent": 0,
    }  # fmt: skip
    assert signature.appeal_revision == Page.objects.get(slug="appel").current_revision()
    [email] = OutgoingEmail.objects.all()
    # The intent to send, about the signature: the address stays in the signature alone.
    assert (email.key, email.kind, email.object_id, email.language, email.recipient, email.status) == (
        f"signature:{signature.pk}:confirm:0",
        "petitions.signature_confirm",
        signature.pk,
        "fr",
        "",
        "pending",
    )
    # The worker is woken by PostgreSQL at commit, not by a task row per email.
    assert DBTaskResult.objects.count() == 0


def test_check_your_inbox_page(client, petition):
    response = client.get("/signer/merci/")

    assert response.status_code == 200
    assert dict(response.cookies) == {}
    assert block_texts(response.content.decode(), "prose")[:2] == [
        "Nous venons de vous envoyer un e-mail. Ouvrez-le et suivez le lien qu'il contient pour confirmer votre "
        "signature : elle ne comptera qu'une fois confirmée.",
        "Le lien est valable 7 jours. Sans confirmation, vos informations sont effacées au bout de ce délai.",
    ]


def test_confirmation_email_has_both_links_in_text_and_html(client, petition, smtp_server, run_tasks):
    client.post("/signer/", form_data())
    run_tasks()

    [message] = smtp_server.wait_for(1)
    signature = Signature.objects.get()
    text = message_text(message)
    confirm_path = f"/signer/confirmer/{services.tokens.confirmation_token(signature)}/"
    withdraw_path = f"/signer/retirer/{services.tokens.withdrawal_token(signature)}/"
    assert text == (
        "Bonjour Zoé,\n\n"
        "Merci d'avoir signé « Appel pour le retrait du LSUN ». Pour que votre signature compte, confirmez-la en "
        "ouvrant ce lien :\n\n"
        f"{SITE}{confirm_path}\n\n"
        f"Ce lien est valable jusqu'au {french_date(signature.confirmation_expires_at())}.\n\n"
        "Si vous n'avez pas signé, ignorez ce message : sans confirmation, ces informations seront effacées au bout "
        "de 7 jours.\n\n"
        "Voir ce que nous gardons à votre sujet et retirer votre signature, à tout moment :\n"
        f"{SITE}{withdraw_path}\n"
    )
    html = message.get_body(preferencelist=("html",)).get_content()
    assert html.count(f'href="{SITE}{confirm_path}"') == 2
    assert html.count(f'href="{SITE}{withdraw_path}"') == 1


MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def french_date(moment):
    local = timezone.localtime(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Indiquez votre prénom."),
        ({"first_name": "   "}, "first_name", "Indiquez votre prénom."),
        ({"last_name": ""}, "last_name", "Indiquez votre nom."),
        ({"first_name": "Z" * 101}, "first_name", "100 caractères au plus (vous en avez saisi 101)."),
        ({"first_name": "=SOMME(A1:A9)"}, "first_name", "Le nom ne peut pas commencer par =, +, - ou @."),
        ({"last_name": "+33612345678"}, "last_name", "Le nom ne peut pas commencer par =, +, - ou @."),
        ({"last_name": "-Dupont"}, "last_name", "Le nom ne peut pas commencer par =, +, - ou @."),
        ({"first_name": "@zoe"}, "first_name", "Le nom ne peut pas commencer par =, +, - ou @."),
        (
            {"first_name": "Zoé https://spam.example"},
            "first_name",
            "Indiquez seulement votre nom, sans lien ni adresse e-mail.",
        ),
        ({"last_name": "www.casino"}, "last_name", "Indiquez seulement votre nom, sans lien ni adresse e-mail."),
        (
            {"last_name": "achetez cheap-pills.com"},
            "last_name",
            "Indiquez seulement votre nom, sans lien ni adresse e-mail.",
        ),
        ({"last_name": "zoe@example.org"}, "last_name", "Indiquez seulement votre nom, sans lien ni adresse e-mail."),
        ({"last_name": "1234"}, "last_name", "Écrivez votre nom en lettres."),
        ({"last_name": "Du\x07pont"}, "last_name", "Ce champ contient un caractère invisible : retapez-le."),
        ({"email": ""}, "email", "Indiquez votre adresse e-mail."),
        (
            {"email": "zoe@"},
            "email",
            "Cette adresse e-mail n&#x27;est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr).",
        ),
        (
            {"email": "zoe.example.org"},
            "email",
            "Cette adresse e-mail n&#x27;est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr).",
        ),
        ({"email": "z" * 250 + "@example.org"}, "email", "254 caractères au plus (vous en avez saisi 262)."),
        ({"postcode": ""}, "postcode", "Indiquez votre code postal, ou cochez « J&#x27;habite hors de France »."),
        (
            {"postcode": "7501"},
            "postcode",
            "Un code postal a 5 chiffres, par exemple 75011. Hors de France, cochez « J&#x27;habite hors de France ».",
        ),
        (
            {"postcode": "75O11"},
            "postcode",
            "Un code postal a 5 chiffres, par exemple 75011. Hors de France, cochez « J&#x27;habite hors de France ».",
        ),
        ({"postcode": "1234567890123"}, "postcode", "Un code postal a 5 chiffres, par exemple 75011."),
        (
            {"postcode": "96000"},
            "postcode",
            "Ce code postal ne correspond à aucun lieu en France. Vérifiez-le, ou cochez « J&#x27;habite hors de "
            "France ».",
        ),
        ({"role": None}, "role", "Indiquez à quel titre vous signez."),
        ({"role": "ministre"}, "role", "Choisissez l&#x27;une des qualités proposées."),
    ],
)
def test_bad_input_gets_a_french_message_beside_the_field_and_is_kept(client, petition, overrides, field, message):
    data = form_data(**overrides)

    response = client.post("/signer/", data)
    html = response.content.decode()

    assert response.status_code == 200
    assert field_errors(html, field) == [message]
    assert "<title>Erreur : Signer l'appel" in html
    assert Signature.objects.count() == 0
    # Everything typed comes back, the wrong field included.
    for name in ("first_name", "last_name", "email", "postcode"):
        if data.get(name):
            assert input_value(html, name) == escape(data[name])


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Zoé", "L'Hôte-Müller"),
        ("Thị Minh", "Nguyễn"),
        ("小龍", "李"),
        ("Αθηνά", "Παπαδοπούλου"),
        ("Saïd", "Ben Ali"),
        ("J.-P.", "O’Neill"),
        ("Ayşe", "Yılmaz"),
    ],
)
def test_names_of_every_script_are_accepted(client, petition, first_name, last_name):
    response = client.post("/signer/", form_data(first_name=first_name, last_name=last_name))

    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.first_name, signature.last_name) == (first_name, last_name)


def test_names_are_stored_in_one_spelling(client, petition):
    client.post("/signer/", form_data(first_name="Zoe\u0301", last_name="  Le   Goff "))

    assert Signature.objects.values_list("first_name", "last_name").get() == ("Zoé", "Le Goff")


def test_signer_abroad_needs_no_postcode_and_none_is_kept(client, petition):
    client.post("/signer/", form_data(postcode="SW1A 1AA", abroad="on"))

    assert Signature.objects.values_list("postcode", "departement").get() == ("", "etranger")


def test_monaco_postcode_is_counted_abroad(client, petition):
    client.post("/signer/", form_data(postcode="98000"))

    assert Signature.objects.values_list("postcode", "departement").get() == ("98000", "etranger")


def test_honeypot_is_refused_and_nothing_stored(client, petition):
    response = client.post("/signer/", form_data(website_url="http://spam.example"))
    html = response.content.decode()

    assert response.status_code == 200
    assert block_texts(html, "error-summary")[1] == (
        "Votre envoi ressemble à celui d'un robot. Si vous êtes une personne, réessayez."
    )
    assert input_value(html, "email") == "zoe@example.org"
    assert (Signature.objects.count(), OutgoingEmail.objects.count()) == (0, 0)


def test_too_fast_submission_is_refused_and_nothing_stored(client, petition):
    response = client.post("/signer/", form_data(shown_at=form_timestamp(time.time() - 1)))
    html = response.content.decode()

    assert block_texts(html, "error-summary")[1] == (
        "Formulaire envoyé trop vite. Prenez quelques secondes pour vérifier vos informations, puis renvoyez-le."
    )
    assert input_value(html, "last_name") == "L&#x27;Hôte-Müller"
    assert (Signature.objects.count(), OutgoingEmail.objects.count()) == (0, 0)


def test_over_the_rate_limit_answers_429_in_french_and_stores_nothing(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("5/10m,30/1d")
    for number in range(5):
        assert client.post("/signer/", form_data(email=f"parent{number}@example.org")).status_code == 302

    response = client.post("/signer/", form_data(email="sixth@example.org"))
    html = response.content.decode()

    assert response.status_code == 429
    assert block_texts(html, "error-summary") == [
        "Trop de signatures depuis votre connexion",
        "Beaucoup de signatures ont été envoyées depuis votre réseau en peu de temps. Pour nous protéger des robots, "
        "nous n'avons rien enregistré. Réessayez dans quelques minutes (vos informations sont conservées ci-dessous), "
        "ou demain.",
        "Si vous signez à plusieurs depuis le même réseau (une école, une association), chacun peut aussi signer "
        "depuis son téléphone, sur le réseau mobile.",
    ]
    assert input_value(html, "email") == "sixth@example.org"
    assert not Signature.objects.filter(email="sixth@example.org").exists()
    assert OutgoingEmail.objects.count() == 5


def test_rate_limit_counts_the_client_behind_the_trusted_proxy(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("1/10m")
    settings.TRUSTED_PROXY_COUNT = 1

    first = client.post("/signer/", form_data(email="a@example.org"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    second = client.post("/signer/", form_data(email="b@example.org"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    neighbour = client.post("/signer/", form_data(email="c@example.org"), HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert [first.status_code, second.status_code, neighbour.status_code] == [302, 429, 302]
    assert sorted(Signature.objects.values_list("email", flat=True)) == ["a@example.org", "c@example.org"]


def test_invalid_submissions_do_not_use_up_the_limit(client, petition, settings):
    settings.SIGNATURE_RATE_LIMITS = parse_rates("1/10m")
    for _ in range(3):
        client.post("/signer/", form_data(email="typo@"))

    assert client.post("/signer/", form_data()).status_code == 302
    assert list(Signature.objects.values_list("email", flat=True)) == ["zoe@example.org"]


def _post_frozen(client, data, moment=None):
    # Compared submissions share one instant (``moment``): the Expires header is the time of the answer,
    # and a loaded machine can take over a second for three requests.
    with time_machine.travel(moment or timezone.now(), tick=False):
        return client.post("/signer/", data)


def _whole(response):
    # The request id is unique to each request by design, and says nothing about the address.
    headers = sorted((name, value) for name, value in response.headers.items() if name != "X-Request-ID")
    return response.status_code, headers, response.content


def test_no_enumeration_new_pending_and_confirmed_addresses_get_the_same_response(client, petition):
    make_signature(petition, email="confirmed@example.org", confirmed=True)
    make_signature(petition, email="pending@example.org", confirmed=False)

    # Three visitors, each with a form of their own.
    moment = timezone.now()
    new = _post_frozen(client, form_data(email="new@example.org"), moment)
    pending = _post_frozen(client, form_data(email="pending@example.org"), moment)
    confirmed = _post_frozen(client, form_data(email="Confirmed@Example.org"), moment)

    assert _whole(new) == _whole(pending) == _whole(confirmed)
    assert new.status_code == 302
    assert new["Location"] == "/signer/merci/"
    assert dict(new.cookies) == dict(pending.cookies) == dict(confirmed.cookies) == {}
    # Behind the identical answer, each address got what it needed.
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == [
        "petitions.signature_already_signed",
        "petitions.signature_confirm",
        "petitions.signature_confirm",
    ]


def test_no_enumeration_the_page_after_is_the_same_too(client, petition):
    make_signature(petition, email="confirmed@example.org", confirmed=True)

    new = client.post("/signer/", form_data(email="new@example.org"), follow=True)
    known = client.post("/signer/", form_data(email="confirmed@example.org"), follow=True)

    assert new.content == known.content


def test_already_signed_email(client, petition, smtp_server, run_tasks):
    signature = make_signature(petition, email="zoe@example.org", confirmed=True)

    client.post("/signer/", form_data(email="ZOE@example.org"))
    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "zoe@example.org"
    assert message["Subject"] == "Vous avez déjà signé l'appel pour le retrait du LSUN"
    assert message_text(message) == (
        "Bonjour Zoé,\n\n"
        "Votre adresse vient d'être saisie à nouveau dans le formulaire de signature. Vous avez déjà signé « Appel "
        f"pour le retrait du LSUN » et votre signature, confirmée le {french_date(signature.confirmed_at)}, est bien "
        "comptée : vous n'avez rien à faire.\n\n"
        "Pour faire connaître l'appel, partagez ce lien :\n"
        f"{SITE}/\n\n"
        "Si ce n'était pas vous, ignorez ce message. Voir ce que nous gardons à votre sujet et retirer votre "
        "signature, à tout moment :\n"
        f"{SITE}/signer/retirer/{services.tokens.withdrawal_token(signature)}/\n"
    )
    signature.refresh_from_db()
    assert (signature.first_name, signature.reminders_sent) == ("Zoé", 1)


def test_reminders_at_most_one_per_15_minutes_and_three_in_all(client, petition):
    start = timezone.now()
    make_signature(petition, email="zoe@example.org", confirmed=False, created_at=start)
    sent = []

    for minutes in (1, 5, 16, 20, 32, 48, 70):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            client.post("/signer/", form_data(email="zoe@example.org", shown_at=form_timestamp(time.time() - 10)))
        sent.append(OutgoingEmail.objects.count())

    # The first confirmation was sent with the signature (not through this form here).
    assert sent == [1, 1, 2, 2, 3, 3, 3]
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == [
        f"signature:{Signature.objects.get().pk}:confirm:{number}" for number in (1, 2, 3)
    ]


def test_same_person_with_another_spelling_of_the_address_is_the_same_signer(client, petition):
    client.post("/signer/", form_data(email="zoe.lhote@gmail.com"))
    client.post("/signer/", form_data(email="ZoeLhote+petition@googlemail.com", first_name="Autre"))

    assert Signature.objects.values_list("email", "first_name").get() == ("zoe.lhote@gmail.com", "Zoé")


def test_expired_pending_signature_is_replaced_by_a_new_one(client, petition):
    old = make_signature(
        petition, email="zoe@example.org", confirmed=False, created_at=timezone.now() - timedelta(days=8)
    )

    client.post("/signer/", form_data(email="zoe@example.org", first_name="Zoëlle"))

    new = Signature.objects.get()
    assert new.pk != old.pk
    assert (new.first_name, new.confirmed_at, new.token != old.token) == ("Zoëlle", None, True)
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [f"signature:{new.pk}:confirm:0"]


def test_signature_records_the_appeal_revision_current_when_signing(client, petition):
    appeal = Page.objects.get(slug="appel")
    client.post("/signer/", form_data(email="before@example.org"))
    newer = appeal.publish(title="Retrait du LSUN", body="Texte révisé de l'appel.")

    client.post("/signer/", form_data(email="after@example.org"))

    revisions = dict(Signature.objects.values_list("email", "appeal_revision"))
    assert revisions["after@example.org"] == newer.pk
    assert revisions["before@example.org"] != newer.pk


@pytest.mark.django_db(transaction=True)
def test_rolled_back_signature_sends_nothing(pages, smtp_server, run_tasks):
    from petitions.counter import featured
    from petitions.forms import SignatureForm
    from petitions.initial_content import load_petition

    load_petition()
    form = SignatureForm(form_data())
    assert form.is_valid(), form.errors

    with pytest.raises(RuntimeError), transaction.atomic():
        services.sign(featured(), form.signature_data())
        raise RuntimeError("the request failed after signing")

    run_tasks()
    assert (Signature.objects.count(), OutgoingEmail.objects.count(), DBTaskResult.objects.count()) == (0, 0, 0)
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_smtp_down_then_up_the_confirmation_arrives_once(client, petition, smtp_server, run_tasks):
    smtp_server.stop()
    client.post("/signer/", form_data())

    run_tasks()
    queued = OutgoingEmail.objects.get()
    assert (queued.status, queued.attempts) == ("pending", 1)

    smtp_server.start()
    with time_machine.travel(queued.next_attempt_at + timedelta(seconds=1)):
        run_tasks()
        run_tasks()

    messages = smtp_server.wait_for(1, timeout=1)
    assert [message["Subject"] for message in messages] == [
        "Confirmez votre signature de l'appel pour le retrait du LSUN"
    ]
    assert OutgoingEmail.objects.get().status == "sent"


def test_closed_petition_refuses_signatures_with_410_and_shows_the_final_count(client, petition):
    for _ in range(3):
        make_signature(petition)
    petition.opens_at = timezone.now() - timedelta(days=60)
    petition.closes_at = timezone.now() - timedelta(days=1)
    petition.save()

    page = client.get("/signer/")
    posted = client.post("/signer/", form_data())
    html = page.content.decode()

    assert (page.status_code, posted.status_code) == (410, 410)
    assert block_texts(html, "petition-counter") == ["3 signatures sur un objectif de 10 000"]
    assert "<h1>La pétition est close</h1>" in html
    assert Signature.objects.count() == 3
    assert "<form" not in html


def test_petition_not_open_yet_refuses_signatures(client, petition):
    petition.opens_at = timezone.now() + timedelta(days=1)
    petition.save()

    response = client.post("/signer/", form_data())

    assert response.status_code == 410
    assert "<h1>La pétition n'est pas encore ouverte</h1>" in response.content.decode()
    assert Signature.objects.count() == 0


def test_no_featured_petition_means_no_signing_page(client, pages):
    make_petition(featured=False)

    response = client.get("/signer/")

    assert response.status_code == 404
    assert heading(response.content.decode()) == "Page introuvable"


def test_an_address_that_grows_when_lowered_is_refused_not_crashed(client, petition):
    # "İ" lower-cases to two characters: 254 typed, 255 normalised.
    email = "a" * 240 + "@" + "İ" * 9 + ".org"

    response = client.post("/signer/", form_data(email=email))

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "email") == [
        "Cette adresse e-mail n&#x27;est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr)."
    ]


def test_a_name_that_grows_when_normalised_is_measured_after(client, petition):
    # U+0958 is stored decomposed (two characters) in NFC: 60 typed, 120 stored.
    response = client.post("/signer/", form_data(first_name="\u0958" * 60))

    assert field_errors(response.content.decode(), "first_name") == ["100 caractères au plus (vous en avez saisi 120)."]


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "postcode", "role", "website_url", "shown_at"])
def test_a_huge_value_in_any_field_is_refused_in_milliseconds(client, petition, field):
    # A 90,000-character first name used to stall a worker for 30 s: the link
    # check ran before the length check, in quadratic time.
    data = form_data(**{field: "a" * 90_000})

    start = time.perf_counter()
    response = client.post("/signer/", data)
    elapsed = time.perf_counter() - start

    assert response.status_code == 200
    assert elapsed < 1
    assert Signature.objects.count() == 0


def test_the_90000_character_first_name_gets_the_french_message_and_is_kept(client, petition):
    response = client.post("/signer/", form_data(first_name="a" * 90_000))
    html = response.content.decode()

    assert field_errors(html, "first_name") == ["100 caractères au plus (vous en avez saisi 90000)."]
    assert input_value(html, "first_name") == "a" * 90_000
    assert input_value(html, "email") == "zoe@example.org"


@pytest.mark.parametrize(
    "name",
    [
        "a" * 100,
        "a." * 50,
        "com." * 25,
        "http" * 25,
        "www" + "." * 97,
    ],
)
def test_names_at_the_limit_are_checked_quickly(client, petition, name):
    start = time.perf_counter()
    client.post("/signer/", form_data(last_name=name))

    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("Zo\u200bé", "Zoé"), ("\ufeffZoé", "Zoé"), ("Zo\u3164é", "Zoé"), ("Zo\u2800é", "Zoé"), ("Zo\u00adé", "Zoé")],
)
def test_invisible_characters_never_reach_the_signatories_list(client, petition, typed, shown):
    response = client.post("/signer/", form_data(first_name=typed, last_name="\u200bMartin", show_name="on"))
    assert response.status_code == 302
    signature = Signature.objects.get()
    services.confirm(signature)
    caches["local"].clear()  # the count the list relies on is cached for a few seconds

    html = client.get("/signataires/").content.decode()

    assert (signature.first_name, signature.last_name) == (shown, "Martin")
    assert block_texts(html, "signatories")[0].startswith(f"{shown} M., Isère (38), ")


@pytest.mark.parametrize("override", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068"])
def test_a_direction_override_in_a_name_is_refused(client, petition, override):
    response = client.post("/signer/", form_data(first_name=f"Zoé{override}nitraM"))

    assert field_errors(response.content.decode(), "first_name") == [
        "Ce champ contient un caractère invisible : retapez-le."
    ]
    assert Signature.objects.count() == 0


def test_a_name_made_of_fillers_is_an_empty_name(client, petition):
    response = client.post("/signer/", form_data(first_name="\u3164\u115f\u2800"))

    assert field_errors(response.content.decode(), "first_name") == ["Indiquez votre prénom."]
    assert Signature.objects.count() == 0


@pytest.mark.parametrize("how", ["withdrawn", "deleted by other means"])
def test_a_signature_withdrawn_before_its_email_is_sent_gets_nothing(client, petition, smtp_server, run_tasks, how):
    client.post("/signer/", form_data(email="zoe@example.org"))
    signature = Signature.objects.get()
    if how == "withdrawn":
        services.withdraw(signature)
    else:
        # Not through erase(): the worker finds the signature gone and drops the email.
        Signature.objects.filter(pk=signature.pk)._raw_delete(using="default")

    run_tasks()

    assert smtp_server.wait_for(1, timeout=0.5) == []
    assert OutgoingEmail.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_new_signature_and_its_email_are_one_statement(pages, django_assert_num_queries):
    petition = make_petition()
    data = {"first_name": "Zoé", "last_name": "L'Hôte-Müller", "email": "zoe@example.org", "postcode": "38000"}
    data |= {"departement": "38", "role": "parent", "show_name": False, "wants_news": False}

    with django_assert_num_queries(1) as captured:
        outcome = services.sign(petition, data)

    [sql] = [query["sql"] for query in captured.captured_queries]
    assert sql.startswith('WITH signature AS (INSERT INTO "petitions_signature"')
    assert outcome == services.Outcome.CREATED
    signature = Signature.objects.get()
    assert signature.appeal_revision == Page.objects.get(slug="appel").current_revision()
    assert list(OutgoingEmail.objects.values_list("key", "kind", "object_id", "language")) == [
        (f"signature:{signature.pk}:confirm:0", "petitions.signature_confirm", signature.pk, "fr")
    ]


@pytest.mark.django_db(transaction=True)
def test_signing_again_inside_a_transaction_leaves_it_usable(pages):
    petition = make_petition()
    data = {"first_name": "Zoé", "last_name": "L'Hôte-Müller", "email": "zoe@example.org", "postcode": "38000"}
    data |= {"departement": "38", "role": "parent", "show_name": False, "wants_news": False}
    services.sign(petition, data)

    with transaction.atomic():
        outcome = services.sign(petition, data)
        assert Signature.objects.count() == 1

    assert outcome == services.Outcome.CONFIRMATION_RESENT
