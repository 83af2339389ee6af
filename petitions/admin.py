# The organisations' admin (issue 4) lives with their code.
import petitions.organisations.admin  # noqa: F401
