"""The small program of the relationships tests, with passwords, serves the security tests."""

from tests.relationships.conftest import world  # noqa: F401
from tests.web.conftest import browser_for, web  # noqa: F401
