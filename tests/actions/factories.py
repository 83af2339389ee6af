"""Plain factories and form data of the letters."""

import itertools

from actions.models import DataProtectionOfficer

_numbers = itertools.count(1)


def make_officer(academie=None, **fields):
    number = next(_numbers)
    defaults = {
        "academie": academie or f"Académie {number}",
        "designation": f"Délégué à la protection des données, Rectorat {number}",
        "address": f"{number} rue de l'Exemple\n31000 Toulouse",
        "email": f"dpd{number}@ac-exemple.fr",
        "source": "https://www.ac-exemple.fr/donnees-personnelles",
    }
    return DataProtectionOfficer.objects.create(**{**defaults, **fields})


def access_request(**fields):
    """A valid access request as the form posts it."""
    return {
        "nom_parent": "Jeanne Martin",
        "adresse_parent": "12 rue des Lilas\r\n82000 Montauban",
        "nom_enfant": "Léo Martin",
        "classe": "CM1",
        "ecole": "École Jean Jaurès, Montauban",
        "destinataire_type": "direction",
        "destinataire_autre": "",
        "adresse_destinataire": "",
        "email_destinataire": "",
        "lieu": "Montauban",
        "date": "2026-12-01",
        **fields,
    }


def motion(**fields):
    return {
        "ecole": "Collège Olympe de Gouges, Montauban",
        "type_conseil": "administration",
        "date_conseil": "2027-01-14",
        "noms_representants": "Jeanne Martin, Karim Benali",
        "email_destinataire": "",
        **fields,
    }
