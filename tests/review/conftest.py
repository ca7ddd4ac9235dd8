"""The relationships' small program (two pairs, coordinators) serves the review tests too."""

from tests.relationships.conftest import world  # noqa: F401
