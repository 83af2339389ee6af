"""The dossier handed over with the petition: staff only, the figures right, no signer in it."""

import csv
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from organisations.models import Organisation
from tests.campaign.factories import enrol_totp, make_user
from tests.petitions.factories import make_signature


@pytest.fixture
def staff_client(client, db):
    client.force_login(enrol_totp(make_user("equipe@example.org", superuser=True)))
    return client


@pytest.fixture
def signed(petition):
    for code, postcode, role, number in [("38", "38000", "parent", 3), ("2B", "20200", "enseignant", 2)]:
        for _ in range(number):
            make_signature(
                petition, departement=code, postcode=postcode, role=role, first_name="Zoé", last_name="Secrète"
            )
    make_signature(petition, departement="etranger", postcode="", role="autre", email="loin@example.org")
    Organisation.objects.create(
        name="SUD éducation", slug="sud", kind="syndicat", status="approved", approved_at=timezone.now()
    )
    return petition


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_staff_download_the_pdf_with_the_figures_and_no_signer(staff_client, signed):
    response = staff_client.get("/admin/petitions/dossier.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="dossier-retrait-lsun-')
    reader = PdfReader(io.BytesIO(response.content))
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (595, 842)
    text = pdf_text(response.content)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Signatures 6" in lines
    assert "Départements où l'appel a été signé 2 / 102" in lines
    assert "Signatures depuis l'étranger 1" in lines
    assert "Isère (38) 3 1" in lines
    assert "Haute-Corse (2B) 2 2" in lines
    assert "Parent d'élève 3 50 %" in lines
    assert "SUD éducation Syndicat National" in lines
    assert "L'appel signé" in lines
    assert "Contours : IGN – Admin Express COG 2018 (projet france-geojson), Licence Ouverte." in lines
    assert "sur papier" not in text
    for personal in ("Secrète", "Zoé", "example.org", "38000", "20200"):
        assert personal not in text


def test_staff_download_the_csv(staff_client, signed):
    response = staff_client.get("/admin/petitions/dossier.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["rubrique", "code", "libelle", "valeur"]
    assert ["total", "", "Signatures", "6"] in rows
    assert ["total", "papier", "Signatures sur papier", "0"] in rows
    assert ["departement", "38", "Isère", "3"] in rows
    assert ["departement", "etranger", "Étranger", "1"] in rows
    assert ["qualite", "enseignant", "Enseignant·e", "2"] in rows
    assert ["organisation", "national", "SUD éducation", "Syndicat"] in rows
    assert "Secrète" not in response.content.decode()


@pytest.mark.parametrize("url", ["/admin/petitions/dossier.pdf", "/admin/petitions/dossier.csv"])
def test_readers_are_sent_to_the_login(client, signed, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_petitions_admin_links_to_the_dossier(staff_client, signed):
    html = staff_client.get("/admin/petitions/petition/").content.decode()

    assert '<a href="/admin/petitions/dossier.pdf">Dossier à remettre (PDF)</a>' in html
    assert '<a href="/admin/petitions/dossier.csv">Chiffres du dossier (CSV)</a>' in html
