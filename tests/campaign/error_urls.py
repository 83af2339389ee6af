"""The site's URLs plus views that fail in every way a view can, for tests/campaign/test_error_pages.py.

Each database failure is a real one, provoked against the test database (or,
for the pool, against a port where nothing listens), as Django raises it. The
values come from the one signature in the database, not from this source,
whose lines a traceback shows.
"""

from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.middleware.csrf import get_token
from django.urls import path
from psycopg_pool import ConnectionPool

from campaign.urls import *  # noqa: F403 - the handlers, and every page of the site
from campaign.urls import urlpatterns as site_urlpatterns
from petitions.models import Signature
from tests.conftest import free_port


def integrity_error(request):
    # A signature whose postcode breaks a check constraint: PostgreSQL quotes the row.
    signature = Signature.objects.get()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_signature SET postcode = 'abc' WHERE id = %s", [signature.pk])


def duplicate_key(request):
    signature = Signature.objects.get()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO petitions_signature SELECT * FROM petitions_signature WHERE id = %s", [signature.pk]
        )


def data_error(request):
    signature = Signature.objects.get()
    with transaction.atomic():
        Signature.objects.filter(first_name=f"{signature.first_name}\x00").exists()


def data_error_with_value(request):
    signature = Signature.objects.get()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT %s::integer", [signature.last_name])


def programming_error(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


def interface_error(request):
    with connection.cursor() as cursor:
        pass
    cursor.execute("SELECT 1")


def pool_timeout(request):
    # What a request sees when PostgreSQL is away and the pool has no connection to give.
    pool = ConnectionPool(f"host=127.0.0.1 port={free_port()} connect_timeout=1", min_size=1, timeout=0.3, open=False)
    pool.open(wait=False)
    try:
        with connection.wrap_database_errors:
            pool.getconn()
    finally:
        pool.close(timeout=0)


def bug(request):
    raise ValueError("a bug in our code")


def bug_after_reading_the_csrf_token(request):
    get_token(request)
    raise ValueError("a bug in our code")


def forbidden(request):
    raise PermissionDenied


urlpatterns = site_urlpatterns + i18n_patterns(
    path("_test/integrity-error/", integrity_error),
    path("_test/duplicate-key/", duplicate_key),
    path("_test/data-error/", data_error),
    path("_test/data-error-with-value/", data_error_with_value),
    path("_test/programming-error/", programming_error),
    path("_test/interface-error/", interface_error),
    path("_test/pool-timeout/", pool_timeout),
    path("_test/bug/", bug),
    path("_test/bug-after-csrf/", bug_after_reading_the_csrf_token),
    path("_test/forbidden/", forbidden),
    prefix_default_language=False,
)
