import pytest

from campaign.departements import ABROAD, NAMES, departement_from_postcode, departement_label


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [
        ("01000", "01"),  # Bourg-en-Bresse, the first département
        ("05000", "05"),
        ("09000", "09"),
        ("38000", "38"),
        ("69001", "69"),  # Lyon (the Métropole is counted with the Rhône)
        ("75011", "75"),
        ("75116", "75"),
        ("82000", "82"),  # Montauban: SNUipp 82
        ("90000", "90"),
        ("93100", "93"),
        ("95000", "95"),  # the last metropolitan département
        ("13395", "13"),  # a CEDEX code
    ],
)
def test_metropolitan_postcode_gives_its_first_two_digits(postcode, departement):
    assert departement_from_postcode(postcode) == departement


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [
        ("20000", "2A"),  # Ajaccio
        ("20090", "2A"),  # Ajaccio
        ("20100", "2A"),  # Sartène
        ("20137", "2A"),  # Porto-Vecchio
        ("20169", "2A"),  # Bonifacio
        ("20199", "2A"),  # last code of the Corse-du-Sud range
        ("20200", "2B"),  # Bastia, first code of the Haute-Corse range
        ("20250", "2B"),  # Corte
        ("20260", "2B"),  # Calvi
        ("20600", "2B"),  # Bastia, Furiani
        ("20620", "2B"),  # Biguglia
    ],
)
def test_corsica_is_split_at_20200(postcode, departement):
    assert departement_from_postcode(postcode) == departement


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [
        ("97100", "971"),  # Basse-Terre, Guadeloupe
        ("97110", "971"),  # Pointe-à-Pitre
        ("97200", "972"),  # Fort-de-France, Martinique
        ("97300", "973"),  # Cayenne, Guyane
        ("97400", "974"),  # Saint-Denis, La Réunion
        ("97500", "975"),  # Saint-Pierre-et-Miquelon
        ("97600", "976"),  # Mamoudzou, Mayotte
        ("97133", "977"),  # Saint-Barthélemy, on Guadeloupe's postcodes
        ("97150", "978"),  # Saint-Martin, on Guadeloupe's postcodes
        ("98600", "986"),  # Wallis-et-Futuna
        ("98714", "987"),  # Papeete, Polynésie française
        ("98800", "988"),  # Nouméa, Nouvelle-Calédonie
        ("98404", "984"),  # TAAF
    ],
)
def test_overseas_postcode_gives_three_digits(postcode, departement):
    assert departement_from_postcode(postcode) == departement


def test_monaco_is_abroad():
    assert departement_from_postcode("98000") == ABROAD


@pytest.mark.parametrize(
    "postcode",
    [
        "00100",  # military postal sectors
        "96000",  # no such département
        "97700",
        "97800",
        "97900",
        "98100",
        "98500",
        "98900",
        "99000",
        "7501",  # too short
        "750111",  # too long
        "75 011",  # spaces are removed by the form, not here
        "7501A",
        "",
        "７５０１１",  # full-width digits are not ASCII digits
        "٧٥٠١١",  # Arabic-Indic digits neither
    ],
)
def test_anything_else_is_not_a_french_postcode(postcode):
    assert departement_from_postcode(postcode) is None


def test_non_string_is_not_a_postcode():
    assert departement_from_postcode(None) is None
    assert departement_from_postcode(75011) is None


def test_every_code_the_function_can_return_has_a_name():
    returned = {departement_from_postcode(f"{number:05d}") for number in range(100_000)} - {None, ABROAD}

    assert returned == set(NAMES)
    # 96 in mainland France and Corsica, 971-976, 977-978, and 984, 986, 987, 988.
    assert len(NAMES) == 96 + 6 + 2 + 4


def test_labels_name_the_departement_with_its_code():
    assert departement_label("38") == "Isère (38)"
    assert departement_label("2A") == "Corse-du-Sud (2A)"
    assert departement_label("974") == "La Réunion (974)"
    assert departement_label(ABROAD) == "Étranger"
