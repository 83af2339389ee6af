"""The letters' pages: the form, the letter, its PDF and its mailto link, in French and in English."""

import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from pypdf import PdfReader

from actions.letters import MAILTO_MAX_LENGTH
from campaign.env import parse_rates
from campaign.models import Page
from tests.actions.factories import access_request, make_officer, motion
from tests.campaign.factories import field_errors
from tests.campaign.html_text import block_texts, heading

ACCESS = "/agir/lettre-acces-donnees/"
MOTION = "/agir/motion-conseil-ecole/"
NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def mailto_link(html):
    return unescape(re.search(r'<a class="button button-secondary" href="(mailto:[^"]*)">', html)[1])


def hidden_values(html):
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def test_the_form_page_is_never_stored_and_sets_only_the_csrf_cookie(client, letters):
    response = client.get(ACCESS)
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    assert set(response.cookies) == {"csrftoken"}
    assert heading(html) == "Demander ce qui est enregistré sur votre enfant"
    assert re.findall(r"<legend>([^<]+)</legend>", html) == [
        "Vous",
        "Votre enfant",
        "Le destinataire",
        "À qui écrire ?",
        "Lieu et date",
    ]
    # No anti-robot stamp: nothing is stored or sent, so there is nothing for a robot to spend.
    assert 'name="website_url"' not in html and 'name="shown_at"' not in html


def test_the_form_shows_the_letter_as_a_model_with_its_fields_in_brackets(client, letters):
    html = client.get(ACCESS).content.decode()

    preview = block_texts(html, "letter-preview-text")
    assert preview[:4] == [
        "[votre nom]\n[votre adresse]",
        "[destinataire]\n[adresse du destinataire]",
        "[ville], le [date]",
        "Objet : demande d'accès aux données enregistrées sur mon enfant dans le LSUN et les fichiers qui lui "
        "sont liés",
    ]
    assert '<span class="letter-field" data-field="nom_enfant">[nom de votre enfant]</span>' in html


def test_a_valid_request_is_answered_with_the_letter(client, letters):
    response = client.post(ACCESS, access_request())
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    assert heading(html) == "Votre lettre est prête"
    letter = block_texts(html, "letter")
    assert letter[:6] == [
        "Jeanne Martin\n12 rue des Lilas\n82000 Montauban",
        "À l'attention de la direction de l'école ou de l'établissement\nÉcole Jean Jaurès, Montauban",
        "Montauban, le 1er décembre 2026",
        "Objet : demande d'accès aux données enregistrées sur mon enfant dans le LSUN et les fichiers qui lui "
        "sont liés",
        "Madame, Monsieur,",
        "Je suis parent de Léo Martin, élève en CM1 (établissement : École Jean Jaurès, Montauban).",
    ]
    assert letter[-1] == "Jeanne Martin"


def test_the_letter_page_carries_what_was_typed_for_the_pdf_and_for_changes(client, letters):
    html = client.post(ACCESS, access_request()).content.decode()

    values = hidden_values(html)
    values.pop("csrfmiddlewaretoken")
    assert values == {**access_request(), "adresse_parent": "12 rue des Lilas\r\n82000 Montauban"}
    assert '<button type="submit" name="action" value="pdf">Télécharger en PDF</button>' in html
    assert '<button type="submit" class="button-secondary" name="action" value="edit">Modifier</button>' in html


def test_changing_the_letter_shows_the_form_with_what_was_typed(client, letters):
    html = client.post(ACCESS, access_request(action="edit")).content.decode()

    assert heading(html) == "Demander ce qui est enregistré sur votre enfant"
    assert 'value="Jeanne Martin"' in html
    assert 'id="id_adresse_parent">\n12 rue des Lilas\r\n82000 Montauban</textarea>' in html
    assert 'class="errorlist"' not in html


def test_missing_or_wrong_fields_get_french_messages_and_keep_what_was_typed(client, letters):
    data = access_request(
        nom_parent="",
        adresse_parent="1\n2\n3\n4\n5\n6\n7",
        classe="x" * 41,
        destinataire_type="autre",
        email_destinataire="pas-une-adresse",
        date="2026-13-45",
    )

    response = client.post(ACCESS, data)
    html = response.content.decode()

    assert response.status_code == 200
    assert heading(html) == "Demander ce qui est enregistré sur votre enfant"
    assert field_errors(html, "nom_parent") == ["Ce champ est obligatoire."]
    assert field_errors(html, "adresse_parent") == ["6 lignes au plus (vous en avez saisi 7)."]
    assert field_errors(html, "classe") == ["40 caractères au plus (vous en avez saisi 41)."]
    assert field_errors(html, "destinataire_autre") == ["Indiquez à qui vous écrivez."]
    assert field_errors(html, "adresse_destinataire") == ["Indiquez l&#x27;adresse du destinataire."]
    assert field_errors(html, "email_destinataire") == ["Saisissez une adresse de courriel valide."]
    assert field_errors(html, "date") == ["Saisissez une date valide."]
    assert 'value="École Jean Jaurès, Montauban"' in html
    assert 'value="pas-une-adresse"' in html
    assert "Le formulaire contient 7 erreurs" in html


@pytest.mark.parametrize("day", ["1999-12-31", "2100-01-01"])
def test_a_date_outside_the_century_is_a_typo(client, letters, day):
    html = client.post(ACCESS, access_request(date=day)).content.decode()

    assert field_errors(html, "date") == ["Indiquez une date entre 2000 et 2099."]


def test_a_date_typed_the_french_way_is_understood(client, letters):
    html = client.post(ACCESS, access_request(date="03/02/2027")).content.decode()

    assert block_texts(html, "letter")[2] == "Montauban, le 3 février 2027"


def test_typed_markup_stays_text_in_the_letter(client, letters):
    html = client.post(
        ACCESS, access_request(nom_enfant="<script>alert(1)</script> *Léo* [x](https://exemple.fr)")
    ).content.decode()

    letter_html = re.search(r'<article class="letter".*?</article>', html, re.S)[0]
    assert "<script>" not in letter_html and "<em>" not in letter_html and "<a " not in letter_html
    assert block_texts(html, "letter")[5] == (
        "Je suis parent de <script>alert(1)</script> *Léo* [x](https://exemple.fr), élève en CM1 "
        "(établissement : École Jean Jaurès, Montauban)."
    )


def test_a_letter_to_another_recipient_uses_the_typed_name_and_address(client, letters):
    html = client.post(
        ACCESS,
        access_request(
            destinataire_type="autre",
            destinataire_autre="Service de la vie scolaire, DSDEN 82",
            adresse_destinataire="12 avenue Charles de Gaulle\n82000 Montauban",
            email_destinataire="vie-scolaire@dsden82.example",
        ),
    ).content.decode()

    assert block_texts(html, "letter")[1] == (
        "Service de la vie scolaire, DSDEN 82\n12 avenue Charles de Gaulle\n82000 Montauban"
    )
    link = urlsplit(mailto_link(html))
    assert link.path == "vie-scolaire@dsden82.example"


def test_without_any_academie_in_the_list_the_officer_is_not_offered(client, letters):
    html = client.get(ACCESS).content.decode()

    assert 'value="dpd"' not in html
    assert 'name="dpd"' not in html
    assert "choisissez « À un autre destinataire » et tapez son adresse" in html
    response = client.post(ACCESS, access_request(destinataire_type="dpd"))
    assert field_errors(response.content.decode(), "destinataire_type") == [
        "Sélectionnez un choix valide. dpd n’en fait pas partie."
    ]


def test_a_letter_to_an_academies_officer_takes_the_address_staff_entered(client, letters):
    officer = make_officer(
        "Toulouse",
        designation="Délégué à la protection des données, Rectorat de l'académie de Toulouse",
        address="CS 87703\n31077 Toulouse Cedex 4",
        email="dpd@ac-toulouse.example",
    )
    make_officer("Bordeaux")

    form = client.get(ACCESS).content.decode()
    html = client.post(ACCESS, access_request(destinataire_type="dpd", dpd=str(officer.pk))).content.decode()

    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', form) == [
        ("", "Choisissez l&#x27;académie"),
        (str(officer.pk - 0 + 1), "Bordeaux"),
        (str(officer.pk), "Toulouse"),
    ]
    assert 'data-address="CS 87703\n31077 Toulouse Cedex 4"' in form
    assert block_texts(html, "letter")[1] == (
        "Délégué à la protection des données, Rectorat de l'académie de Toulouse\nCS 87703\n31077 Toulouse Cedex 4"
    )
    assert urlsplit(mailto_link(html)).path == "dpd@ac-toulouse.example"


def test_choosing_the_officer_without_an_academie_is_refused_beside_the_list(client, letters):
    make_officer("Toulouse")

    html = client.post(ACCESS, access_request(destinataire_type="dpd")).content.decode()

    assert field_errors(html, "dpd") == ["Choisissez l&#x27;académie."]


def test_a_long_letter_opens_the_mail_program_with_the_subject_and_shows_the_text_to_copy(client, letters):
    html = client.post(ACCESS, access_request(email_destinataire="direction@ecole.example")).content.decode()

    link = mailto_link(html)
    assert link == (
        "mailto:direction@ecole.example?subject=demande%20d%27acc%C3%A8s%20aux%20donn%C3%A9es%20enregistr%C3%A9es"
        "%20sur%20mon%20enfant%20dans%20le%20LSUN%20et%20les%20fichiers%20qui%20lui%20sont%20li%C3%A9s"
    )
    assert "La lettre est trop longue pour être transmise entière à votre messagerie par un lien" in html
    body = unescape(re.search(r'<textarea id="email-body"[^>]*>(.*?)</textarea>', html, re.S)[1])
    assert body.startswith("Jeanne Martin\n12 rue des Lilas\n82000 Montauban\n\nÀ l'attention de la direction")
    assert "Objet" not in body
    assert body.endswith("salutations distinguées.\n\nJeanne Martin\n")


def test_a_short_letter_travels_whole_in_the_mailto_link(client, letters):
    Page.objects.get(slug="motion-conseil-ecole").publish(
        title="Motion", body="Champs : ecole\n\nObjet : motion\n\nLe conseil de {{ ecole }} demande le retrait du LSUN."
    )

    html = client.post(MOTION, motion(email_destinataire="direction@college.example")).content.decode()

    link = urlsplit(mailto_link(html))
    assert len(mailto_link(html)) <= MAILTO_MAX_LENGTH
    assert link.path == "direction@college.example"
    assert parse_qs(link.query) == {
        "subject": ["motion"],
        "body": ["Le conseil de Collège Olympe de Gouges, Montauban demande le retrait du LSUN.\r\n"],
    }
    assert "prépare un message avec ce texte" in html


def test_the_pdf_is_the_letter(client, letters):
    response = client.post(ACCESS, access_request(action="pdf"))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="lettre-acces-donnees.pdf"'
    assert response["Cache-Control"] == NO_STORE
    lines = pdf_text(response.content).splitlines()
    assert lines[:6] == [
        "Jeanne Martin",
        "12 rue des Lilas",
        "82000 Montauban",
        "À l'attention de la direction de l'école ou de l'établissement",
        "École Jean Jaurès, Montauban",
        "Montauban, le 1er décembre 2026",
    ]
    assert "Je suis parent de Léo Martin, élève en CM1 (établissement : École Jean Jaurès, Montauban)." in lines


def test_an_invalid_pdf_request_shows_the_form_with_its_errors(client, letters):
    response = client.post(ACCESS, access_request(action="pdf", lieu=""))

    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert field_errors(response.content.decode(), "lieu") == ["Ce champ est obligatoire."]


def test_pdfs_are_limited_per_client_but_the_letter_stays_on_the_page(client, letters, settings):
    settings.LETTER_PDF_RATE_LIMITS = parse_rates("1/1h")
    assert client.post(ACCESS, access_request(action="pdf"))["Content-Type"] == "application/pdf"

    response = client.post(ACCESS, access_request(action="pdf"))
    html = response.content.decode()

    assert response.status_code == 429
    assert "Trop de PDF demandés depuis votre connexion" in html
    assert block_texts(html, "letter")[0] == "Jeanne Martin\n12 rue des Lilas\n82000 Montauban"
    assert client.post(ACCESS, access_request()).status_code == 200  # the page itself is never limited


def test_the_motion(client, letters):
    response = client.post(MOTION, motion())
    html = response.content.decode()

    assert block_texts(html, "letter")[:2] == [
        "Motion présentée au conseil d'administration du 14 janvier 2027\n"
        "Établissement : Collège Olympe de Gouges, Montauban\n"
        "Par les représentant·e·s des parents d'élèves : Jeanne Martin, Karim Benali",
        "Vu [À COMPLÉTER : relecture juridique — textes fixant les attributions du conseil d'école et du "
        "conseil d'administration] ;",
    ]
    assert "Le conseil d'administration :" in block_texts(html, "letter")
    pdf = client.post(MOTION, motion(action="pdf", type_conseil="ecole")).content
    assert "Motion présentée au conseil d'école du 14 janvier 2027" in pdf_text(pdf)


def test_a_letter_awaiting_legal_review_says_so(client, letters):
    html = client.post(MOTION, motion()).content.decode()

    assert block_texts(html, "notice") == [
        "Un passage entre crochets « [À COMPLÉTER … ] » attend encore la relecture d'un ou d'une juriste : "
        "retirez-le ou complétez-le avant d'envoyer la lettre."
    ]


def test_english_pages_write_the_letter_in_english_or_in_french(client, letters):
    form = client.get("/en/act/lettre-acces-donnees/").content.decode()
    english = client.post("/en/act/lettre-acces-donnees/", access_request(langue="en")).content.decode()
    french = client.post("/en/act/lettre-acces-donnees/", access_request(langue="fr")).content.decode()
    english_pdf = client.post("/en/act/lettre-acces-donnees/", access_request(langue="en", action="pdf")).content

    assert heading(form) == "Ask what is recorded about your child"
    assert re.findall(r'data-letter-preview="(\w+)"', form) == ["en", "fr"]
    assert 'value="en" required id="id_langue_0" checked' in form
    assert heading(english) == "Your letter is ready"
    assert block_texts(english, "letter")[1:3] == [
        "For the attention of the head of the school\nÉcole Jean Jaurès, Montauban",
        "Montauban, 1 December 2026",
    ]
    assert '<article class="letter" lang="en"' in english
    assert block_texts(french, "letter")[1:3] == [
        "À l'attention de la direction de l'école ou de l'établissement\nÉcole Jean Jaurès, Montauban",
        "Montauban, le 1er décembre 2026",
    ]
    assert '<article class="letter" lang="fr"' in french
    assert "Subject: request for access to the data recorded about my child" in pdf_text(english_pdf)


def test_french_pages_write_french_letters_only(client, letters):
    html = client.get(ACCESS).content.decode()

    assert 'name="langue"' not in html
    assert re.findall(r'data-letter-preview="(\w+)"', html) == ["fr"]


def test_an_unknown_letter_is_not_found(client, letters):
    assert client.get("/agir/lettre-au-pere-noel/").status_code == 404


def test_a_date_the_calendar_could_not_hold_comes_back_as_typed_in_a_text_box(client, letters):
    html = client.post(ACCESS, access_request(date="31/02/2026")).content.decode()

    assert '<input type="text" name="date" value="31/02/2026" required aria-invalid="true"' in html
    today = timezone.localdate().isoformat()
    assert (
        f'<input type="date" name="date" value="{today}" required id="id_date">' in client.get(ACCESS).content.decode()
    )
