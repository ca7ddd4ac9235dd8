"""A bearer token is checked in one statement, and every check still refuses what it must."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, Role, RoleAssignment, User
from companion.db.base import utcnow
from companion.errors import Unauthenticated
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, make_user


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(services.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(services.engine, "before_cursor_execute", count)


@pytest.fixture
def mentor(services: Services) -> tuple[int, str]:
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        other = programs.create(session=session, name="Other", principal=TEST_SYSTEM)
        session.commit()
        user, token = make_user(
            session, "mentor@example.org", (Role.mentor, program.id), (Role.mentee, other.id)
        )
        return user.id, token


class TestAuthenticate:
    def test_token_user_and_roles_are_read_in_one_statement(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        user_id, token = mentor
        with services.sessions() as session, counting(services) as statements:
            user = accounts.authenticate(session=session, token=token)
            roles = sorted(r.role.value for r in user.roles)
            assert user.id == user_id
        assert roles == ["mentee", "mentor"]
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, statements

    def test_an_unknown_token_is_refused(self, services: Services, mentor) -> None:
        with services.sessions() as session, pytest.raises(Unauthenticated, match="Unknown"):
            accounts.authenticate(session=session, token="mc_no-such-token")

    def test_a_revoked_token_is_refused(self, services: Services, mentor) -> None:
        with services.sessions() as session:
            user = accounts.get_by_email(session=session, email="mentor@example.org")
            issued = accounts.issue_token(session=session, user=user, name="t", actor=TEST_ACTOR)
            session.commit()
            accounts.revoke_token(session=session, token_id=issued.token.id, actor=TEST_ACTOR)
            session.commit()
        with services.sessions() as session, pytest.raises(Unauthenticated, match="revoked"):
            accounts.authenticate(session=session, token=issued.plaintext)

    def test_a_deactivated_users_token_is_refused(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        _, token = mentor
        with services.sessions() as session:
            user = accounts.get_by_email(session=session, email="mentor@example.org")
            user.is_active = False
            session.commit()
        with services.sessions() as session, pytest.raises(Unauthenticated, match="deactivated"):
            accounts.authenticate(session=session, token=token)


class TestTheUserItReturns:
    """`authenticate` reads plain rows and puts the user into the session itself: the user
    must behave as one the ORM loaded, since every request acts as it."""

    def test_it_is_in_the_session_unchanged_with_its_roles(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        user_id, token = mentor
        with services.sessions() as session, counting(services) as statements:
            user = accounts.authenticate(session=session, token=token)
            assert user in session
            assert not session.dirty and not session.new
            assert [(r.role, r.user_id, r.user is user) for r in user.roles] == [
                (Role.mentor, user_id, True),
                (Role.mentee, user_id, True),
            ]
            assert user.email == "mentor@example.org" and user.is_active
            assert session.get(User, user_id) is user
            assert [s for s in statements if s != "BEGIN"][1:] == [], statements
            # What it did not read is loaded when asked for, as for any loaded user.
            assert [t.name for t in user.tokens] == ["default"]

    def test_a_change_to_it_and_a_role_added_to_it_are_written(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        user_id, token = mentor
        with services.write_sessions() as session:
            user = accounts.authenticate(session=session, token=token)
            user.display_name = "Renamed"
            user.roles.append(RoleAssignment(role=Role.coordinator, program_id=None))
            session.commit()
        with services.sessions() as session:
            again = session.get(User, user_id)
            assert again is not None
            assert again.display_name == "Renamed"
            assert sorted(r.role.value for r in again.roles) == ["coordinator", "mentee", "mentor"]

    def test_a_user_the_session_holds_is_returned_as_the_session_has_it(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        user_id, token = mentor
        with services.sessions() as session:
            held = session.get(User, user_id)
            assert held is not None
            held.display_name = "Not yet flushed"
            user = accounts.authenticate(session=session, token=token)
            assert user is held
            assert user.display_name == "Not yet flushed"
            held.is_active = False
            with pytest.raises(Unauthenticated, match="deactivated"):
                accounts.authenticate(session=session, token=token)

    def test_a_token_revoked_in_the_same_session_is_refused(
        self, services: Services, mentor: tuple[int, str]
    ) -> None:
        _, token = mentor
        with services.sessions() as session:
            row = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == accounts.hash_token(token))
            )
            assert row is not None
            row.revoked_at = utcnow()  # not flushed: authenticate flushes first
            with pytest.raises(Unauthenticated, match="revoked"):
                accounts.authenticate(session=session, token=token)
