import io
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from news.models import Post
from tests.campaign.factories import make_user
from tests.campaign.html_text import block_texts, heading
from tests.news.factories import make_post
from tests.organisations.factories import make_editor, make_organisation

NOW = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sud(db):
    return make_organisation("SUD éducation", slug="sud-education")


@pytest.fixture
def cnt(db):
    return make_organisation("CNT éducation", slug="cnt-education")


def logged_in(user):
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def editor(sud):
    return logged_in(make_editor(sud, "redaction@sud.example", second_factor=True))


@pytest.fixture
def staff(db):
    return logged_in(make_user("equipe@example.org", staff=True, second_factor=True))


def form_data(**fields):
    data = {"title": "", "summary": "", "body": "", "image_alt": "", "organisation": "", "publication": "draft"}
    data.update(fields)
    return data


def image_file(size=(3000, 2000), fmt="PNG", name="photo.png"):
    output = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(output, format=fmt)
    return SimpleUploadedFile(name, output.getvalue())


def errors(html):
    return block_texts(html, "error-summary")[1:]


# ---------------------------------------------------------------------------
# Who may write
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/espace/actualites/", "/espace/actualites/nouvelle/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next={path}"


def test_a_user_who_is_neither_staff_nor_editor_is_refused(db):
    client = logged_in(make_user("personne@example.org", second_factor=True))

    response = client.get("/espace/actualites/nouvelle/")

    assert response.status_code == 403
    assert (
        "<p>Cet espace est réservé à l'équipe de la campagne et aux rédacteurs et rédactrices "
        "des organisations signataires.</p>" in response.content.decode()
    )


def test_editor_cannot_edit_or_unpublish_another_organisations_post(editor, cnt):
    theirs = make_post("Communiqué de la CNT", organisation=cnt)

    page = editor.get(f"/espace/actualites/{theirs.pk}/")
    edit = editor.post(f"/espace/actualites/{theirs.pk}/", form_data(title="Piraté", publication="now"))
    unpublish = editor.post(f"/espace/actualites/{theirs.pk}/depublier/")

    assert (page.status_code, edit.status_code, unpublish.status_code) == (404, 404, 404)
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Communiqué de la CNT", Post.Status.PUBLISHED)


def test_editor_cannot_publish_in_the_name_of_another_organisation(editor, cnt):
    response = editor.post(
        "/espace/actualites/nouvelle/", form_data(title="Usurpation", summary="Non.", organisation=cnt.pk)
    )

    assert Post.objects.count() == 0
    assert errors(response.content.decode()) == [
        "Publiée au nom de : Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]


def test_editor_cannot_write_for_the_coalition(editor):
    response = editor.post("/espace/actualites/nouvelle/", form_data(title="Au nom de tous", organisation=""))

    assert Post.objects.count() == 0
    assert errors(response.content.decode()) == ["Publiée au nom de : Ce champ est obligatoire."]


def test_editor_lists_only_their_organisations_posts(editor, sud, cnt):
    make_post("Notre communiqué", organisation=sud)
    make_post("Leur communiqué", organisation=cnt)
    make_post("Communiqué commun")

    html = editor.get("/espace/actualites/").content.decode()

    assert "Notre communiqué" in html
    assert "Leur communiqué" not in html and "Communiqué commun" not in html


def test_staff_write_for_the_coalition_and_edit_any_post(staff, cnt):
    theirs = make_post("Communiqué de la CNT", organisation=cnt)

    created = staff.post(
        "/espace/actualites/nouvelle/", form_data(title="Appel commun", summary="Tous ensemble.", publication="now")
    )
    edited = staff.post(
        f"/espace/actualites/{theirs.pk}/",
        form_data(title="Communiqué de la CNT (corrigé)", summary="Corrigé.", organisation=cnt.pk, publication="now"),
    )

    common = Post.objects.get(title="Appel commun")
    assert (common.organisation, common.status) == (None, Post.Status.PUBLISHED)
    assert created["Location"] == f"/espace/actualites/{common.pk}/"
    assert edited.status_code == 302
    theirs.refresh_from_db()
    assert theirs.title == "Communiqué de la CNT (corrigé)"


# ---------------------------------------------------------------------------
# Drafts, publication, scheduling
# ---------------------------------------------------------------------------


def test_editor_saves_a_draft(editor, sud):
    response = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Réunion à Montauban", summary="Mardi soir.", body="Salle *Olympe*.", organisation=sud.pk),
        follow=True,
    )

    post = Post.objects.get()
    assert (post.title, post.slug, post.status, post.published_at) == (
        "Réunion à Montauban",
        "reunion-a-montauban",
        Post.Status.DRAFT,
        None,
    )
    assert (post.organisation, post.author.email, post.body_html) == (
        sud,
        "redaction@sud.example",
        "<p>Salle <em>Olympe</em>.</p>",
    )
    assert block_texts(response.content.decode(), "messages") == [
        "Le brouillon est enregistré ; il n'est pas visible du public."
    ]
    hidden = Client().get("/actualites/reunion-a-montauban/")
    assert (hidden.status_code, heading(hidden.content.decode())) == (404, "Page introuvable")


def test_editor_publishes_now(editor, sud):
    with time_machine.travel(NOW, tick=False):
        editor.force_login(editor.user)  # a session from today would have expired by then
        editor.post(
            "/espace/actualites/nouvelle/",
            form_data(title="Le ministère répond", summary="Enfin.", organisation=sud.pk, publication="now"),
        )

    post = Post.objects.get()
    assert (post.status, post.published_at) == (Post.Status.PUBLISHED, NOW)
    with time_machine.travel(NOW, tick=False):
        assert "Le ministère répond" in Client().get("/actualites/").content.decode()


def test_editor_schedules_a_post(editor, sud):
    with time_machine.travel(NOW, tick=False):
        editor.force_login(editor.user)
        response = editor.post(
            "/espace/actualites/nouvelle/",
            form_data(
                title="Rassemblement",
                summary="Devant le rectorat.",
                organisation=sud.pk,
                publication="schedule",
                scheduled_at="2030-03-12T08:30",
            ),
            follow=True,
        )

    post = Post.objects.get()
    assert (post.status, post.published_at) == (Post.Status.PUBLISHED, datetime(2030, 3, 12, 7, 30, tzinfo=UTC))
    assert block_texts(response.content.decode(), "messages") == [
        "L'actualité est programmée : elle paraîtra le 12 mars 2030 08:30."
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "", "publication": "now"}, ["Titre : Donnez un titre à l'actualité avant de la publier."]),
        (
            {"summary": "", "publication": "now"},
            ["Résumé : Écrivez un résumé avant de publier : il apparaît dans la liste et les flux."],
        ),
        (
            {"publication": "schedule", "scheduled_at": ""},
            ["Date et heure de publication programmée : Indiquez la date et l'heure de publication."],
        ),
        (
            {"publication": "schedule", "scheduled_at": "2030-03-09T08:00"},
            [
                "Date et heure de publication programmée : Cette date est passée : "
                "choisissez une date à venir, ou « Publier maintenant »."
            ],
        ),
        (
            {"publication": "schedule", "scheduled_at": "demain matin"},
            ["Date et heure de publication programmée : Saisissez une date et une heure valides."],
        ),
        (
            {"publication": "tout de suite"},
            ["Publication : Sélectionnez un choix valide. tout de suite n’en fait pas partie."],
        ),
        (
            {"title": "x" * 201},
            ["Titre : 200 caractères au plus (vous en avez saisi 201)."],
        ),
        (
            {"scheduled_at": "2" * 100_000, "publication": "schedule"},
            ["Date et heure de publication programmée : 1000 caractères au plus (vous en avez saisi 100000)."],
        ),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_kept(editor, sud, fields, expected):
    data = form_data(title="Un titre", summary="Un résumé.", body="Mon texte **précieux**.", organisation=sud.pk)
    data.update(fields)

    with time_machine.travel(NOW, tick=False):
        editor.force_login(editor.user)
        response = editor.post("/espace/actualites/nouvelle/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert Post.objects.count() == 0
    assert errors(html) == expected
    assert "Mon texte **précieux**.</textarea>" in html


def test_a_text_over_the_bound_is_refused_at_once_and_kept(editor, sud):
    body = "[" * 50_001
    data = form_data(title="Un titre", summary="Un résumé.", body=body, organisation=sud.pk)
    editor.force_login(editor.user)

    start = time.perf_counter()
    response = editor.post("/espace/actualites/nouvelle/", {**data, "action": "preview"})

    assert time.perf_counter() - start < 1
    html = response.content.decode()
    assert errors(html) == ["Texte : 50000 caractères au plus (vous en avez saisi 50001)."]
    assert f"{body}</textarea>" in html
    assert Post.objects.count() == 0


def test_editing_a_published_post_keeps_its_date_and_address(editor, sud):
    post = make_post("Première version", organisation=sud, minutes_ago=3 * 24 * 60)
    published_at = post.published_at

    with time_machine.travel(NOW + timedelta(days=400), tick=False):
        editor.force_login(editor.user)
        editor.post(
            f"/espace/actualites/{post.pk}/",
            form_data(title="Version corrigée", summary="Corrigé.", organisation=sud.pk, publication="now"),
        )

    post.refresh_from_db()
    assert (post.title, post.slug, post.published_at) == ("Version corrigée", "premiere-version", published_at)
    assert post.updated_at == NOW + timedelta(days=400)


def test_a_draft_follows_its_title_until_published(editor, sud):
    editor.post("/espace/actualites/nouvelle/", form_data(title="Titre provisoire", organisation=sud.pk))
    post = Post.objects.get()

    editor.post(
        f"/espace/actualites/{post.pk}/",
        form_data(title="Titre définitif", summary="Résumé.", organisation=sud.pk, publication="now"),
    )

    post.refresh_from_db()
    assert post.slug == "titre-definitif"


def test_unpublish_and_republish_keep_the_address(editor, sud):
    post = make_post("Communiqué", organisation=sud)

    response = editor.post(f"/espace/actualites/{post.pk}/depublier/", follow=True)

    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert Client().get("/actualites/communique/").status_code == 404
    assert block_texts(response.content.decode(), "messages") == [
        "L'actualité est dépubliée : elle n'est plus visible du public."
    ]
    editor.post(
        f"/espace/actualites/{post.pk}/",
        form_data(title="Communiqué (mis à jour)", summary="Résumé.", organisation=sud.pk, publication="now"),
    )
    public = Client().get("/actualites/communique/")
    assert (public.status_code, heading(public.content.decode())) == (200, "Communiqué (mis à jour)")


def test_unpublish_is_a_post_only(editor, sud):
    post = make_post("Communiqué", organisation=sud)

    assert editor.get(f"/espace/actualites/{post.pk}/depublier/").status_code == 405
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_database_refuses_a_published_post_without_title(db):
    from django.db import IntegrityError

    post = make_post("Temporaire")
    with pytest.raises(IntegrityError, match="campaign_post_published_has_title"):
        Post.objects.filter(pk=post.pk).update(title="")


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------


def test_preview_shows_the_rendered_text_and_saves_nothing(editor, sud):
    response = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(
            title="",
            summary="",
            body="## Intertitre\n\nUn **texte** <script>alert(1)</script>",
            organisation=sud.pk,
            publication="now",
            action="preview",
        ),
    )

    html = response.content.decode()
    assert Post.objects.count() == 0
    assert block_texts(html, "preview") == [
        "Aperçu (pas encore enregistré)",
        "(sans titre)",
        "Intertitre",
        "Un texte <script>alert(1)</script>",
    ]
    assert "<script>alert(1)" not in html
    assert "error-summary" not in html  # a preview does not require a title yet


# ---------------------------------------------------------------------------
# Cover image
# ---------------------------------------------------------------------------


def test_image_is_resized_stored_and_shown_with_its_description(editor, sud, media):
    editor.post(
        "/espace/actualites/nouvelle/",
        form_data(
            title="Manifestation",
            summary="Photo.",
            organisation=sud.pk,
            publication="now",
            image_alt="Des parents devant l'école",
            image=image_file((3000, 2000)),
        ),
    )

    post = Post.objects.get()
    assert (post.image_width, post.image_height, post.image_alt) == (1600, 1067, "Des parents devant l'école")
    with Image.open(media / post.image.name) as stored:
        assert stored.size == (1600, 1067)
    html = Client().get(post.get_absolute_url()).content.decode()
    assert (
        f'<img src="/media/{post.image.name}" alt="Des parents devant l&#x27;école" width="1600" height="1067">' in html
    )


def test_image_without_description_is_refused_but_kept_for_the_next_submission(editor, sud, media):
    first = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Manifestation", summary="Photo.", organisation=sud.pk, image=image_file((800, 600))),
    )
    token = first.context["form"].data["pending_image"]

    second = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(
            title="Manifestation", summary="Photo.", organisation=sud.pk, image_alt="Une banderole", pending_image=token
        ),
    )

    assert errors(first.content.decode()) == [
        "Description de l'image : Décrivez l'image pour les personnes qui ne la voient pas."
    ]
    assert "Image choisie, gardée pour l'enregistrement." in first.content.decode()
    assert second.status_code == 302
    post = Post.objects.get()
    assert (post.image_width, post.image_height, post.image_alt) == (800, 600, "Une banderole")
    assert (media / post.image.name).exists()


def test_forged_image_reference_is_ignored(editor, sud):
    editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Essai", organisation=sud.pk, image_alt="x", pending_image="posts/../../etc/passwd"),
    )

    assert Post.objects.get().image.name == ""


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("photo.png", b"ceci n'est pas une image"),
            "Ce fichier n'est pas une image PNG, JPEG ou WebP lisible.",
        ),
        (
            SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
            "Les images SVG ne sont pas acceptées : envoyez un PNG, un JPEG ou un WebP.",
        ),
        (
            SimpleUploadedFile("enorme.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024)),
            "L'image pèse plus de 2 Mo. Envoyez une image plus légère.",
        ),
    ],
)
def test_bad_images_are_refused_with_a_clear_message(editor, sud, upload, message):
    response = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Essai", summary="Résumé.", organisation=sud.pk, image_alt="x", image=upload),
    )

    assert Post.objects.count() == 0
    assert errors(response.content.decode()) == [f"Image d'illustration (facultative) : {message}"]


def test_image_can_be_removed(editor, sud):
    editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Avec image", summary="R.", organisation=sud.pk, image_alt="Une image", image=image_file()),
    )
    post = Post.objects.get()

    editor.post(
        f"/espace/actualites/{post.pk}/",
        form_data(title="Avec image", summary="R.", organisation=sud.pk, image_alt="Une image", remove_image="on"),
    )

    post.refresh_from_db()
    assert (post.image.name, post.image_alt, post.image_width) == ("", "", None)


def test_unused_images_are_pruned_after_a_day(editor, sud, media):
    from news.services import prune_images

    editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="Gardée", summary="R.", organisation=sud.pk, image_alt="Une image", image=image_file()),
    )
    editor.post("/espace/actualites/nouvelle/", form_data(title="Abandonnée", image=image_file()))
    kept = Post.objects.get().image.name

    assert prune_images(now=timezone.now()) == 0
    assert prune_images(now=timezone.now() + timedelta(days=2)) == 1
    assert sorted(path.name for path in (media / "posts").iterdir()) == [kept.removeprefix("posts/")]


# ---------------------------------------------------------------------------
# Never a 500
# ---------------------------------------------------------------------------

any_text = st.text(max_size=300)


@given(
    title=any_text,
    summary=any_text,
    body=any_text,
    image_alt=any_text,
    publication=st.sampled_from(["draft", "now", "schedule", "", "autre"]) | any_text,
    scheduled_at=st.sampled_from(["", "2099-01-01T10:00", "2000-01-01T10:00", "31/02/2030"]) | any_text,
    action=st.sampled_from(["save", "preview", ""]),
)
@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_input_on_the_editing_page_gives_a_page_never_an_error(
    editor, sud, title, summary, body, image_alt, publication, scheduled_at, action
):
    data = form_data(
        title=title,
        summary=summary,
        body=body,
        image_alt=image_alt,
        organisation=sud.pk,
        publication=publication,
        scheduled_at=scheduled_at,
        action=action,
    )

    response = editor.post("/espace/actualites/nouvelle/", data)

    assert response.status_code in (200, 302)
    for post in Post.objects.filter(status=Post.Status.PUBLISHED):
        assert post.title and post.summary


def test_a_title_made_only_of_invisible_marks_cannot_be_published(editor, sud):
    response = editor.post(
        "/espace/actualites/nouvelle/",
        form_data(title="\ue000\ue001", summary="Résumé.", organisation=sud.pk, publication="now"),
    )

    assert Post.objects.count() == 0
    assert errors(response.content.decode()) == ["Titre : Donnez un titre à l'actualité avant de la publier."]


# Whatever the number of posts: the session and account checks, the count, then one page
# with its organisations and mailings joined.
QUERIES = 7


def test_the_list_says_which_posts_went_to_signers_in_a_fixed_number_of_queries(editor, sud, django_assert_num_queries):
    from news.models import PostMailing

    sent = make_post("Envoyée", organisation=sud)
    make_post("Pas envoyée", organisation=sud)
    PostMailing.objects.create(post=sent, requested_at=datetime(2026, 3, 9, 16, 45, tzinfo=UTC))

    with django_assert_num_queries(QUERIES):
        html = editor.get("/espace/actualites/").content.decode()
    for number in range(5):
        make_post(f"Autre {number}", organisation=sud)
    with django_assert_num_queries(QUERIES):
        editor.get("/espace/actualites/")

    texts = block_texts(html, "manage-table")
    assert texts[4] == "Envoyée aux signataires"
    assert [texts[5], texts[9], texts[10], texts[14]] == ["Pas envoyée", "Non", "Envoyée", "9 mars 2026 17:45"]
