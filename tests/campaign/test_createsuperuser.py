"""The first staff account: `make staff` asks in French, with the settings `make run` uses, and creates it."""

import io
import subprocess

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command

from campaign.models import User
from tests.campaign.factories import PASSWORD, make_user
from tests.conftest import command_env

pytestmark = pytest.mark.django_db

INTRO = "Création d'un compte de l'équipe de la campagne, avec tous les droits. Ctrl-C pour abandonner.\n"
NEXT_STEPS = (
    "Compte créé pour chef@example.org.\n"
    "Étapes suivantes :\n"
    "  1. Ouvrez http://127.0.0.1:8000/admin/ et connectez-vous avec cette adresse et ce mot de passe.\n"
    "  2. Confirmez votre adresse avec le lien reçu par e-mail.\n"
    "  3. Activez la double authentification : l'administration s'ouvre ensuite.\n"
)
# With `make run`'s mailer (the suite's in-process tests have Django's test mailer instead).
WHERE_EMAILS_ARE = "En développement, « make run » fait tourner le site et écrit les e-mails dans var/mail/.\n"


def run(*answers, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "createsuperuser",
        stdin=io.StringIO("".join(f"{answer}\n" for answer in answers)),
        stdout=stdout,
        stderr=stderr,
        **options,
    )
    return stdout.getvalue(), stderr.getvalue()


def test_it_asks_in_french_and_creates_a_staff_account_that_still_confirms_and_enrols():
    stdout, stderr = run("chef@example.org", PASSWORD, PASSWORD)

    assert stdout == (INTRO + "Adresse e-mail : \nMot de passe : \nMot de passe (à nouveau) : \n" + NEXT_STEPS)
    assert stderr == ""
    user = User.objects.get()
    assert (user.email, user.is_staff, user.is_superuser, user.is_active) == ("chef@example.org", True, True, True)
    assert user.check_password(PASSWORD)
    # Nothing confirmed or enrolled in advance: the first login asks for both.
    assert not EmailAddress.objects.filter(verified=True).exists()
    assert list(user.authenticator_set.all()) == []


def test_mistakes_are_explained_in_french_and_asked_again():
    make_user("pris@example.org")

    stdout, stderr = run(
        "pas une adresse",
        "PRIS@example.org",
        "chef@example.org",
        PASSWORD,
        "autre chose",
        "court",
        "court",
        "",
        "",
        PASSWORD,
        PASSWORD,
    )

    assert stderr == (
        "Saisissez une adresse de courriel valide.\n"
        "Un compte existe déjà avec cette adresse : connectez-vous, ou choisissez « Mot de passe oublié » sur la page "
        "de connexion.\n"
        "Les deux mots de passe ne correspondent pas. Recommencez.\n"
        "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères.\n"
        "Le mot de passe ne peut pas être vide.\n"
    )
    assert stdout.endswith(NEXT_STEPS)
    assert User.objects.get(email="chef@example.org").check_password(PASSWORD)


def test_input_that_stops_creates_nothing():
    with pytest.raises(CommandError) as stopped:
        run("chef@example.org", PASSWORD)

    assert str(stopped.value) == "Saisie interrompue : aucun compte créé."

    assert not User.objects.filter(email="chef@example.org").exists()


def test_without_questions_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "chef@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "court")
    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", interactive=False, stdout=io.StringIO())
    assert str(refused.value) == "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", interactive=False, stdout=io.StringIO())

    assert User.objects.get(email="chef@example.org").is_superuser


def test_make_staff_runs_as_the_readme_says(transactional_db):
    """On the embedded database as `make run` leaves it: no DEBUG or SECRET_KEY to set by hand."""
    result = subprocess.run(
        ["make", "--no-print-directory", "staff"],
        input=f"chef@example.org\n{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=command_env(),
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        INTRO + "Adresse e-mail : \nMot de passe : \nMot de passe (à nouveau) : \n" + NEXT_STEPS + WHERE_EMAILS_ARE
    )
    assert User.objects.get(email="chef@example.org").is_superuser
