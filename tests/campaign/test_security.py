import pytest

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("path", ["/", "/appel/", "/en/", "/confidentialite/", "/page-inexistante/"])
def test_security_headers_on_every_page(client, pages, path):
    response = client.get(path)

    assert response["Content-Security-Policy"] == EXPECTED_CSP
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    assert response["X-Frame-Options"] == "DENY"


def test_hsts_over_https_when_debug_is_off(client, pages):
    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.parametrize("path", ["/", "/appel/", "/en/", "/confidentialite/", "/mentions-legales/"])
def test_anonymous_reader_gets_no_cookie(client, pages, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert dict(response.cookies) == {}


def test_pages_have_no_inline_script_or_style(client, pages):
    html = client.get("/").content.decode()

    assert "<script>" not in html and "<script " not in html.replace('<script src="', "")
    assert "<style" not in html
    assert ' style="' not in html


def test_no_request_leaves_the_origin(client, pages):
    html = client.get("/").content.decode()

    for attribute in ('src="http', 'src="//', 'href="//'):
        assert attribute not in html
    assert 'rel="stylesheet" href="/static/' in html
