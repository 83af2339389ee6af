"""Template tags every app's templates may use: ``{% load campaign %}``."""

from datetime import datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def iso_datetime(value: datetime | None) -> str:
    """For ``<time datetime>``: "2030-06-01T08:30:00+02:00", to the second, in the site's time zone.

    Django's ``date:"c"`` adds the microseconds, and a valid HTML date has at
    most three digits of fractions of a second: the Nu Html Checker refused it.
    """
    # Already in the site's time zone (expects_localtime), as date:"c" would show it.
    return value.replace(microsecond=0).isoformat() if value else ""
