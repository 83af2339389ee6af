"""The settings module read under controlled environments."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[2] / "campaign" / "settings.py"
BASE_ENV = {"SECRET_KEY": "s3cret", "DEBUG": "0"}


def load_settings(monkeypatch, **variables):
    for name in [
        "DEBUG", "SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
        "EMAIL_URL", "CACHE_URL", "TRUSTED_PROXY_COUNT", "LOG_LEVEL", "DEFAULT_FROM_EMAIL",
        "DATABASE_POOL_MAX_SIZE", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_TIMEOUT", "EMAIL_RETRY_WINDOW",
        "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "MEDIA_ROOT", "VAR_DIR", "EMBEDDED_DATABASE_NAME",
    ]:  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in {**BASE_ENV, **variables}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("ALLOWED_HOSTS", "example.org,,www.example.org"),
        ("CSRF_TRUSTED_ORIGINS", "example.org"),
        ("DATABASE_URL", "mysql://root@localhost/campaign"),
        ("DATABASE_URL", "postgres://localhost:notaport/campaign"),
        ("DATABASE_URL", "postgres://localhost"),
        ("DATABASE_URL", "postgres://localhost/campaign?sslmod=require"),
        ("EMAIL_URL", "http://mail.example.org"),
        ("EMAIL_URL", "smtp://"),
        ("EMAIL_URL", "smtp://mail.example.org:25?timeout=soon"),
        ("CACHE_URL", "memcached://localhost:11211"),
        ("CACHE_URL", "redis://localhost:6379/cache"),
        ("TRUSTED_PROXY_COUNT", "two"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("SITE_URL", "ftp://example.org"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_POOL_MAX_SIZE", "0"),
        ("EMAIL_RETRY_WINDOW", "ten"),
        ("SECURE_HSTS_SECONDS", "1y"),
        ("EMBEDDED_DATABASE_NAME", 'campaign"; DROP'),
    ],
)
def test_malformed_variable_is_named_in_the_error(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured) as raised:
        load_settings(monkeypatch, **{name: value})

    assert str(raised.value).startswith(f"{name} ")


def test_secret_key_is_required_without_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as raised:
        load_settings(monkeypatch, SECRET_KEY=None)

    assert str(raised.value) == "SECRET_KEY is required when DEBUG is off."


def test_debug_runs_without_secret_key(monkeypatch):
    settings = load_settings(monkeypatch, SECRET_KEY=None, DEBUG="1")

    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_database_url_is_parsed(monkeypatch):
    settings = load_settings(
        monkeypatch, DATABASE_URL="postgres://camp:p%40ss@db.example.org:6543/campaign?sslmode=require"
    )

    assert settings["DATABASES"]["default"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "campaign",
        "USER": "camp",
        "PASSWORD": "p@ss",
        "HOST": "db.example.org",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require", "pool": {"min_size": 1, "max_size": 4, "timeout": 5}},
        "CONN_HEALTH_CHECKS": True,
    }


def test_database_url_with_a_unix_socket(monkeypatch):
    settings = load_settings(monkeypatch, DATABASE_URL="postgres://postgres@/campaign?host=/run/postgresql")

    assert (settings["DATABASES"]["default"]["HOST"], settings["DATABASES"]["default"]["NAME"]) == (
        "/run/postgresql",
        "campaign",
    )


def test_without_database_url_the_embedded_server_is_used(monkeypatch):
    settings = load_settings(monkeypatch)

    assert settings["DATABASES"]["default"]["ENGINE"] == "campaign.embedded_backend"
    assert settings["DATABASES"]["default"]["NAME"] == "campaign"


def test_another_database_on_the_embedded_server(monkeypatch):
    settings = load_settings(monkeypatch, EMBEDDED_DATABASE_NAME="campaign_bench")

    assert settings["DATABASES"]["default"]["ENGINE"] == "campaign.embedded_backend"
    assert settings["DATABASES"]["default"]["NAME"] == "campaign_bench"


def test_email_url_unset_writes_eml_files(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, VAR_DIR=str(tmp_path))

    assert settings["MAILERS"] == {
        "default": {
            "BACKEND": "campaign.mail_backends.EmlFileBackend",
            "OPTIONS": {"directory": str(tmp_path / "mail")},
        }
    }


def test_smtp_email_url(monkeypatch):
    settings = load_settings(monkeypatch, EMAIL_URL="smtp://mail.example.org:2525?tls=1")

    assert settings["MAILERS"]["default"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "mail.example.org", "port": 2525, "use_ssl": False, "use_tls": True, "timeout": 10.0},
    }


def test_smtps_email_url_with_credentials(monkeypatch):
    settings = load_settings(monkeypatch, EMAIL_URL="smtps://campagne:mot%20de%20passe@mail.example.org")

    assert settings["MAILERS"]["default"]["OPTIONS"] == {
        "host": "mail.example.org",
        "port": 465,
        "use_ssl": True,
        "use_tls": False,
        "timeout": 10.0,
        "username": "campagne",
        "password": "mot de passe",
    }


def test_cache_url(monkeypatch):
    assert load_settings(monkeypatch)["CACHES"]["default"] == {"BACKEND": "campaign.shared_cache.PostgresCache"}
    assert load_settings(monkeypatch, CACHE_URL="redis://127.0.0.1:6379/2")["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/2",
    }


def test_lists_and_proxies(monkeypatch):
    settings = load_settings(
        monkeypatch,
        ALLOWED_HOSTS="retrait-lsun.fr, www.retrait-lsun.fr",
        CSRF_TRUSTED_ORIGINS="https://retrait-lsun.fr",
        TRUSTED_PROXY_COUNT="1",
    )

    assert settings["ALLOWED_HOSTS"] == ["retrait-lsun.fr", "www.retrait-lsun.fr"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://retrait-lsun.fr"]
    assert settings["TRUSTED_PROXY_COUNT"] == 1
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_production_security_defaults(monkeypatch):
    settings = load_settings(monkeypatch)

    assert settings["SECURE_HSTS_SECONDS"] == 31536000
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
