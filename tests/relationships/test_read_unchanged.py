"""A relationship read answers, byte for byte, what it answered before it was made cheap.

`GET /api/v1/relationships/{id}` reads the relationship and what has happened in it in
few statements and sends the read model without FastAPI validating it again. The
reference here is the read as it was built before: the program's list (which reads each
fact for many relationships at once, with the bulk queries the read used to call one by
one) rendered by FastAPI itself through `response_model`, re-validated, unset fields left
out. Every demo reader is compared on every relationship they may read, after the demo is
given the states a read shows: a circle, an unread message, an ended relationship with a
closing reflection, a pair with no session at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from companion import demo
from companion.accounts import service as accounts
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import Relationship
from companion.relationships.schemas import RelationshipPublic
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, app_for, bearer

COORDINATOR, MENTOR, MENTEE, ADMIN = (
    "mc_demo-coordinator",
    "mc_demo-mentor",
    "mc_demo-mentee",
    "mc_demo-admin",
)


def reference_app(services: Services) -> FastAPI:
    """The read as FastAPI renders a `RelationshipPublic` it is handed, from the list."""
    app = FastAPI()

    @app.get(
        "/{program_id}/{relationship_id}",
        response_model=RelationshipPublic,
        response_model_exclude_unset=True,
    )
    def read(program_id: int, relationship_id: int, token: str) -> RelationshipPublic:
        with services.sessions() as session:
            user = accounts.authenticate(session=session, token=token)
            program = relationships.get_program(
                session=session, program_id=program_id, principal=user
            )
            items, _ = relationships.list_visible(
                session=session, program=program, principal=user, limit=500
            )
            [item] = [i for i in items if i.id == relationship_id]
            return item

    return app


@dataclass
class Demo:
    client: TestClient
    reference: TestClient
    program_id: int
    relationship_ids: list[int]
    tokens: list[str]  # every demo login, and one for each member of every relationship


@pytest.fixture
def demo_states(services: Services) -> Iterator[Demo]:
    with services.sessions() as session:
        demo.load(session=session, vectors=services.profile_vectors, services=services)
        session.commit()
        program_id = session.scalar(select(Program.id).order_by(Program.id))
    lead = bearer(COORDINATOR)
    with TestClient(app_for(services)) as client:
        listed = client.get(f"/api/v1/programs/{program_id}/relationships", headers=lead)
        pairs = [r["id"] for r in listed.json()["items"]]
        circle = client.post(
            f"/api/v1/programs/{program_id}/circles",
            json={"name": "Design leads", "mentor": "E1004", "mentees": ["E1030", "E1031"]},
            headers=lead,
        )
        assert circle.status_code == 201, circle.text
        # The mentee writes twice: the mentor has two unread messages.
        own = pairs[0]
        for text in ("Could we move Thursday?", "Or Friday morning works too."):
            posted = client.post(
                f"/api/v1/relationships/{own}/messages",
                json={"body": text},
                headers=bearer(MENTEE),
            )
            assert posted.status_code == 201, posted.text
        ended = client.post(
            f"/api/v1/relationships/{pairs[1]}/end",
            json={"outcome": "ended_early", "reason": "The mentee changed roles."},
            headers=lead,
        )
        assert ended.status_code == 200, ended.text
        with services.sessions() as session:
            member_users = session.scalars(
                select(Participant.user_id)
                .where(Participant.program_id == program_id, Participant.user_id.is_not(None))
                .where(
                    Participant.id.in_(
                        select(Relationship.mentor_id).union(
                            select(Relationship.mentee_id).where(
                                Relationship.mentee_id.is_not(None)
                            )
                        )
                    )
                    | Participant.external_id.in_(["E1030", "E1031"])
                )
            ).all()
            tokens = [
                accounts.issue_token(
                    session=session,
                    user=accounts.get(session=session, user_id=user_id),
                    name="read test",
                    actor=TEST_ACTOR,
                ).plaintext
                for user_id in sorted(set(member_users))
            ]
            session.commit()
        ended_mentor = next(
            t
            for t in tokens
            if client.get(f"/api/v1/relationships/{pairs[1]}", headers=bearer(t))
            .json()
            .get("my_role")
            == "mentor"
        )
        reflected = client.put(
            f"/api/v1/relationships/{pairs[1]}/reflection",
            json={"text": "We built a plan she still uses — and she got the role."},
            headers=bearer(ended_mentor),
        )
        assert reflected.status_code == 200, reflected.text
        with TestClient(reference_app(services)) as reference:
            yield Demo(
                client,
                reference,
                program_id,
                [*pairs, circle.json()["id"]],
                [COORDINATOR, MENTOR, MENTEE, ADMIN, *tokens],
            )


def test_every_read_is_the_bytes_fastapi_rendered_before(demo_states: Demo) -> None:
    read = 0
    kinds: set[str] = set()
    for token in demo_states.tokens:
        for relationship_id in demo_states.relationship_ids:
            answer = demo_states.client.get(
                f"/api/v1/relationships/{relationship_id}", headers=bearer(token)
            )
            if answer.status_code == 404:
                continue
            assert answer.status_code == 200, answer.text
            before = demo_states.reference.get(
                f"/{demo_states.program_id}/{relationship_id}", params={"token": token}
            )
            assert answer.content == before.content, (token, relationship_id)
            assert answer.headers["content-type"] == before.headers["content-type"]
            assert answer.headers["content-length"] == before.headers["content-length"]
            body = answer.json()
            kinds.add("member" if "my_role" in body else "coordinator")
            kinds.update(
                state
                for state, shown in {
                    "circle": body["kind"] == "circle",
                    "unread": body.get("unread_messages", 0) > 0,
                    "ended": body["ended_at"] is not None,
                    "reflection": bool(body.get("closing_reflections")),
                    "next session": body["next_session"] is not None,
                    "no next session": body["next_session"] is None,
                    "stalled": body["stalled"],
                }.items()
                if shown
            )
            read += 1
    # The coordinator and the admin read all four; each member reads their own.
    assert read >= 2 * len(demo_states.relationship_ids) + 4
    assert kinds == {
        "member",
        "coordinator",
        "circle",
        "unread",
        "ended",
        "reflection",
        "next session",
        "no next session",
        "stalled",
    }


def test_a_read_costs_three_statements_whatever_the_relationship_holds(
    demo_states: Demo, services: Services
) -> None:
    """The token with its user and roles; the relationship with its members, their people
    and its program; what has happened in it (sessions by status, the next one, the last
    held, overdue action items, the reader's unread messages)."""
    for token, relationship_id in [
        (MENTOR, demo_states.relationship_ids[0]),
        (COORDINATOR, demo_states.relationship_ids[0]),
        (COORDINATOR, demo_states.relationship_ids[-1]),
    ]:
        url = f"/api/v1/relationships/{relationship_id}"
        assert demo_states.client.get(url, headers=bearer(token)).status_code == 200
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany, seen=statements):
            seen.append(statement)

        event.listen(services.quick_read_engine, "before_cursor_execute", count)
        try:
            assert demo_states.client.get(url, headers=bearer(token)).status_code == 200
        finally:
            event.remove(services.quick_read_engine, "before_cursor_execute", count)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 3, selects
        assert [
            s for s in statements if not s.lstrip().upper().startswith(("SELECT", "BEGIN"))
        ] == []
