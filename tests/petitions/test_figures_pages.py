"""/chiffres/, the départements' pages, their cards and the open data: numbers checked against what was signed."""

import csv
import gzip
import io
import json
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from campaign.departements import DEPARTEMENTS
from organisations.models import Organisation
from petitions import charts, figures
from petitions.models import Petition
from tests.campaign.html_text import block_texts, heading
from tests.organisations.factories import make_batch
from tests.petitions.factories import make_signature

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def signed(petition):
    """A petition opened on 27 November with signatures in Isère, Paris, Corse-du-Sud, La Réunion and abroad."""
    Petition.objects.update(opens_at=datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    plan = [
        # (confirmed, département, postcode, role, how many)
        (datetime(2026, 11, 27, 9, 0, tzinfo=UTC), "38", "38000", "parent", 3),
        (datetime(2026, 11, 27, 23, 30, tzinfo=UTC), "75", "75011", "enseignant", 2),  # 28 November in Paris
        (datetime(2026, 11, 29, 10, 0, tzinfo=UTC), "2A", "20000", "personnel", 1),
        (datetime(2026, 11, 29, 11, 0, tzinfo=UTC), "974", "97400", "parent", 1),
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "etranger", "", "autre", 1),
    ]
    for confirmed_at, code, postcode, role, number in plan:
        for _ in range(number):
            make_signature(petition, confirmed_at=confirmed_at, departement=code, postcode=postcode, role=role)
    make_signature(petition, confirmed=False, departement="38")  # not counted
    return Petition.objects.get()


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


def test_national_page_shows_the_numbers_signed(client, signed):
    Organisation.objects.create(
        name="SUD éducation", slug="sud", kind="syndicat", status="approved", approved_at=timezone.now()
    )
    Organisation.objects.create(
        name="ICEM", slug="icem", kind="mouvement", status="approved", approved_at=timezone.now()
    )
    Organisation.objects.create(name="CNT", slug="cnt", kind="syndicat", status="approved", approved_at=timezone.now())
    Organisation.objects.create(name="En attente", slug="attente", kind="association", status="pending")

    response = get(client, "/chiffres/")
    html = response.content.decode()

    assert heading(html) == "Les chiffres de l'appel"
    assert block_texts(html, "figures-total") == ["8 signatures sur un objectif de 10 000"]
    departements = block_texts(html, "figures-departements")
    assert departements[:3] == ["Département", "Signatures", "Rang"]
    rows = [departements[i : i + 3] for i in range(3, len(departements), 3)]
    assert len(rows) == len(DEPARTEMENTS)
    assert rows[DEPARTEMENTS_INDEX["38"]] == ["Isère (38)", "3", "1"]
    assert rows[DEPARTEMENTS_INDEX["75"]] == ["Paris (75)", "2", "2"]
    assert rows[DEPARTEMENTS_INDEX["2A"]] == ["Corse-du-Sud (2A)", "1", "3"]
    assert rows[DEPARTEMENTS_INDEX["01"]] == ["Ain (01)", "0", "5"]
    assert block_texts(html, "figures-days") == [
        "Jour",
        "Signatures",
        "30 novembre 2026",
        "0",
        "29 novembre 2026",
        "3",
        "28 novembre 2026",
        "2",
        "27 novembre 2026",
        "3",
    ]
    assert block_texts(html, "figures-roles") == [
        "Qualité",
        "Signatures",
        "Part",
        "Parent d'élève",
        "4",
        "50 %",
        "Enseignant·e",
        "2",
        "25 %",
        "Autre personnel de l'éducation",
        "1",
        "13 %",
        "Autre",
        "1",
        "13 %",
    ]
    assert block_texts(html, "figures-kinds") == [
        "Type",
        "Organisations",
        "Syndicat",
        "2",
        "Mouvement pédagogique",
        "1",
    ]
    assert block_texts(html, "figures-abroad") == ["1 signature depuis l'étranger"]
    assert "Contours : IGN – Admin Express COG 2018 (projet france-geojson), Licence Ouverte." in html
    # The map: one link per département of the outlines, shaded by class, named with its count.
    links = re.findall(r'<a href="(/chiffres/[^"]+/)" aria-label="([^"]+)"><path class="map-c(\d)"', html)
    assert len(links) == 101
    assert ("/chiffres/38/", "Isère : 3 signatures", "3") in links
    assert ("/chiffres/01/", "Ain : 0 signatures", "0") in links
    assert block_texts(html, "map-legend") == [
        "aucune signature",
        "1 signature",
        "2 signatures",
        "3 signatures",
    ]
    assert set(response["Cache-Control"].split(", ")) == CACHE_CONTROL


CACHE_CONTROL = {"public", "max-age=10", "stale-if-error=86400", "stale-while-revalidate=30"}
DEPARTEMENTS_INDEX = {code: index for index, code in enumerate(DEPARTEMENTS)}


def test_paper_is_said_only_when_there_is_some(client, signed):
    html = get(client, "/chiffres/").content.decode()
    assert "sur papier" not in html


def test_accepted_paper_signatures_join_every_figure(client, signed):
    make_batch(counts={"38": 5, "2A": 1, "etranger": 2}, accepted=True)
    make_batch(counts={"75": 40})  # pending: not counted
    caches["local"].clear()

    national = figures.national(fresh=True)
    national_page = get(client, "/chiffres/").content.decode()
    isere_page = get(client, "/chiffres/38/").content.decode()
    rows = list(csv.reader(io.StringIO(get(client, "/donnees/signatures-par-departement.csv").content.decode())))

    assert (national.online, national.paper, national.total) == (8, 8, 16)
    assert (national.departement_total("38"), national.departement_total("75"), national.abroad) == (8, 2, 3)
    assert "dont 8 sur papier" in national_page
    assert "dont 5 sur papier" in isere_page
    by_code = {row[0]: row[2:] for row in rows[1:]}
    assert (by_code["38"], by_code["2A"], by_code["75"], by_code["etranger"]) == (
        ["8", "3", "5"],
        ["2", "1", "1"],
        ["2", "2", "0"],
        ["3", "1", "2"],
    )


def test_national_page_costs_three_queries_then_none(client, signed, settings):
    settings.PAGE_CACHE_SECONDS = 5
    settings.PAGE_CACHE_GENERATION_CHECK = 3600
    caches["local"].clear()
    with CaptureQueriesContext(connection) as context:
        get(client, "/chiffres/")
    first = [query["sql"].split()[:2] for query in context.captured_queries]  # read before the next request clears them
    with CaptureQueriesContext(connection) as context:
        get(client, "/chiffres/")

    # The page cache's generation, the featured petition with its count, the figures, the organisations
    # by kind; then the page cache answers alone.
    assert first == [
        ["SELECT", '"campaign_cachegeneration"."value"'],
        ["SELECT", "p.id,"],
        ["SELECT", "'d',"],
        ["SELECT", '"petitions_organisation"."kind"'],
    ]
    assert len(context.captured_queries) == 0


def test_departement_page_costs_three_queries(client, signed, settings):
    settings.PAGE_CACHE_GENERATION_CHECK = 3600
    caches["local"].clear()
    get(client, "/chiffres/75/")  # the page-cache generation, read once per interval
    caches["local"].clear()

    with CaptureQueriesContext(connection) as context:
        get(client, "/chiffres/38/")
    queries = [query["sql"].split()[:2] for query in context.captured_queries]

    assert queries == [["SELECT", "p.id,"], ["SELECT", "'d',"], ["SELECT", '"petitions_organisation"."id",']]


def test_departement_page(client, signed):
    Organisation.objects.create(
        name="SUD éducation 38",
        slug="sud-38",
        kind="syndicat",
        status="approved",
        approved_at=timezone.now(),
        scope="38",
    )
    Organisation.objects.create(
        name="SUD éducation 75",
        slug="sud-75",
        kind="syndicat",
        status="approved",
        approved_at=timezone.now(),
        scope="75",
    )

    html = get(client, "/chiffres/38/").content.decode()

    assert heading(html) == "Isère (38)"
    assert block_texts(html, "share-sentence") == ["Isère : 3 personnes demandent le retrait du LSUN."]
    assert '<meta property="og:image" content="http://testserver/chiffres/38/carte.png">' in html or re.search(
        r'<meta property="og:image" content="[^"]+/chiffres/38/carte\.png">', html
    )
    assert '<meta property="og:description" content="Isère : 3 personnes demandent le retrait du LSUN.">' in html
    assert "Rang : 1 sur 102 départements." in html
    assert "SUD éducation 38" in html
    assert "SUD éducation 75" not in html
    assert "Mastodon" in html


def test_singular_sentence_and_rank_of_a_small_departement(client, signed):
    html = get(client, "/chiffres/974/").content.decode()
    assert block_texts(html, "share-sentence") == ["La Réunion : 1 personne demande le retrait du LSUN."]


@pytest.mark.parametrize("code", ["99", "20", "etranger", "2a", "977", "abc"])
def test_unknown_code_is_our_404(client, signed, code):
    response = get(client, f"/chiffres/{code}/")
    assert response.status_code == 404
    assert heading(response.content.decode()) == "Page introuvable"


def test_departement_card_is_a_png_cached_publicly(client, signed):
    response = get(client, "/chiffres/38/carte.png")

    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_csv_files_have_a_header_and_the_numbers(client, signed):
    by_departement = get(client, "/donnees/signatures-par-departement.csv")
    by_day = get(client, "/donnees/signatures-par-jour.csv")
    by_role = get(client, "/donnees/signatures-par-qualite.csv")

    assert by_departement["Content-Type"] == "text/csv; charset=utf-8"
    assert by_departement["Access-Control-Allow-Origin"] == "*"
    rows = list(csv.reader(io.StringIO(by_departement.content.decode("utf-8"))))
    assert rows[0] == ["code", "nom", "signatures", "en_ligne", "papier"]
    assert all(total == online and paper == "0" for _, _, total, online, paper in rows[1:])
    counts = {code: int(n) for code, _, n, _, _ in rows[1:]}
    assert {code: n for code, n in counts.items() if n} == {"38": 3, "75": 2, "2A": 1, "974": 1, "etranger": 1}
    assert len(rows) == 1 + len(DEPARTEMENTS) + 1
    assert by_day.content.decode() == (
        "jour,signatures\r\n2026-11-27,3\r\n2026-11-28,2\r\n2026-11-29,3\r\n2026-11-30,0\r\n"
    )
    assert by_role.content.decode() == (
        "qualite,libelle,signatures\r\n"
        "parent,Parent d'élève,4\r\n"
        "enseignant,Enseignant·e,2\r\n"
        "personnel,Autre personnel de l'éducation,1\r\n"
        "autre,Autre,1\r\n"
    )


def test_json_files(client, signed):
    response = get(client, "/api/signatures-par-jour.json")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Cache-Control"].split(", ")) == CACHE_CONTROL
    body = json.loads(response.content)
    assert body["signatures"] == 8
    assert body["licence"] == "Licence Ouverte 2.0"
    assert body["data"] == [
        {"jour": "2026-11-27", "signatures": 3},
        {"jour": "2026-11-28", "signatures": 2},
        {"jour": "2026-11-29", "signatures": 3},
        {"jour": "2026-11-30", "signatures": 0},
    ]
    roles = json.loads(get(client, "/api/signatures-par-qualite.json").content)["data"]
    assert [(row["qualite"], row["signatures"]) for row in roles] == [
        ("parent", 4),
        ("enseignant", 2),
        ("personnel", 1),
        ("autre", 1),
    ]


def test_open_data_page_links_every_file(client, signed):
    html = get(client, "/donnees/").content.decode()
    assert heading(html) == "Données ouvertes"
    links = re.findall(r'href="(/(?:donnees|api)/[^"]+)"', html)
    assert links == [
        "/donnees/signatures-par-departement.csv",
        "/api/signatures-par-departement.json",
        "/donnees/signatures-par-jour.csv",
        "/api/signatures-par-jour.json",
        "/donnees/signatures-par-qualite.csv",
        "/api/signatures-par-qualite.json",
    ]


def test_english_addresses(client, signed):
    assert heading(get(client, "/en/figures/").content.decode()) == "The campaign's figures"
    assert heading(get(client, "/en/figures/38/").content.decode()) == "Isère (38)"


def test_header_and_home_link_to_the_figures(client, signed):
    html = get(client, "/").content.decode()
    assert html.count('href="/chiffres/"') == 2


def test_quantile_classes_stay_readable_with_one_huge_departement():
    counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000] + [0] * 90

    classes = charts.quantile_classes(counts)

    assert [(c.number, c.low, c.high) for c in classes] == [
        (0, 0, 0),
        (1, 1, 3),
        (2, 4, 5),
        (3, 6, 7),
        (4, 8, 9),
        (5, 10, 1000),
    ]
    assert [charts.class_of(n, classes) for n in (0, 1, 5, 9, 10, 1000)] == [0, 1, 2, 4, 5, 5]


def test_committed_map_is_small_and_has_every_departement_but_saint_pierre():
    _, frames, paths = charts.outlines()
    size = charts.MAP_FILE.stat().st_size

    assert size < 150_000
    assert len(gzip.compress(charts.MAP_FILE.read_bytes())) < 50_000
    assert set(paths) == set(DEPARTEMENTS) - {"975"}
    assert len(frames) == 5


def test_figures_follow_withdrawal(client, signed):
    signed.signatures.filter(departement="974").delete()
    national = figures.national(fresh=True)

    assert national.departement_total("974") == 0
    assert national.total == 7
