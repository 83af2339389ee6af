"""What PostgreSQL says about a failed statement."""

from django.db import IntegrityError


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint an INSERT or UPDATE broke (PostgreSQL's diagnostic), or None."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
