"""Work awaiting a staff decision, shown first on the admin's home page with counts.

Each app registers its kinds from its AppConfig.ready(), one line per kind:

    pending.register(_("Demandes d'adhésion"), Organisation.objects.to_moderate,
                     "admin:organisations_organisation_changelist", query="status__exact=pending&contact=confirmed")

The campaign app knows nothing of the others: imports run one way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class PendingKind:
    label: str | Promise
    queryset: Callable[[], QuerySet]
    changelist_url_name: str
    query: str = ""


_kinds: dict[str, PendingKind] = {}


def register(
    label: str | Promise, queryset: Callable[[], QuerySet], changelist_url_name: str, *, query: str = ""
) -> None:
    """Count ``queryset()`` on the admin's home page, linking to the changelist (filtered by ``query``).

    Registering the same changelist and query again replaces the entry (ready() may run twice in tests).
    """
    kind = PendingKind(label, queryset, changelist_url_name, query)
    _kinds[f"{changelist_url_name}?{query}"] = kind


class PendingWork(TypedDict):
    label: str | Promise
    count: int
    url: str


def pending_work(user) -> list[PendingWork]:
    """What ``user`` may act on and is waiting, in registration order; kinds with nothing waiting included.

    One COUNT per kind the user may view.
    """
    work: list[PendingWork] = []
    for kind in _kinds.values():
        queryset = kind.queryset()
        opts = queryset.model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}") and not user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        ):
            continue
        url = reverse(kind.changelist_url_name) + (f"?{kind.query}" if kind.query else "")
        work.append({"label": kind.label, "count": queryset.count(), "url": url})
    return work
