"""`make staff`: a staff account with every right, asked for in French.

Replaces Django's command of the same name (``campaign`` comes before
``django.contrib.auth`` in INSTALLED_APPS), which asks "Password:" in English
and lets a weak password through on request. The account then does what every
account does: confirm its address at its first login, and enrol a second
factor before anything else.

Without a terminal (a pipe, a test), prompts go to standard output and answers
are read line by line from standard input. ``--noinput`` takes
``DJANGO_SUPERUSER_EMAIL`` and ``DJANGO_SUPERUSER_PASSWORD`` as Django's does.
"""

import getpass
import os
import sys
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext as _

from campaign.site import absolute_url


class Command(BaseCommand):
    help = "Crée un compte de l'équipe de la campagne, avec tous les droits."
    stealth_options = ("stdin",)
    stdin: TextIO

    def add_arguments(self, parser):
        parser.add_argument("--email", help="L'adresse e-mail du compte (demandée sinon).")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Ne rien demander : DJANGO_SUPERUSER_EMAIL et DJANGO_SUPERUSER_PASSWORD donnent l'adresse et le mot "
            "de passe.",
        )

    def handle(self, *args, email=None, interactive=True, **options):
        self.stdin = options.get("stdin") or sys.stdin
        user_model = get_user_model()
        if interactive:
            self.stdout.write(
                _("Création d'un compte de l'équipe de la campagne, avec tous les droits. Ctrl-C pour abandonner.")
            )
            try:
                email = self.ask_email(email)
                password = self.ask_password(user_model(email=email))
            except KeyboardInterrupt:
                self.stderr.write("")
                raise CommandError(_("Abandon : aucun compte créé.")) from None
            except EOFError:
                raise CommandError(_("Saisie interrompue : aucun compte créé.")) from None
        else:
            email = (email or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")).strip()
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
            errors = email_errors(email) or password_errors(password, user_model(email=email))
            if errors:
                raise CommandError(errors[0])
        user_model.objects.create_superuser(email, password)
        self.stdout.write(self.next_steps(email))

    def ask_email(self, email):
        while True:
            value = (email or self.prompt(_("Adresse e-mail : "))).strip()
            email = None
            errors = email_errors(value)
            if not errors:
                return value
            self.stderr.write(errors[0])

    def ask_password(self, user):
        while True:
            password = self.prompt(_("Mot de passe : "), secret=True)
            again = self.prompt(_("Mot de passe (à nouveau) : "), secret=True)
            if password != again:
                self.stderr.write(_("Les deux mots de passe ne correspondent pas. Recommencez."))
                continue
            errors = password_errors(password, user)
            if not errors:
                return password
            for error in errors:
                self.stderr.write(error)

    def prompt(self, text, secret=False):
        if self.stdin.isatty():
            # The terminal: the password is not shown while typed.
            return getpass.getpass(text) if secret else input(text)
        self.stdout.write(text, ending="")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        self.stdout.write("")  # where a terminal would echo Enter
        return line.rstrip("\n")

    def next_steps(self, email):
        lines = [
            _("Compte créé pour %(email)s.") % {"email": email},
            _("Étapes suivantes :"),
            _("  1. Ouvrez %(url)s et connectez-vous avec cette adresse et ce mot de passe.")
            % {"url": absolute_url(reverse("admin:index"))},
            _("  2. Confirmez votre adresse avec le lien reçu par e-mail."),
            _("  3. Activez la double authentification : l'administration s'ouvre ensuite."),
        ]
        mail_directory = settings.MAILERS["default"].get("OPTIONS", {}).get("directory")
        if mail_directory:
            lines.append(
                _("En développement, « make run » fait tourner le site et écrit les e-mails dans %(directory)s/.")
                % {"directory": os.path.relpath(mail_directory)}
            )
        return "\n".join(lines)


def email_errors(email):
    if not email:
        return [_("Indiquez une adresse e-mail.")]
    try:
        validate_email(email)
    except ValidationError as error:
        return list(error.messages)
    if get_user_model().objects.filter(email__iexact=email).exists():
        return [
            _(
                "Un compte existe déjà avec cette adresse : connectez-vous, ou choisissez « Mot de passe oublié » "
                "sur la page de connexion."
            )
        ]
    return []


def password_errors(password, user):
    if not password:
        return [_("Le mot de passe ne peut pas être vide.")]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []
