"""Addresses made from names: ``sud-education``, then ``sud-education-2``…"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, models, transaction

from campaign.db import violated_constraint

ATTEMPTS = 5


def unique_slug(
    queryset: models.QuerySet, base: str, *, reserved: Iterable[str] = (), exclude_pk: object = None
) -> str:
    """``base``, or ``base-2``, ``base-3``…: the first one no row of ``queryset`` has and not ``reserved``.

    One query: the slugs already taken among ``base`` and its numbered forms.
    """
    numbered = queryset.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").exclude(pk=exclude_pk)
    taken = set(numbered.values_list("slug", flat=True))
    taken |= set(reserved)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def save_with_unique_slug(
    instance: Any,
    base: str,
    *,
    constraint: str,
    reserved: Iterable[str] = (),
    keep: Callable[[str], bool] = lambda slug: False,
) -> None:
    """Save ``instance`` (a model with a unique ``slug``) under the first free slug made from ``base``.

    Unless ``keep(instance.slug)``: that slug stays (it may have been shared),
    and a clash then raises. Two requests saving the same name at the same
    moment both find the slug free; the unique constraint named ``constraint``
    refuses the second, which takes the next number.
    """
    queryset = type(instance)._default_manager.all()
    for _attempt in range(ATTEMPTS):
        kept = keep(instance.slug)
        if not kept:
            instance.slug = unique_slug(queryset, base, reserved=reserved, exclude_pk=instance.pk)
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError as error:
            if violated_constraint(error) != constraint or kept:
                raise
            instance.slug = ""
    raise RuntimeError(f"no free slug for {base!r} after {ATTEMPTS} attempts")
