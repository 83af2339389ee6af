"""Initial data of the petitions app, loaded by `manage.py load_initial_content`.

Each loader is idempotent and returns a list of what it created.
"""


def load_petition():
    """The featured petition, signing the appeal (issue 3)."""
    return []


def load_organisations():
    """The eleven organisations named in the appeal, approved (issue 4)."""
    return []
