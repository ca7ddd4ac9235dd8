"""Erasure: the person goes, what others rely on stays, the audit chain still verifies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.cli import app
from companion.db import session_scope
from companion.drafting.models import Draft
from companion.matching.models import MatchRun
from companion.notifications.models import Delivery, Kind, NotificationPreference
from companion.participants.models import Participant
from companion.relationships.models import (
    Feedback,
    Goal,
    MatchReviewRequest,
    MentoringSession,
    Message,
    PrivateNote,
    Relationship,
)
from companion.rights import erasure
from companion.rights.models import DataRightsSettings
from embeddings import content_hash
from tests.helpers import TEST_SYSTEM, make_user, point_cli_at
from tests.relationships.conftest import World

ELI_SENTENCE = "I want to grow as eli, the future lead of a data team."
OMAR_SENTENCE = "I want to grow as omar, the future lead of a data team."


def snapshot(world: World) -> dict[str, list]:
    """What the database holds, as text, for comparing before and after."""
    with world.services.sessions() as session:
        return {
            "notes": sorted(n.text for n in session.scalars(select(PrivateNote))),
            "goals": sorted(g.title for g in session.scalars(select(Goal))),
            "messages": sorted(m.body for m in session.scalars(select(Message))),
            "feedback": sorted(
                json.dumps(f.answers, sort_keys=True) for f in session.scalars(select(Feedback))
            ),
            "drafts": sorted(d.text for d in session.scalars(select(Draft))),
            "people": sorted(p.name for p in session.scalars(select(Participant))),
            "users": sorted(u.email for u in session.scalars(select(User))),
            "sessions": sorted(s.shared_notes for s in session.scalars(select(MentoringSession))),
            "relationships": sorted(r.id for r in session.scalars(select(Relationship))),
            "audit": [
                (e.seq, e.actor_label, json.dumps(e.data, sort_keys=True))
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            ],
        }


def second_pair(state: dict[str, list]) -> dict[str, list]:
    return {
        key: [v for v in values if any(n in str(v) for n in ("omar", "nora", "second"))]
        for key, values in state.items()
        if key != "audit"
    }


@pytest.fixture
def vectors(world: World, history: dict[str, int]):
    profile_vectors = world.services.profile_vectors
    profile_vectors.encode([ELI_SENTENCE, OMAR_SENTENCE])
    return profile_vectors.index


class TestErase:
    def test_erase_from_the_command_line(
        self, world: World, history: dict[str, int], vectors, monkeypatch
    ) -> None:
        before = snapshot(world)
        point_cli_at(monkeypatch, world.services.settings)
        refused = CliRunner().invoke(app, ["users", "erase", "eli@example.org"])
        assert refused.exit_code == 1 and "--yes" in refused.output
        assert snapshot(world) == before

        result = CliRunner().invoke(app, ["users", "erase", "eli@example.org", "--yes"])
        assert result.exit_code == 0, result.output
        after = snapshot(world)

        # Theirs alone: gone.
        assert "eli@example.org" not in after["users"]
        assert "eli private" not in after["notes"]
        assert "eli goal" not in after["goals"]
        assert not any(d.startswith("eli ") for d in after["drafts"])
        assert "Eli Brooks" not in after["people"]
        assert erasure.PLACEHOLDER in after["people"]
        # Shared, kept with a placeholder: the session, the thread, the ratings.
        assert "first shared notes" in after["sessions"]
        assert "first agenda" in after["drafts"]
        assert "maya private" in after["notes"] and "maya says hi" in after["messages"]
        assert "eli says hi" not in after["messages"]
        assert erasure.REMOVED_MESSAGE in after["messages"]
        ratings = [json.loads(f) for f in after["feedback"]]
        assert {"question": "Useful?", "rating": 4, "text": ""} in [a for r in ratings for a in r]
        assert after["relationships"] == before["relationships"]
        # Another pair's data is untouched.
        assert second_pair(after) == second_pair(before)

        # An earlier run's note of them as unmatched names them no more, nor does the
        # session they booked.
        with world.services.sessions() as session:
            booked = session.get(MentoringSession, history["first_session"])
            assert booked.created_by == erasure.PLACEHOLDER
            other = session.get(MentoringSession, history["second_session"])
            assert other.created_by == "omar@example.org"
            (run,) = session.scalars(select(MatchRun)).all()
            assert run.unmatched == [
                {"mentee_id": "erased", "reason": ""},
                {"mentee_id": "E3", "reason": "no mentor free on Wednesdays"},
            ]

        # The audit trail: nothing personal left, and it verifies.
        trail = json.dumps(after["audit"])
        assert "eli@example.org" not in trail and "Eli Brooks" not in trail
        with world.services.sessions() as session:
            assert audit.verify(session=session) == []
            erased = session.scalars(
                select(AuditEvent).where(AuditEvent.action == audit.ERASURE_ACTION)
            ).one()
            assert erased.subject_id == str(history["eli"])
            assert erased.data[audit.REDACTED_SEQS]
        verified = CliRunner().invoke(app, ["audit", "verify"])
        assert verified.exit_code == 0, verified.output

    def test_their_requests_to_review_the_match_go_and_others_stay(
        self, world: World, history: dict[str, int]
    ) -> None:
        with world.services.sessions() as session:
            people = {
                p.email: p
                for p in session.scalars(
                    select(Participant).where(Participant.program_id == world.pilot)
                )
            }
            for email, relationship in (
                ("eli@example.org", world.first),
                ("omar@example.org", world.second),
            ):
                session.add(
                    MatchReviewRequest(
                        program_id=world.pilot,
                        relationship_id=relationship,
                        participant_id=people[email].id,
                        requested_by=email,
                        note=f"{email} feels the match is off",
                    )
                )
            for who in ("eli", "omar"):
                session.add(
                    NotificationPreference(
                        user_id=history[who], kind=Kind.thread_messages, delivery=Delivery.off
                    )
                )
            session.commit()
        with session_scope(world.services.write_sessions) as session:
            report = erasure.erase(
                session=session, principal=TEST_SYSTEM, user_id=history["eli"], vectors=None
            )

        assert report.deleted["match_review_requests"] == 1
        with world.services.sessions() as session:
            notes = [r.note for r in session.scalars(select(MatchReviewRequest))]
            kept = [p.user_id for p in session.scalars(select(NotificationPreference))]
        assert notes == ["omar@example.org feels the match is off"]
        assert kept == [history["omar"]]  # their notification settings went with the account

    def test_vectors_go_and_tampering_with_a_redacted_event_still_fails(
        self, world: World, history: dict[str, int], vectors
    ) -> None:
        with session_scope(world.services.write_sessions) as session:
            report = erasure.erase(
                session=session, principal=_system(), user_id=history["eli"], vectors=vectors
            )
        assert report.vectors_deleted == 1
        # Vectors of their sentences are gone from the index; others' stay.
        assert vectors.get([content_hash(ELI_SENTENCE)]) == {}
        assert list(vectors.get([content_hash(OMAR_SENTENCE)])) == [content_hash(OMAR_SENTENCE)]
        with world.services.sessions() as session:
            seq = session.scalars(
                select(AuditEvent.seq).where(AuditEvent.redacted_at.is_not(None))
            ).first()
            session.execute(
                text("UPDATE audit_events SET subject_id = '999' WHERE seq = :seq"), {"seq": seq}
            )
            session.commit()
            assert [p.seq for p in audit.verify(session=session)] == [seq]

    def test_a_failure_half_way_erases_nothing(
        self, world: World, history: dict[str, int], vectors
    ) -> None:
        before = snapshot(world)

        class BrokenIndex:
            """An index whose delete fails: the last step of erasure."""

            def delete(self, ids: list[str]) -> None:
                raise RuntimeError("the vector store went away")

        with (
            pytest.raises(RuntimeError),
            session_scope(world.services.write_sessions) as session,
        ):
            erasure.erase(
                session=session, principal=_system(), user_id=history["eli"], vectors=BrokenIndex()
            )
        assert snapshot(world) == before


def _system():
    from tests.helpers import TEST_SYSTEM

    return TEST_SYSTEM


class TestWhoMayErase:
    def post(self, world: World, who_token: str, user_id: int):
        return world.client.post(
            f"/api/v1/users/{user_id}/erase", headers={"Authorization": f"Bearer {who_token}"}
        )

    def test_others_get_the_same_404_as_for_no_account(
        self, world: World, history: dict[str, int]
    ) -> None:
        for who in ("maya", "lead", "org", "omar"):
            response = self.post(world, world.tokens[who], history["eli"])
            assert response.status_code == 404, who
            assert self.post(world, world.tokens[who], 99999).json() == response.json()
        assert "eli@example.org" in snapshot(world)["users"]

    def test_self_erasure_only_where_the_program_allows_it(
        self, world: World, history: dict[str, int]
    ) -> None:
        assert self.post(world, world.tokens["eli"], history["eli"]).status_code == 403
        with world.services.sessions() as session:
            session.add(DataRightsSettings(program_id=world.pilot, allow_self_erasure=True))
            session.commit()
        response = self.post(world, world.tokens["eli"], history["eli"])
        assert response.status_code == 200, response.text
        assert "eli@example.org" not in snapshot(world)["users"]
        # Their token died with the account.
        assert world.client.get("/api/v1/me", headers=world.headers("eli")).status_code == 401

    def test_an_administrator_erases_anyone_but_themself(
        self, world: World, history: dict[str, int]
    ) -> None:
        with world.services.sessions() as session:
            admin, token = make_user(session, "admin@example.org", (Role.admin, None))
            admin_id = admin.id
        assert self.post(world, token, admin_id).status_code == 403
        response = self.post(world, token, history["omar"])
        assert response.status_code == 200, response.text
        assert response.json()["anonymised"]["profiles"] == 1
        with world.services.sessions() as session:
            assert accounts.get_by_email(session=session, email="omar@example.org") is None
            assert audit.verify(session=session) == []
