"""The départements and their names, and the département of a signer from a French postcode.

A postcode is the post office's, not the commune's: its first two digits are
the département almost everywhere, and where they are not the rules below say
what we decided. A handful of border communes are served by a post office of
the neighbouring département; their signers are counted there, which is good
enough for a count per département.

- 01xxx to 95xxx: the first two digits, except Corsica.
- Corsica, 20xxx: 20000-20199 is Corse-du-Sud (2A), 20200 and above Haute-Corse
  (2B). That is how La Poste split the 20 range in 1976 (Ajaccio 20000, Bastia
  20200, Porto-Vecchio 20137, Corte 20250, Calvi 20260).
- Overseas départements, 97xxx: the first three digits, 971 Guadeloupe, 972
  Martinique, 973 Guyane, 974 La Réunion, 975 Saint-Pierre-et-Miquelon (a
  collectivité since 1985 but still 975 in the official code), 976 Mayotte.
  Saint-Barthélemy (97133) and Saint-Martin (97150) kept Guadeloupe's
  postcodes when they became collectivités in 2007: they get their own codes,
  977 and 978, so they are not counted as Guadeloupe.
- Pacific and southern collectivités, 98xxx: 984 (TAAF), 986 Wallis-et-Futuna,
  987 Polynésie française, 988 Nouvelle-Calédonie.
- Monaco, 980xx: a foreign state that uses French postcodes. Its signers are
  counted as abroad ("etranger"), like any signer outside France.
- 00xxx (military sectors), 96xxx, 977xx-979xx and the other 98xxx are not
  places in France: refused, and the form suggests the "abroad" option.
"""

import re

from django.utils.translation import gettext_lazy as _

ABROAD = "etranger"

POSTCODE = re.compile(r"[0-9]{5}")

# The départements, in INSEE order (2A and 2B for Corsica, 971 to 976 overseas):
# where a signer lives, and what an organisation's scope may be (a check
# constraint on Organisation.scope lists them: a change here needs a migration).
DEPARTEMENTS = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
}
# Collectivités with a code of their own, where signers may live too.
COLLECTIVITES = {
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
}
NAMES = DEPARTEMENTS | COLLECTIVITES

OVERSEAS = {"971", "972", "973", "974", "975", "976", "984", "986", "987", "988"}
# Collectivités that kept Guadeloupe's postcodes.
OWN_POSTCODES = {"97133": "977", "97150": "978"}
MONACO = "980"


def departement_from_postcode(postcode):
    """The département code ("38", "2A", "974", "etranger") of a 5-digit postcode, or None.

    ``postcode`` must already be stripped of spaces; anything that is not
    five ASCII digits, or not a place in France, gives None.
    """
    if not isinstance(postcode, str) or not POSTCODE.fullmatch(postcode):
        return None
    if postcode in OWN_POSTCODES:
        return OWN_POSTCODES[postcode]
    prefix = postcode[:3]
    if prefix == MONACO:
        return ABROAD
    if prefix in OVERSEAS:
        return prefix
    two = postcode[:2]
    if two == "20":
        return "2A" if postcode < "20200" else "2B"
    if "01" <= two <= "95":
        return two
    return None


def departement_label(code):
    """How a département is shown: "Isère (38)", "Étranger"."""
    if code == ABROAD:
        return str(_("Étranger"))
    name = NAMES.get(code)
    return f"{name} ({code})" if name else code
