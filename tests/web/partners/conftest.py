"""The partner page's tests use the review flow's guides (the first-session guide)."""

from tests.web.review_flow.conftest import guides  # noqa: F401
