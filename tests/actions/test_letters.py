"""Letter templates: reading the ``Champs`` line, filling without interpreting, mailto links."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from actions import letters
from actions.forms import AccessRequestForm
from campaign.initial_content import read_content


@pytest.fixture(autouse=True)
def french():
    """Messages for staff are French, whatever page a test before this one showed in English."""
    with translation.override("fr"):
        yield


TEMPLATE = "Champs : nom, adresse\n\n{{ nom }}\\\n{{adresse}}\n\nObjet : une demande\n\nBonjour {{ nom }}."


def test_a_template_names_its_fields_on_its_first_line():
    template = letters.parse("Lettre", TEMPLATE)

    assert template.fields == ("nom", "adresse")
    assert template.text.startswith("{{ nom }}\\\n{{adresse}}")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Bonjour {{ nom }}.", "La première ligne du texte doit nommer les champs"),
        ("Champs : nom\n\nBonjour {{ nom }} de {{ ville }}.", "absents de la ligne « Champs » : {{ ville }}"),
        ("Champs : Nom\n\nBonjour.", "Nom de champ incorrect : Nom"),
        ("Champs : nom\n\n", "Le texte de la lettre est vide."),
    ],
)
def test_a_template_breaking_a_rule_says_which(body, message):
    with pytest.raises(letters.TemplateError) as error:
        letters.parse("Lettre", body)

    assert message in str(error.value)


def test_the_shipped_templates_follow_the_rules_and_name_the_same_fields_in_both_languages():
    for name in ("lettre-acces-donnees", "motion-conseil-ecole"):
        french = letters.parse(*read_content(f"{name}.md"))
        english = letters.parse(*read_content(f"{name}.en.md"))

        assert french.fields == english.fields
        assert set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", french.text)) == set(french.fields)


def test_the_admin_check_refuses_a_field_the_form_does_not_fill():
    check = letters.check_template(AccessRequestForm.TEMPLATE_FIELDS)
    check("Lettre", "Champs : nom_parent\n\n{{ nom_parent }}")

    with pytest.raises(ValidationError) as error:
        check("Lettre", "Champs : nom_parent, numero_secu\n\n{{ numero_secu }}")

    assert error.value.messages == [
        "Le formulaire ne remplit pas ces champs : numero_secu. Champs possibles : adresse_destinataire, "
        "adresse_parent, classe, date, destinataire, ecole, lieu, nom_enfant, nom_parent."
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "<b>gras</b> & <script>alert(1)</script>",
        "*important* _souligné_ **gras** `code`",
        "# Titre",
        "1. premier",
        "- tiret",
        "> citation",
        "[un lien](https://exemple.fr) <https://exemple.fr>",
        "![image](/media/x.png)",
        "&amp; &#60; \\ fin\\",
        "{{ nom }} {% now 'Y' %}",
        "| a | b |",
        "---",
    ],
)
def test_typed_values_stay_literal_text_in_the_letter(typed):
    template = letters.parse("Lettre", TEMPLATE)

    html = letters.render_html(template, {"nom": typed, "adresse": "1 rue des Écoles\n82000 Montauban"})

    from tests.campaign.html_text import block_texts

    blocks = block_texts(f'<div class="x">{html}</div>', "x")
    assert blocks[0] == f"{' '.join(typed.split())}\n1 rue des Écoles\n82000 Montauban"
    assert blocks[-1] == f"Bonjour {' '.join(typed.split())}."
    assert "<b>" not in html and "<script" not in html and "<h" not in html and "<a " not in html


def test_a_multi_line_value_keeps_its_lines_as_line_breaks():
    template = letters.parse("Lettre", TEMPLATE)

    html = letters.render_html(template, {"nom": "Jeanne", "adresse": "Bât. A\n1 rue des Écoles\n82000 Montauban"})

    assert html.startswith("<p>Jeanne<br>\nBât. A<br>\n1 rue des Écoles<br>\n82000 Montauban</p>")


def test_the_text_for_an_email_takes_its_subject_from_the_objet_line():
    template = letters.parse("Lettre", TEMPLATE)

    subject, body = letters.render_text(template, {"nom": "Jeanne *Martin*", "adresse": "1 rue\\\n82000"})

    assert subject == "une demande"
    assert body == "Jeanne *Martin*\n1 rue\\\n82000\n\nBonjour Jeanne *Martin*.\n"


def test_without_an_objet_line_the_title_is_the_subject():
    template = letters.parse("Motion", "Champs : ecole\n\nMotion pour {{ ecole }}.")

    assert letters.render_text(template, {"ecole": "École Jean Jaurès"}) == (
        "Motion",
        "Motion pour École Jean Jaurès.\n",
    )


def test_the_preview_marks_each_field_for_the_script():
    template = letters.parse("Lettre", TEMPLATE)

    html = letters.render_preview(template, {"nom": "votre nom", "adresse": "votre <adresse>"})

    assert html == (
        '<p><span class="letter-field" data-field="nom">[votre nom]</span><br>\n'
        '<span class="letter-field" data-field="adresse">[votre &lt;adresse&gt;]</span></p>\n'
        "<p>Objet : une demande</p>\n"
        '<p>Bonjour <span class="letter-field" data-field="nom">[votre nom]</span>.</p>'
    )


def test_a_short_letter_travels_whole_in_its_mailto_link():
    link = letters.mailto("direction@ecole.example", "Demande d'accès", "Madame,\nMonsieur,\n\nMerci & à bientôt ?")

    parts = urlsplit(link.url)
    assert link.complete
    assert (parts.scheme, unquote(parts.path)) == ("mailto", "direction@ecole.example")
    assert parse_qs(parts.query) == {
        "subject": ["Demande d'accès"],
        "body": ["Madame,\r\nMonsieur,\r\n\r\nMerci & à bientôt ?"],
    }


def test_a_letter_too_long_for_mail_programs_leaves_the_body_out():
    body = "é" * 400  # 2,400 characters once encoded

    link = letters.mailto("dpd@ac-exemple.fr", "Demande", body)

    assert not link.complete
    assert link.url == "mailto:dpd@ac-exemple.fr?subject=Demande"
    assert len(letters.mailto("", "Demande", "e" * 1900).url) <= letters.MAILTO_MAX_LENGTH


def test_a_mailto_link_without_recipient_lets_the_parent_choose_one():
    link = letters.mailto("", "Motion", "Texte")

    assert link.url == "mailto:?subject=Motion&body=Texte"
