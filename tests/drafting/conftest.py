"""The relationships' small program (two pairs, coordinators) serves the drafting tests too."""

from tests.drafting.test_service import grounded, loopback  # noqa: F401
from tests.relationships.conftest import world  # noqa: F401
