"""Small builders shared by tests (real rows in a real database)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.audit.service import Actor

TEST_ACTOR = Actor(id=None, label="test")


def make_user(session: Session, email: str, *roles: tuple[Role, int | None]) -> tuple[User, str]:
    """Create a user with roles and return it with a fresh API token."""
    user, issued = accounts.onboard(
        session=session, email=email, display_name=None, roles=list(roles), actor=TEST_ACTOR
    )
    session.commit()
    return user, issued.plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
