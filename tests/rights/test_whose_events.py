"""Which audit events are a person's: their address exactly, never an address that holds
theirs ("li@" is inside "eli@"), and ids only from when the row they name began (on
SQLite an erased account's id is given to the next account)."""

from __future__ import annotations

import json

from sqlalchemy import select

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.rights import erasure
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, bearer, make_user
from tests.relationships.conftest import World


def naming(session, email: str) -> dict[int, bool]:
    """seq -> redacted, of the events whose data holds `email`."""
    return {
        e.seq: e.redacted_at is not None
        for e in session.scalars(select(AuditEvent))
        if email in json.dumps(e.data)
    }


class TestAnAddressInsideAnother:
    def test_their_data_holds_no_event_of_the_longer_address(self, world: World) -> None:
        with world.services.sessions() as session:
            _, token = make_user(session, "li@example.org", (Role.mentee, world.other))
        response = world.client.get("/api/v1/me/data", headers=bearer(token))
        assert response.status_code == 200, response.text
        events = response.json()["audit_events"]
        assert events, "their own account's creation is there"
        assert "eli@example.org" not in json.dumps(events)
        assert all("li@example.org" in json.dumps(e) or e["subject_type"] == "user" for e in events)

    def test_erasing_them_leaves_the_longer_address_s_events_alone(self, world: World) -> None:
        with world.services.sessions() as session:
            user, _ = make_user(session, "li@example.org", (Role.mentee, world.other))
            user_id = user.id
            before = naming(session, "eli@example.org")
        assert before and not any(before.values())
        with session_scope(world.services.write_sessions) as session:
            erasure.erase(session=session, principal=TEST_SYSTEM, user_id=user_id, vectors=None)
        with world.services.sessions() as session:
            assert naming(session, "eli@example.org") == before


class TestAnIdGivenAgain:
    def test_a_new_account_with_an_erased_account_s_id_holds_none_of_its_events(
        self, world: World
    ) -> None:
        with world.services.sessions() as session:
            gone, token = make_user(session, "gone@example.org", (Role.mentee, world.other))
            gone_id = gone.id
        # The erased person acts: these events carry their id, as actor and as subject.
        assert world.client.get("/api/v1/me", headers=bearer(token)).status_code == 200
        with session_scope(world.services.write_sessions) as session:
            erasure.erase(session=session, principal=TEST_SYSTEM, user_id=gone_id, vectors=None)
        with world.services.sessions() as session:
            old = {
                e.seq
                for e in session.scalars(select(AuditEvent))
                if e.actor_id == gone_id or (e.subject_type, e.subject_id) == ("user", str(gone_id))
            }
            assert old
            # What SQLite does on its own when the erased row had the highest id.
            session.add(User(id=gone_id, email="new@example.org", display_name="New"))
            session.flush()
            accounts.grant_role(
                session=session,
                user=session.get(User, gone_id),
                role=Role.mentee,
                program_id=world.other,
                actor=TEST_ACTOR,
            )
            new_token = accounts.issue_token(
                session=session, user=session.get(User, gone_id), name="t", actor=TEST_ACTOR
            ).plaintext
            session.commit()
        response = world.client.get("/api/v1/me/data", headers=bearer(new_token))
        assert response.status_code == 200, response.text
        seqs = {e["seq"] for e in response.json()["audit_events"]}
        assert seqs, "the new account's own events are there"
        assert not seqs & old
