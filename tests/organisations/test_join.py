import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from campaign.antispam import form_timestamp
from campaign.env import parse_rates
from campaign.models import OutgoingEmail, User
from organisations import services
from organisations.models import Membership, Organisation
from tests.campaign.factories import PASSWORD, enrol_totp, make_user, page_secret, second_factors, totp_code
from tests.campaign.html_text import block_texts
from tests.conftest import message_html, message_text
from tests.organisations.factories import image_bytes, make_organisation

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "les enfants ne sont pas des fiches"


def join_data(**overrides):
    data = {
        "name": "Collectif Parents Vigilants",
        "short_name": "CPV 31",
        "kind": "collectif",
        "scope": "31",
        "website": "https://parents-vigilants.example.org",
        "description": "Des parents contre le fichage des enfants.",
        "contact_name": "Zoé L'Hôte-Müller",
        "contact_email": "zoe@example.org",
        "message": "Nous voulons signer l'appel.",
        "consent": "on",
        "website_url": "",
        "shown_at": form_timestamp(time.time() - 10),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def link_in(text, path_start):
    return re.search(rf"http://127\.0\.0\.1:8000({re.escape(path_start)}\S+)", text).group(1)


@pytest.fixture
def moderator(db):
    return enrol_totp(make_user("equipe@example.org", superuser=True, full_name="Équipe"))


def test_the_whole_join_journey(client, smtp_server, run_tasks, moderator, media):
    # Staff without the right to moderate are not bothered.
    make_user("stagiaire@example.org", staff=True)

    # 1. The organisation applies, with its logo.
    response = client.post(
        "/organisations/rejoindre/", join_data(logo=SimpleUploadedFile("logo.png", image_bytes("PNG", (1000, 500))))
    )

    assert response.status_code == 302
    assert response["Location"] == "/organisations/rejoindre/envoyee/"
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.short_name, organisation.slug) == (
        "Collectif Parents Vigilants",
        "CPV 31",
        "cpv-31",
    )
    assert (organisation.kind, organisation.scope, organisation.website) == (
        "collectif",
        "31",
        "https://parents-vigilants.example.org",
    )
    assert (organisation.contact_name, organisation.contact_email, organisation.join_message) == (
        "Zoé L'Hôte-Müller",
        "zoe@example.org",
        "Nous voulons signer l'appel.",
    )
    assert organisation.status == Organisation.Status.PENDING
    assert organisation.contact_confirmed_at is None
    assert organisation.consent_at is not None
    assert (organisation.logo_width, organisation.logo_height) == (400, 200)
    assert "Collectif Parents Vigilants" not in client.get("/organisations/").content.decode()

    # 2. The contact confirms the address: the link opens a page, only its button confirms.
    run_tasks()
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == "zoe@example.org"
    assert confirmation["Subject"] == "Confirmez la demande de signature de Collectif Parents Vigilants"
    assert message_text(confirmation).startswith(
        "Bonjour Zoé L'Hôte-Müller,\n\nVous avez demandé que « Collectif Parents Vigilants » signe l'appel"
    )
    confirm_path = link_in(message_text(confirmation), "/organisations/rejoindre/confirmer/")
    assert f'href="http://127.0.0.1:8000{confirm_path}"' in message_html(confirmation)

    page = client.get(confirm_path)

    assert '<button type="submit">Confirmer la demande</button>' in page.content.decode()
    organisation.refresh_from_db()
    assert organisation.contact_confirmed_at is None

    done = client.post(confirm_path)

    assert "<h1>Demande transmise</h1>" in done.content.decode()
    organisation.refresh_from_db()
    assert organisation.contact_confirmed_at is not None

    # 3. Staff who may moderate are told.
    run_tasks()
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    notification = messages[1]
    assert notification["To"] == "equipe@example.org"
    assert notification["Subject"] == "Nouvelle demande de signature : Collectif Parents Vigilants"
    assert "Contact : Zoé L'Hôte-Müller <zoe@example.org>" in message_text(notification)
    admin_path = f"/admin/organisations/organisation/{organisation.pk}/change/"
    assert f"http://127.0.0.1:8000{admin_path}" in message_text(notification)

    # 4. A moderator approves it in the admin.
    staff = Client()
    staff.force_login(moderator)
    assert "Approuver" in staff.get(admin_path).content.decode()
    approve_path = f"/admin/organisations/organisation/{organisation.pk}/approuver/"
    assert staff.get(approve_path).status_code == 200
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING  # a GET changes nothing

    response = staff.post(approve_path)

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED
    assert organisation.approved_at is not None
    editor = User.objects.get(email="zoe@example.org")
    assert not editor.has_usable_password()
    assert list(Membership.objects.filter(user=editor).values_list("organisation__name", flat=True)) == [
        "Collectif Parents Vigilants"
    ]

    # 5. The organisation is listed at once; its contact gets the outcome and the invitation.
    listing = client.get("/organisations/").content.decode()
    assert '<h3><a href="/organisations/cpv-31/">Collectif Parents Vigilants</a></h3>' in listing
    run_tasks()
    messages = smtp_server.wait_for(3)
    outcome = messages[2]
    assert outcome["To"] == "zoe@example.org"
    assert outcome["Subject"] == "Collectif Parents Vigilants signe l'appel pour le retrait du LSUN"
    assert "http://127.0.0.1:8000/organisations/cpv-31/" in message_text(outcome)
    password_path = link_in(message_text(outcome), "/compte/password/reset/key/")

    # 6. The editor chooses a password and is sent to two-factor enrolment.
    browser = Client()
    response = browser.get(password_path, follow=True)
    assert "<h1>Choisir un mot de passe</h1>" in response.content.decode()
    set_password_path = response.redirect_chain[-1][0]

    response = browser.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/compte/2fa/"
    assert "Une étape avant de continuer." in response.content.decode()
    assert browser.get("/espace/")["Location"] == "/compte/2fa/"

    # 7. It enrols an authenticator app…
    activation = browser.get("/compte/2fa/totp/activate/").content.decode()
    secret = page_secret(activation)
    response = browser.post("/compte/2fa/totp/activate/", {"code": totp_code(secret)}, follow=True)
    assert "<h1>Codes de secours</h1>" in response.content.decode()
    assert second_factors(editor) == ["recovery_codes", "totp"]
    assert browser.get("/compte/continuer/")["Location"] == "/espace/"

    # 8. …and edits the organisation's public profile.
    space = browser.get("/espace/").content.decode()
    assert 'href="/espace/organisations/cpv-31/"' in space
    response = browser.post(
        "/espace/organisations/cpv-31/",
        {
            "short_name": "CPV 31",
            "kind": "parents",
            "scope": "31",
            "website": "https://cpv31.example.org",
            "description": "Parents d'élèves de Haute-Garonne.",
            "logo_alt": "",
        },
    )
    assert response["Location"] == "/espace/"
    public = client.get("/organisations/cpv-31/").content.decode()
    assert block_texts(public, "org-description") == ["Parents d'élèves de Haute-Garonne."]
    assert "Association de parents d&#x27;élèves · Haute-Garonne (31)" in public


def test_refusal_tells_the_contact_why(client, smtp_server, run_tasks, moderator):
    organisation = make_organisation(
        "Ligue Imaginaire", status=Organisation.Status.PENDING, contact_confirmed_at=timezone.now()
    )
    staff = Client()
    staff.force_login(moderator)
    path = f"/admin/organisations/organisation/{organisation.pk}/refuser/"

    empty = staff.post(path, {"reason": ""})
    assert "Ce champ est obligatoire." in empty.content.decode()
    response = staff.post(path, {"reason": "Nous ne connaissons pas cette organisation.\nÉcrivez-nous."})

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.status, organisation.refusal_reason) == (
        Organisation.Status.REFUSED,
        "Nous ne connaissons pas cette organisation.\nÉcrivez-nous.",
    )
    run_tasks()
    [outcome] = smtp_server.wait_for(1)
    assert outcome["To"] == organisation.contact_email
    assert outcome["Subject"] == "Votre demande de signature pour Ligue Imaginaire"
    assert "Voici son explication :\n\nNous ne connaissons pas cette organisation.\nÉcrivez-nous.\n" in message_text(
        outcome
    )
    assert "Ligue Imaginaire" not in client.get("/organisations/").content.decode()


@pytest.mark.parametrize(
    "existing",
    ["SUD éducation", "sud education", "SUD  Éducation", "S.U.D. éducation", "Sud-Education"],
)
def test_a_name_matching_a_signatory_ignoring_case_accents_and_spacing_is_refused(client, existing):
    make_organisation(existing)

    response = client.post("/organisations/rejoindre/", join_data(name="Sud Éducation"))

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Une organisation de ce nom (sans tenir compte des majuscules, des accents ni des espaces) "
        "a déjà signé l&#x27;appel ou attend la validation de sa demande."
    ) in html
    assert 'value="Sud Éducation"' in html
    assert 'value="zoe@example.org"' in html  # the other input is kept
    assert Organisation.objects.count() == 1


def test_a_name_of_a_confirmed_pending_request_is_refused_but_not_of_an_unconfirmed_one(client):
    make_organisation("Collectif A", status=Organisation.Status.PENDING, contact_confirmed_at=timezone.now())
    make_organisation("Collectif B", status=Organisation.Status.PENDING)
    make_organisation("Collectif C", status=Organisation.Status.REFUSED)

    taken = client.post("/organisations/rejoindre/", join_data(name="collectif a"))
    free_b = client.post("/organisations/rejoindre/", join_data(name="collectif b"))
    free_c = client.post("/organisations/rejoindre/", join_data(name="collectif c"))

    assert taken.status_code == 200
    assert (free_b.status_code, free_c.status_code) == (302, 302)
    assert "a déjà signé l&#x27;appel ou attend la validation de sa demande." in taken.content.decode()
    requests = Organisation.objects.filter(name__in=["collectif a", "collectif b", "collectif c"])
    assert sorted(requests.values_list("name", "status")) == [("collectif b", "pending"), ("collectif c", "pending")]


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.org", "http://"]
)
def test_a_website_other_than_http_is_refused_beside_the_field(client, website):
    response = client.post("/organisations/rejoindre/", join_data(website=website))

    html = response.content.decode()
    assert response.status_code == 200
    field = html[html.index('<label for="id_website">') : html.index('id="id_website"')]
    assert (
        '<ul class="errorlist" id="id_website_error"><li>'
        "Indiquez l&#x27;adresse d&#x27;un site web, commençant par http:// ou https://.</li></ul>"
    ) in field
    assert 'value="Collectif Parents Vigilants"' in html
    assert Organisation.objects.count() == 0


def test_a_website_without_scheme_gets_https(client):
    client.post("/organisations/rejoindre/", join_data(website="parents-vigilants.example.org"))

    assert Organisation.objects.get().website == "https://parents-vigilants.example.org"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        (
            {"name": "x" * 201},
            "name",
            "200 caractères au plus (vous en avez saisi 201).",
        ),
        ({"name": "=HYPERLINK(1)"}, "name", "Ce texte ne peut pas commencer par =, +, - ou @."),
        ({"name": "« … »"}, "name", "Le nom doit contenir au moins une lettre ou un chiffre."),
        ({"kind": "secte"}, "kind", "Sélectionnez un choix valide. secte n’en fait pas partie."),
        ({"scope": "20"}, "scope", "Sélectionnez un choix valide. 20 n’en fait pas partie."),
        ({"contact_email": "zoe@"}, "contact_email", "Saisissez une adresse de courriel valide."),
        ({"contact_name": ""}, "contact_name", "Ce champ est obligatoire."),
        ({"consent": None}, "consent", "Cochez cette case pour que nous puissions traiter la demande."),
    ],
)
def test_bad_input_gets_a_french_message_and_keeps_the_rest(client, overrides, field, message):
    response = client.post("/organisations/rejoindre/", join_data(**overrides))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in html
    assert "<title>Erreur : Faire signer votre organisation" in html
    assert 'value="zoe@example.org"' in html or field == "contact_email"
    assert Organisation.objects.count() == 0


NO_LETTER = "Le nom doit contenir au moins une lettre ou un chiffre."


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("_", NO_LETTER),
        ("__", NO_LETTER),
        ("_ -", NO_LETTER),
        ("(_)", NO_LETTER),
        ("\u3164", "Ce champ est obligatoire."),
    ],
)
def test_a_name_without_letter_or_digit_gets_the_message_not_the_outage_page(client, name, message):
    # The SQL name key drops "_" like any punctuation: the form must not count it as a letter.
    response = client.post("/organisations/rejoindre/", join_data(name=name, short_name=""))

    assert response.status_code == 200
    assert f'<ul class="errorlist" id="id_name_error"><li>{message}</li></ul>' in response.content.decode()
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize("field", ["name", "short_name", "contact_name"])
def test_names_lose_their_invisible_characters_and_refuse_direction_overrides(client, field):
    kept = client.post("/organisations/rejoindre/", join_data(**{field: "SUD\u200b éducation\ufeff 38"}))
    refused = client.post("/organisations/rejoindre/", join_data(**{field: "SUD \u202e83 noitacudé"}))

    assert kept.status_code == 302
    assert getattr(Organisation.objects.get(), field) == "SUD éducation 38"
    assert (
        f'<ul class="errorlist" id="id_{field}_error"><li>Ce champ contient un caractère invisible : retapez-le.</li>'
        in refused.content.decode()
    )
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    "field", ["name", "short_name", "website", "description", "contact_name", "contact_email", "message", "scope"]
)
def test_a_huge_value_in_any_field_is_refused_in_milliseconds(client, field):
    start = time.perf_counter()
    response = client.post("/organisations/rejoindre/", join_data(**{field: "a" * 100_000}))

    assert time.perf_counter() - start < 1
    assert response.status_code == 200
    assert Organisation.objects.count() == 0


def test_non_latin_and_accented_names_are_welcome(client):
    response = client.post(
        "/organisations/rejoindre/", join_data(name="Союз учителей", short_name="", contact_name="Nguyễn Thị Lan")
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.contact_name) == ("Союз учителей", "Nguyễn Thị Lan")
    assert organisation.slug == "organisation"  # slugs are ASCII; the name is shown as typed


def test_a_robot_filling_the_honeypot_is_turned_away(client):
    response = client.post("/organisations/rejoindre/", join_data(website_url="http://spam.example"))

    assert "Votre envoi ressemble à celui d&#x27;un robot." in response.content.decode()
    assert Organisation.objects.count() == 0


def test_a_form_sent_too_fast_is_refused(client):
    response = client.post("/organisations/rejoindre/", join_data(shown_at=form_timestamp(time.time())))

    assert "Formulaire envoyé trop vite." in response.content.decode()
    assert Organisation.objects.count() == 0


def test_requests_are_rate_limited_per_client(client, settings):
    settings.ORGANISATION_JOIN_RATE_LIMITS = parse_rates("2/1h")
    for number in range(2):
        assert client.post("/organisations/rejoindre/", join_data(name=f"Collectif {number}")).status_code == 302

    response = client.post("/organisations/rejoindre/", join_data(name="Collectif de trop"))

    assert response.status_code == 429
    assert "<h1>Trop de demandes</h1>" in response.content.decode()
    assert Organisation.objects.count() == 2


def test_join_page_sets_the_csrf_cookie_and_is_not_cached(client):
    response = client.get("/organisations/rejoindre/")

    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_nothing_is_sent_or_stored_when_the_transaction_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "queue", broken)

    with pytest.raises(RuntimeError):
        client.post("/organisations/rejoindre/", join_data())

    assert Organisation.objects.count() == 0


# --- Confirmation link --------------------------------------------------------


def test_an_unknown_or_tampered_token_explains_what_to_do(client):
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)
    token = services.confirmation_token(organisation)

    for bad in ("n-importe-quoi", token[:-2] + "xx"):
        response = client.get(f"/organisations/rejoindre/confirmer/{bad}/")
        assert response.status_code == 404
        assert "<h1>Ce lien n'est pas reconnu</h1>" in response.content.decode()


def test_a_token_for_an_address_since_changed_is_not_recognised(client):
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)
    token = services.confirmation_token(organisation)
    Organisation.objects.filter(pk=organisation.pk).update(contact_email="autre@example.org")

    assert client.post(f"/organisations/rejoindre/confirmer/{token}/").status_code == 404
    organisation.refresh_from_db()
    assert organisation.contact_confirmed_at is None


def test_an_expired_token_says_so(client):
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)
    token = services.confirmation_token(organisation)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(f"/organisations/rejoindre/confirmer/{token}/")

    assert response.status_code == 410
    assert "Un lien de confirmation vaut 7 jours" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.contact_confirmed_at is None


def test_confirming_twice_notifies_staff_once(client, moderator):
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)
    path = f"/organisations/rejoindre/confirmer/{services.confirmation_token(organisation)}/"

    client.post(path)
    second = client.post(path)

    assert "<h1>Demande transmise</h1>" in second.content.decode()
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [
        f"organisation-request:{organisation.pk}:{moderator.pk}"
    ]


def test_confirming_a_name_taken_meanwhile_explains_it(client):
    make_organisation("Collectif Vigilant")
    late = make_organisation("collectif vigilant", status=Organisation.Status.PENDING)

    response = client.post(f"/organisations/rejoindre/confirmer/{services.confirmation_token(late)}/")

    assert response.status_code == 409
    assert "<h1>Organisation déjà inscrite</h1>" in response.content.decode()
    late.refresh_from_db()
    assert late.contact_confirmed_at is None


# --- Retention ----------------------------------------------------------------


def test_prune_deletes_stale_requests_and_their_logos(media, django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(days=8)
    stale = make_organisation("Jamais confirmée", status=Organisation.Status.PENDING, created_at=old)
    services.set_logo(stale, services_clean_logo())
    stale.save()
    logo_path = media / stale.logo.name
    recent = make_organisation("Récente", status=Organisation.Status.PENDING)
    confirmed = make_organisation(
        "Confirmée", status=Organisation.Status.PENDING, created_at=old, contact_confirmed_at=old
    )
    refused_long_ago = make_organisation(
        "Refusée il y a longtemps", status=Organisation.Status.REFUSED, refused_at=timezone.now() - timedelta(days=91)
    )
    refused_lately = make_organisation("Refusée hier", status=Organisation.Status.REFUSED)
    approved = make_organisation("Approuvée", created_at=old)
    assert logo_path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = services.prune_requests()

    assert deleted == 2
    assert set(Organisation.objects.values_list("pk", flat=True)) == {
        recent.pk,
        confirmed.pk,
        refused_lately.pk,
        approved.pk,
    }
    assert not logo_path.exists()
    assert refused_long_ago.pk not in set(Organisation.objects.values_list("pk", flat=True))


def services_clean_logo():
    from campaign.images import clean_image

    return clean_image(image_bytes(), max_bytes=2 * 1024 * 1024, max_side=400)


def test_prune_runs_daily_in_the_worker(settings):
    assert settings.PERIODIC_TASKS["prune-organisation-requests"] == (
        "organisations.tasks.prune_requests",
        24 * 3600,
    )


def test_password_choice_is_required_before_logging_in(client, moderator):
    """The invitation link is single-use: once the password is chosen, it no longer works."""
    organisation = make_organisation("Collectif", status=Organisation.Status.PENDING)
    services.approve(organisation)
    editor = User.objects.get(email=organisation.contact_email)
    path = services.set_password_url(editor).removeprefix("http://127.0.0.1:8000")
    set_password_path = client.get(path)["Location"]
    client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    again = Client().get(path, follow=True)

    assert "<h1>Lien non valable</h1>" in again.content.decode()
    assert PASSWORD != NEW_PASSWORD


def test_the_privacy_notice_states_the_retention_of_join_requests(client, pages, settings):
    text = " ".join(block_texts(client.get("/confidentialite/").content.decode(), "prose"))

    assert (
        f"Une demande dont l'adresse n'est pas confirmée est effacée au bout de "
        f"{settings.ORGANISATION_CONFIRMATION_DAYS} jours, une demande refusée au bout de "
        f"{settings.ORGANISATION_REFUSED_RETENTION_DAYS} jours."
    ) in text


def test_a_double_click_records_one_request_and_sends_one_email(client):
    data = join_data()

    first = client.post("/organisations/rejoindre/", data)
    second = client.post("/organisations/rejoindre/", data)

    assert (first.status_code, first["Location"]) == (302, "/organisations/rejoindre/envoyee/")
    assert (second.status_code, second["Location"]) == (302, "/organisations/rejoindre/envoyee/")
    [organisation] = Organisation.objects.all()
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == [f"organisation-confirm:{organisation.pk}"]
