from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client

from campaign.initial_content import load_pages, read_content
from campaign.models import Page, PageRevision, User
from tests.campaign.factories import enrol_totp
from tests.campaign.html_text import block_texts


def appeal_blocks_from_content_file():
    """Each paragraph and list item of the shipped appeal, as plain text."""
    _, body = read_content("appel-retrait-lsun.md")
    blocks = []
    for block in body.strip().split("\n\n"):
        if block.startswith("- "):
            blocks.extend(line[2:] for line in block.split("\n"))
        else:
            blocks.append(block.replace("\\\n", "\n"))
    return blocks


def test_content_file_is_the_coalition_text_without_capture_residue():
    title, body = read_content("appel-retrait-lsun.md")

    assert title == "Retrait du Livret Scolaire Unique Numérique"
    assert "Skip to main content" not in body
    assert "- - " not in body and "•" not in body
    assert body.count("\n- ") == 6
    assert body.rstrip().endswith("afin de créer les conditions nécessaires au retrait de ce projet.")
    assert "CNT éducation, SUD éducation, PAS 38, SNUipp 82, AFJK, ICEM, FIMEM, FFPU, LESN, LAP et CNRBE" in body


@pytest.mark.parametrize("path", ["/", "/appel/"])
def test_pages_show_every_paragraph_of_the_appeal(client, pages, path):
    response = client.get(path)

    html = response.content.decode()
    assert '<h1 id="appeal-title">Retrait du Livret Scolaire Unique Numérique</h1>' in html
    assert block_texts(html, "prose") == appeal_blocks_from_content_file()


def test_home_page_shows_the_revision_date(client, pages):
    with time_machine.travel(datetime(2030, 6, 1, 8, 30, tzinfo=UTC), tick=False):
        Page.objects.get(slug=Page.APPEAL).publish(title="Retrait du LSUN", body="Texte.")

    html = client.get("/").content.decode()

    assert 'Mis à jour le <time datetime="2030-06-01T10:30:00+02:00">1 juin 2030</time>' in html


def test_loading_initial_content_twice_creates_nothing_more(db):
    assert load_pages() == [
        Page.APPEAL,
        f"{Page.APPEAL}:en",
        Page.PRIVACY,
        Page.LEGAL,
        Page.LEAD,
        f"{Page.LEAD}:en",
        Page.QUESTIONS,
        f"{Page.QUESTIONS}:en",
    ]

    assert load_pages() == []
    assert PageRevision.objects.count() == 8


def test_shipped_translations_await_review_and_the_french_texts_do_not(pages):
    revisions = PageRevision.objects.order_by("page__slug", "language")

    assert [(r.page.slug, r.language, r.needs_review) for r in revisions] == [
        (Page.APPEAL, "en", True),
        (Page.APPEAL, "fr", False),
        (Page.LEAD, "en", True),
        (Page.LEAD, "fr", False),
        (Page.PRIVACY, "fr", False),
        (Page.LEGAL, "fr", False),
        (Page.QUESTIONS, "en", True),
        (Page.QUESTIONS, "fr", False),
    ]


def test_a_site_that_has_its_texts_gets_the_new_translations_once(db):
    appeal = Page.objects.create(slug=Page.APPEAL, name="Appel")
    edited = appeal.publish(title="Retrait du LSUN", body="Le texte tel que l'équipe l'a modifié.")

    created = load_pages()

    assert f"{Page.APPEAL}:en" in created and Page.APPEAL not in created
    assert appeal.current_revision("fr") == edited
    assert appeal.current_revision("en").title == read_content("appel-retrait-lsun.en.md")[0]


def test_a_revision_a_person_saved_is_never_marked_for_review(pages, staff_client):
    _, staff = staff_client
    page = Page.objects.get(slug=Page.LEAD)

    with pytest.raises(IntegrityError), transaction.atomic():
        page.publish(title="En bref", body="Texte.", author=staff, needs_review=True)


def admin_change_data(page, **fields):
    revisions = list(page.revisions.all())
    data = {
        "name": page.name,
        "slug": page.slug,
        "language": "fr",
        "revisions-TOTAL_FORMS": str(len(revisions)),
        "revisions-INITIAL_FORMS": str(len(revisions)),
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, revision in enumerate(revisions):
        data[f"revisions-{index}-id"] = str(revision.pk)
        data[f"revisions-{index}-page"] = str(page.pk)
    return data


@pytest.fixture
def staff_client(db):
    user = User.objects.create_superuser("equipe@example.org", "correct horse battery staple")
    enrol_totp(user)  # staff cannot reach the admin without a second factor
    client = Client()
    client.force_login(user)
    return client, user


def test_staff_edit_publishes_a_new_revision_and_keeps_the_old_one(client, pages, staff_client):
    admin, staff = staff_client
    page = Page.objects.get(slug=Page.APPEAL)
    first = page.current_revision()
    later = datetime(2031, 3, 14, 10, 0, tzinfo=UTC)

    with time_machine.travel(later, tick=False):
        admin.force_login(staff)  # a session from today would have expired by then
        response = admin.post(
            f"/admin/campaign/page/{page.pk}/change/",
            admin_change_data(page, title="Retrait du LSUN", body="Nouveau texte de l'appel."),
        )

    assert response.status_code == 302
    assert list(page.revisions.filter(language="fr").values_list("title", flat=True)) == [
        "Retrait du LSUN",
        first.title,
    ]
    current = page.current_revision()
    assert (current.body, current.author, current.created_at) == ("Nouveau texte de l'appel.", staff, later)
    html = client.get("/appel/").content.decode()
    assert '<h1 id="appeal-title">Retrait du LSUN</h1>' in html
    assert block_texts(html, "prose") == ["Nouveau texte de l'appel."]
    assert '<time datetime="2031-03-14T11:00:00+01:00">14 mars 2031</time>' in html
    old = admin.get(f"/admin/campaign/pagerevision/{first.pk}/change/").content.decode()
    assert "On assiste actuellement à une accélération" in old


def test_saving_without_change_publishes_nothing(pages, staff_client):
    admin, _ = staff_client
    page = Page.objects.get(slug=Page.LEGAL)
    current = page.current_revision()

    admin.post(
        f"/admin/campaign/page/{page.pk}/change/", admin_change_data(page, title=current.title, body=current.body)
    )

    assert page.revisions.count() == 1


def test_revisions_cannot_be_altered(pages):
    revision = PageRevision.objects.current(Page.APPEAL)
    revision.body = "falsifié"

    with pytest.raises(ValueError):
        revision.save()


def test_placeholder_pages_are_flagged_in_the_admin(pages, staff_client):
    admin, _ = staff_client

    listing = admin.get("/admin/campaign/page/").content.decode()
    legal = Page.objects.get(slug=Page.LEGAL)
    change = admin.get(f"/admin/campaign/page/{legal.pk}/change/").content.decode()

    # The privacy and legal notices and the questions hold placeholders; the
    # appeal and the lead have an English translation nobody has read yet.
    assert listing.count('alt="True"') == 5
    assert "que seul l&#x27;éditeur du site peut remplir" in change


def test_a_shipped_translation_is_flagged_until_staff_save_it(pages, staff_client):
    admin, staff = staff_client
    page = Page.objects.get(slug=Page.APPEAL)
    english = page.current_revision("en")

    warning = admin.get(f"/admin/campaign/page/{page.pk}/change/").content.decode()
    response = admin.post(
        f"/admin/campaign/page/{page.pk}/change/",
        admin_change_data(page, language="en", title=english.title, body=english.body),
    )
    listing = admin.get("/admin/campaign/page/").content.decode()
    after = admin.get(f"/admin/campaign/page/{page.pk}/change/").content.decode()

    assert "La version « English » a été livrée avec le site et personne ne l&#x27;a encore relue" in warning
    assert response.status_code == 302
    reviewed = page.current_revision("en")
    assert (reviewed.body, reviewed.author, reviewed.needs_review) == (english.body.strip(), staff, False)
    assert page.revisions.filter(language="en").count() == 2
    assert listing.count('alt="True"') == 4
    assert "personne ne l&#x27;a encore relue" not in after


@pytest.mark.parametrize(
    ("path", "title"),
    [("/confidentialite/", "Confidentialité et données personnelles"), ("/mentions-legales/", "Mentions légales")],
)
def test_editable_pages(client, pages, path, title):
    html = client.get(path).content.decode()

    assert f'<h1 id="page-title">{title}</h1>' in html
    assert "[À COMPLÉTER" in html


def test_privacy_notice_states_what_is_kept_and_for_how_long(client, pages):
    text = " ".join(block_texts(client.get("/confidentialite/").content.decode(), "prose"))

    assert "une signature non confirmée est effacée au bout de 7 jours" in text
    assert "six mois après la clôture de la pétition" in text
    assert "Aucun cookie n'est déposé quand vous lisez le site." in text


def test_login_page_has_a_french_address_and_the_site_layout(client, db):
    from django.urls import reverse

    response = client.get("/compte/connexion/")

    assert reverse("account_login") == "/compte/connexion/"
    assert client.get("/compte/login/").status_code == 404
    html = response.content.decode()
    assert '<a class="skip-link" href="#contenu">Aller au contenu</a>' in html
    assert '<form class="form" method="post" action="/compte/connexion/" novalidate>' in html


def form_initial(response):
    form = response.context["adminform"].form
    return form["language"].value(), form["title"].value(), form["body"].value()


def test_editing_the_english_version_starts_from_the_english_text(pages, staff_client):
    admin, staff = staff_client
    page = Page.objects.get(slug=Page.APPEAL)
    page.publish(title="Withdraw the LSUN", body="The English text.", author=staff, language="en")
    french = page.current_revision("fr")

    english_form = admin.get(f"/admin/campaign/page/{page.pk}/change/?language=en")
    french_form = admin.get(f"/admin/campaign/page/{page.pk}/change/")

    assert form_initial(english_form) == ("en", "Withdraw the LSUN", "The English text.")
    assert form_initial(french_form) == ("fr", french.title, french.body)
    html = english_form.content.decode()
    assert block_texts(html, "language-versions") == ["Version à modifier : Français · English"]
    assert '<a href="?language=fr">Français</a>' in html
    assert '<strong aria-current="page">English</strong>' in html
    # The language is no longer a menu one could change after the text was loaded.
    assert '<input type="hidden" name="language" value="en"' in html


def test_saving_the_english_version_leaves_the_french_one_alone(pages, staff_client):
    admin, staff = staff_client
    page = Page.objects.get(slug=Page.APPEAL)
    page.publish(title="Withdraw the LSUN", body="The English text.", author=staff, language="en")
    french = page.current_revision("fr")
    form = form_initial(admin.get(f"/admin/campaign/page/{page.pk}/change/?language=en"))

    admin.post(
        f"/admin/campaign/page/{page.pk}/change/?language=en",
        admin_change_data(page, language=form[0], title=form[1], body=form[2] + "\n\nOne more line."),
    )

    english = page.current_revision("en")
    assert (english.title, english.body) == ("Withdraw the LSUN", "The English text.\n\nOne more line.")
    assert page.current_revision("fr") == french


def test_a_missing_translation_starts_from_the_french_text_and_says_so(db, staff_client):
    admin, staff = staff_client
    page = Page.objects.create(name="En bref", slug="en-bref")
    page.publish(title="En bref", body="Le texte français.", author=staff)

    response = admin.get(f"/admin/campaign/page/{page.pk}/change/?language=en")

    assert form_initial(response) == ("en", "En bref", "Le texte français.")
    assert block_texts(response.content.decode(), "language-source") == [
        "Pas encore de version « English » : le texte ci-dessous est la version « Français », "
        "à traduire avant d'enregistrer."
    ]
