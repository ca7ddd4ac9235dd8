"""Booking both sides agree to: a member proposes a time, another member accepts, declines
or suggests another; only the members act on it, and nobody else can even see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.relationships.models import MentoringSession, SessionStatus
from tests.relationships.conftest import World

# A member of another pair, the coordinator of another program, a participant in no pair.
OUTSIDERS = ("nora", "omar", "elsewhere", "pia")


def future(days: int, hour: int = 9) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def propose(world: World, who: str, starts_at: datetime) -> dict:
    response = world.client.post(
        f"/api/v1/relationships/{world.first}/sessions",
        headers=world.headers(who),
        json={"starts_at": starts_at.isoformat()},
    )
    assert response.status_code == 201, response.json()
    return response.json()


def act(world: World, who: str, session_id: int, action: str, body: dict | None = None):
    return world.client.post(
        f"/api/v1/sessions/{session_id}/{action}", headers=world.headers(who), json=body
    )


def stored(world: World, session_id: int) -> tuple[SessionStatus, datetime, int]:
    with world.services.sessions() as session:
        row = session.get_one(MentoringSession, session_id)
        return row.status, row.starts_at, row.sequence


class TestWhoMayAnswer:
    """Written before the feature: who else could read a proposal, or act on it."""

    ANSWERS: ClassVar[dict[str, dict | None]] = {
        "accept": None,
        "decline": None,
        "suggest": {"starts_at": future(9).isoformat()},
    }

    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_get_the_same_404_as_for_no_session_at_all(
        self, world: World, who: str
    ) -> None:
        proposal = propose(world, "maya", future(7))
        before = stored(world, proposal["id"])
        for action, body in self.ANSWERS.items():
            found = act(world, who, proposal["id"], action, body)
            missing = act(world, who, 999_999, action, body)
            assert found.status_code == missing.status_code == 404, (action, found.json())
            assert found.json()["error"]["message"].replace(str(proposal["id"]), "N") == (
                missing.json()["error"]["message"].replace("999999", "N")
            )
        read = world.client.get(f"/api/v1/sessions/{proposal['id']}", headers=world.headers(who))
        withdraw = world.client.patch(
            f"/api/v1/sessions/{proposal['id']}",
            headers=world.headers(who),
            json={"status": "cancelled"},
        )
        assert read.status_code == withdraw.status_code == 404
        assert stored(world, proposal["id"]) == before, "nothing changed"

    def test_a_member_cannot_accept_their_own_proposal(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        before = stored(world, proposal["id"])
        for action, body in self.ANSWERS.items():
            own = act(world, "maya", proposal["id"], action, body)
            assert own.status_code == 409, (action, own.json())
            assert "Eli Brooks" in own.json()["error"]["message"], "says who it waits for"
        assert stored(world, proposal["id"]) == before

    @pytest.mark.parametrize("who", ["lead", "org"])
    def test_the_programs_coordinators_see_the_state_but_do_not_answer(
        self, world: World, who: str
    ) -> None:
        proposal = propose(world, "maya", future(7))
        seen = world.client.get(f"/api/v1/sessions/{proposal['id']}", headers=world.headers(who))
        assert seen.status_code == 200
        body = seen.json()
        assert (body["status"], body["proposed_by"], body["awaiting"]) == (
            "proposed",
            "Maya Berg",
            ["Eli Brooks"],
        )
        assert body["awaiting_me"] is False
        assert "shared_notes" not in body and "action_items" not in body
        for action, payload in self.ANSWERS.items():
            refused = act(world, who, proposal["id"], action, payload)
            assert refused.status_code == 403, (action, refused.json())
        moved = world.client.patch(
            f"/api/v1/sessions/{proposal['id']}",
            headers=world.headers(who),
            json={"status": "cancelled"},
        )
        assert moved.status_code == 403
        assert stored(world, proposal["id"])[0] == SessionStatus.proposed


class TestProposals:
    def test_a_members_time_waits_for_the_other_member(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        assert proposal["status"] == "proposed"
        assert proposal["proposed_by"] == "Maya Berg" and proposal["proposed_at"] is not None
        assert proposal["awaiting"] == ["Eli Brooks"] and proposal["awaiting_me"] is False
        assert proposal["confirmed_at"] is None
        seen = world.client.get(
            f"/api/v1/sessions/{proposal['id']}", headers=world.headers("eli")
        ).json()
        assert seen["awaiting_me"] is True

    def test_a_suggestion_waits_for_the_first_member_who_then_accepts(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        suggested = act(
            world, "eli", proposal["id"], "suggest", {"starts_at": future(8, 10).isoformat()}
        )
        assert suggested.status_code == 200, suggested.json()
        body = suggested.json()
        assert (body["status"], body["proposed_by"], body["awaiting"]) == (
            "proposed",
            "Eli Brooks",
            ["Maya Berg"],
        )
        assert act(world, "eli", proposal["id"], "accept").status_code == 409, "now Maya's turn"
        accepted = act(world, "maya", proposal["id"], "accept")
        assert accepted.status_code == 200, accepted.json()
        body = accepted.json()
        assert body["status"] == "scheduled" and body["awaiting"] == []
        assert body["confirmed_at"] is not None
        status, starts_at, sequence = stored(world, proposal["id"])
        assert (status, starts_at, sequence) == (SessionStatus.scheduled, future(8, 10), 2)
        again = act(world, "maya", proposal["id"], "accept")
        assert again.status_code == 409, "a confirmed session waits for nobody"
        with world.services.sessions() as session:
            actions = session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "mentoring_sessions")
                .order_by(AuditEvent.seq)
            ).all()
        assert actions == ["sessions.proposed", "sessions.proposed", "sessions.confirmed"]

    def test_declined_and_withdrawn(self, world: World) -> None:
        first = propose(world, "eli", future(7))
        declined = act(world, "maya", first["id"], "decline")
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
        assert act(world, "maya", first["id"], "accept").status_code == 409
        # The declined time is free again, for a new proposal.
        second = propose(world, "eli", future(7))
        taken_by_the_other = world.client.patch(
            f"/api/v1/sessions/{second['id']}",
            headers=world.headers("maya"),
            json={"status": "cancelled"},
        )
        assert taken_by_the_other.status_code == 409, "Maya answers it; she does not cancel it"
        moved = world.client.patch(
            f"/api/v1/sessions/{second['id']}",
            headers=world.headers("eli"),
            json={"starts_at": future(10).isoformat()},
        )
        assert moved.status_code == 409, "a proposal is answered, not moved"
        withdrawn = world.client.patch(
            f"/api/v1/sessions/{second['id']}",
            headers=world.headers("eli"),
            json={"status": "cancelled"},
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"

    def test_a_proposal_holds_its_time_against_overlaps(self, world: World) -> None:
        propose(world, "maya", future(7))
        overlap = world.client.post(
            f"/api/v1/relationships/{world.first}/sessions",
            headers=world.headers("eli"),
            json={"starts_at": (future(7) + timedelta(minutes=15)).isoformat()},
        )
        assert (
            overlap.status_code == 409 and "already proposed" in overlap.json()["error"]["message"]
        )

    def test_a_suggestion_in_the_past_names_the_field(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        past = act(
            world,
            "eli",
            proposal["id"],
            "suggest",
            {"starts_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()},
        )
        assert past.status_code == 422
        assert past.json()["error"]["details"][0]["field"] == "starts_at"
        assert stored(world, proposal["id"])[0] == SessionStatus.proposed

    def test_a_coordinator_books_outright_and_a_past_session_is_recorded(
        self, world: World
    ) -> None:
        booked = world.client.post(
            f"/api/v1/relationships/{world.first}/sessions",
            headers=world.headers("lead"),
            json={"starts_at": future(5).isoformat()},
        ).json()
        assert booked["status"] == "scheduled" and booked["proposed_by"] is None
        recorded = propose(world, "maya", datetime.now(UTC) - timedelta(days=2))
        assert recorded["status"] == "scheduled", "what already happened needs no answer"

    def test_ending_the_relationship_cancels_open_proposals(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        ended = world.client.post(
            f"/api/v1/relationships/{world.first}/end",
            headers=world.headers("lead"),
            json={"outcome": "completed"},
        )
        assert ended.status_code == 200, ended.json()
        assert stored(world, proposal["id"])[0] == SessionStatus.cancelled


class TestTheirData:
    def test_each_members_copy_of_their_data_says_who_proposed(self, world: World) -> None:
        proposal = propose(world, "maya", future(7))
        act(world, "eli", proposal["id"], "accept")
        copies = {
            who: world.client.get("/api/v1/me/data", headers=world.headers(who)).json()
            for who in ("maya", "eli")
        }
        for who, proposed in (("maya", True), ("eli", False)):
            (entry,) = [s for s in copies[who]["sessions"] if s["id"] == proposal["id"]]
            assert entry["proposed_by_you"] is proposed
            assert entry["proposed_at"] is not None and entry["confirmed_at"] is not None
