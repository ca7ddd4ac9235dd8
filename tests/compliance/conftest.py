"""The small program of the relationship tests and the loopback LLM server of drafting."""

from tests.drafting.test_service import grounded, loopback  # noqa: F401
from tests.relationships.conftest import world  # noqa: F401
