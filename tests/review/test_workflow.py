"""The review workflow over HTTP: decisions, edits, four eyes, stories, withdrawal, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from companion.audit.models import AuditEvent
from companion.drafting.models import Draft
from companion.relationships.models import MemberRole, RelationshipMember
from tests.relationships.conftest import World


def ask(world: World, who: str, **body) -> dict:
    response = world.client.post("/api/v1/drafts", headers=world.headers(who), json=body)
    assert response.status_code == 201, response.json()
    return response.json()


def decide(world: World, who: str, draft: dict, action: str, **extra):
    return world.client.post(
        f"/api/v1/review/drafts/{draft['id']}/decisions",
        headers=world.headers(who),
        json={"action": action, "version": draft["version"], **extra},
    )


def book(world: World, days: int = 3) -> int:
    starts = (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    response = world.client.post(
        f"/api/v1/relationships/{world.first}/sessions",
        headers=world.headers("maya"),
        json={"starts_at": starts.isoformat()},
    )
    assert response.status_code == 201
    session_id = response.json()["id"]
    # Maya's time waits for Eli; he accepts, so the session is booked.
    accepted = world.client.post(
        f"/api/v1/sessions/{session_id}/accept", headers=world.headers("eli")
    )
    assert accepted.status_code == 200, accepted.json()
    return session_id


def session_view(world: World, who: str, session_id: int) -> dict:
    return world.client.get(f"/api/v1/sessions/{session_id}", headers=world.headers(who)).json()


def transitions(world: World, draft_id: int) -> list[str]:
    with world.services.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "draft", AuditEvent.subject_id == str(draft_id))
                .where(AuditEvent.action.like("review.%"))
                .order_by(AuditEvent.seq)
            )
        )


class TestAgenda:
    def test_the_mentee_sees_the_agenda_only_once_approved(self, world: World) -> None:
        session_id = book(world)
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        first_objective = draft["content"]["objectives"][0]
        url = f"/api/v1/drafts/{draft['id']}"
        assert world.client.get(url, headers=world.headers("eli")).status_code == 404
        assert session_view(world, "eli", session_id)["agenda"] is None
        assert (
            world.client.get("/api/v1/me/deliveries", headers=world.headers("eli")).json()["items"]
            == []
        )
        queue = world.client.get("/api/v1/review/queue", headers=world.headers("maya")).json()
        assert [d["id"] for d in queue["items"]] == [draft["id"]]
        assert queue["items"][0]["given_sources"] is not None

        approved = decide(world, "maya", draft, "approve")
        assert approved.status_code == 200, approved.json()
        assert approved.json()["status"] == "delivered"
        agenda = session_view(world, "eli", session_id)["agenda"]
        assert agenda["content"]["objectives"][0] == first_objective
        delivered = world.client.get(url, headers=world.headers("eli")).json()
        assert delivered["text"] == approved.json()["text"]
        assert transitions(world, draft["id"]) == ["review.approve", "review.deliver"]
        # The calendar entry carries the approved agenda.
        ics = world.client.get(
            f"/api/v1/sessions/{session_id}/calendar.ics", headers=world.headers("eli")
        )
        [event] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
        assert first_objective[:40] in str(event["DESCRIPTION"]).replace("\n", " ")

    def test_the_calendar_entry_holds_the_agenda_for_members_only(self, world: World) -> None:
        # A coordinator may read the session (its time, its members) but not its agenda,
        # which may quote the pair's notes and goals: not in the JSON, nor in the .ics.
        session_id = book(world)
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        assert decide(world, "maya", draft, "approve").status_code == 200
        objective = draft["content"]["objectives"][0][:40]
        assert session_view(world, "lead", session_id)["agenda"] is None
        ics = world.client.get(
            f"/api/v1/sessions/{session_id}/calendar.ics", headers=world.headers("lead")
        )
        assert ics.status_code == 200
        [event] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
        assert objective not in str(event["DESCRIPTION"]).replace("\n", " ")
        assert draft["text"][:30] not in ics.text

    def test_an_edit_keeps_the_original_for_reviewers_only(self, world: World) -> None:
        session_id = book(world)
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        original = draft["content"]["objectives"][0]
        edited = {**draft["content"], "objectives": ["Rehearse the guild talk, start to end"]}
        response = decide(world, "maya", draft, "approve", content=edited)
        assert response.status_code == 200, response.json()
        review = world.client.get(
            f"/api/v1/drafts/{draft['id']}", headers=world.headers("maya")
        ).json()
        assert review["edited"] and review["edited_by"] == "maya@example.org"
        assert original in review["original_text"] and "Rehearse" in review["diff"]
        for view in (
            world.client.get(f"/api/v1/drafts/{draft['id']}", headers=world.headers("eli")),
            world.client.get(f"/api/v1/sessions/{session_id}", headers=world.headers("eli")),
            world.client.get("/api/v1/me/deliveries", headers=world.headers("eli")),
        ):
            assert "Rehearse the guild talk" in view.text
            assert original not in view.text

    def test_an_edit_that_breaks_the_kind_is_refused_by_field(self, world: World) -> None:
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        broken = {**draft["content"], "items": [{"minutes": 5, "topic": "Only this"}] * 2}
        response = decide(world, "maya", draft, "edit", content=broken)
        assert response.status_code == 422
        assert "45 minutes" in response.json()["error"]["message"]


class TestDecisions:
    def test_stale_and_invalid_decisions_change_nothing(self, world: World) -> None:
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        changes = decide(world, "maya", draft, "request_changes", note="Shorter please")
        assert changes.json()["status"] == "changes_requested"
        stale = decide(world, "maya", draft, "approve")  # names version 1, now 2
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
        current = changes.json()
        invalid = decide(world, "maya", current, "approve")
        assert invalid.status_code == 409
        assert invalid.json()["error"]["code"] == "invalid_transition"
        regenerated = decide(world, "maya", current, "regenerate")
        assert regenerated.json()["status"] == "pending_review"
        assert transitions(world, draft["id"]) == ["review.request_changes", "review.regenerate"]

    def test_approving_twice_is_idempotent(self, world: World) -> None:
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        first = decide(world, "maya", draft, "approve")
        again = decide(world, "maya", draft, "approve")
        assert first.status_code == again.status_code == 200
        assert again.json()["status"] == "delivered"
        assert transitions(world, draft["id"]) == ["review.approve", "review.deliver"]

    def test_who_may_decide(self, world: World) -> None:
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        for who in ("eli", "nora", "omar", "pia", "elsewhere"):
            assert decide(world, who, draft, "approve").status_code == 404, who
        assert decide(world, "lead", draft, "reject").json()["status"] == "rejected"

    def test_withdrawal_pulls_a_delivered_draft_back(self, world: World) -> None:
        session_id = book(world)
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        delivered = decide(world, "maya", draft, "approve").json()
        withdrawn = decide(world, "lead", delivered, "withdraw")
        assert withdrawn.json()["status"] == "withdrawn"
        assert session_view(world, "eli", session_id)["agenda"] is None
        mine = world.client.get("/api/v1/me/deliveries", headers=world.headers("eli")).json()
        assert mine["items"] == []
        url = f"/api/v1/drafts/{draft['id']}"
        assert world.client.get(url, headers=world.headers("eli")).status_code == 404


class TestGoalsAndStories:
    def test_an_approved_smart_goal_becomes_the_mentees_goal_private_until_shared(
        self, world: World
    ) -> None:
        draft = ask(
            world,
            "eli",
            kind="smart_goal",
            relationship_id=world.first,
            text="I want to lead the design review of our retry job",
        )
        goals = f"/api/v1/relationships/{world.first}/goals"
        assert world.client.get(goals, headers=world.headers("maya")).json()["items"] == []
        assert decide(world, "maya", draft, "approve").status_code == 404
        assert decide(world, "eli", draft, "approve").json()["status"] == "delivered"
        # Approved is not shared: the mentor sees nothing until Eli shares it.
        assert world.client.get(goals, headers=world.headers("maya")).json()["items"] == []
        [own] = world.client.get(goals, headers=world.headers("eli")).json()["items"]
        assert (own["title"], own["visibility"]) == (draft["content"]["goal"][:300], "private")
        shared = world.client.patch(
            f"{goals}/{own['id']}", json={"visibility": "mentor"}, headers=world.headers("eli")
        )
        assert shared.status_code == 200, shared.json()
        [goal] = world.client.get(goals, headers=world.headers("maya")).json()["items"]
        assert goal["visibility"] == "mentor"

    def test_four_eyes_needs_a_coordinator_too(self, world: World) -> None:
        switched = world.client.patch(
            f"/api/v1/programs/{world.pilot}",
            headers=world.headers("lead"),
            json={"four_eyes": True},
        )
        assert switched.status_code == 200 and switched.json()["four_eyes"] is True
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        waiting = decide(world, "maya", draft, "approve").json()
        assert waiting["status"] == "pending_review"
        assert waiting["waiting_for"] == ["a coordinator (four eyes)"]
        lead_queue = world.client.get("/api/v1/review/queue", headers=world.headers("lead"))
        assert [d["id"] for d in lead_queue.json()["items"]] == [draft["id"]]
        done = decide(world, "lead", waiting, "approve").json()
        assert done["status"] == "delivered"
        assert transitions(world, draft["id"]) == [
            "review.approval_recorded",
            "review.approve",
            "review.deliver",
        ]

    @staticmethod
    def achieved_goal(world: World, visibility: str) -> dict:
        with world.services.sessions() as session:
            for member in session.scalars(
                select(RelationshipMember).where(RelationshipMember.relationship_id == world.first)
            ):
                member.story_consent = True
                member.closing_reflection = f"What {member.role.value} learned."
            session.commit()
        goal = world.client.post(
            f"/api/v1/relationships/{world.first}/goals",
            headers=world.headers("eli"),
            json={"title": "Lead a design review", "status": "active", "visibility": visibility},
        ).json()
        world.client.patch(
            f"/api/v1/relationships/{world.first}/goals/{goal['id']}",
            headers=world.headers("eli"),
            json={"status": "achieved"},
        )
        return goal

    @pytest.mark.parametrize("visibility", ["private", "mentor"])
    def test_a_story_is_only_of_a_goal_shared_with_the_program(
        self, world: World, visibility: str
    ) -> None:
        # The story goes to everyone in the program, its coordinator first: a goal its
        # mentee kept to themselves (or to their mentor) is not the program's to tell.
        goal = self.achieved_goal(world, visibility)
        response = world.client.post(
            "/api/v1/drafts",
            headers=world.headers("lead"),
            json={"kind": "success_story", "relationship_id": world.first, "goal_id": goal["id"]},
        )
        assert response.status_code == 409, response.json()
        message = response.json()["error"]["message"]
        assert "not shared with the program" in message
        assert "Lead a design review" not in response.text
        with world.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Draft)) == 0

    def test_a_story_is_delivered_only_after_both_members_approve(self, world: World) -> None:
        goal = self.achieved_goal(world, "program")
        draft = ask(
            world, "lead", kind="success_story", relationship_id=world.first, goal_id=goal["id"]
        )
        approved = decide(world, "lead", draft, "approve").json()
        assert approved["status"] == "approved"
        assert approved["waiting_for"] == ["Maya Berg", "Eli Brooks"]
        pia = world.client.get("/api/v1/me/deliveries", headers=world.headers("pia")).json()
        assert pia["items"] == []
        maya = decide(world, "maya", approved, "approve").json()
        assert maya["status"] == "approved"
        eli = decide(world, "eli", maya, "approve").json()
        assert eli["status"] == "delivered"
        pia = world.client.get("/api/v1/me/deliveries", headers=world.headers("pia")).json()
        assert [d["kind"] for d in pia["items"]] == ["success_story"]


class TestConcurrency:
    def test_of_two_simultaneous_decisions_exactly_one_wins(self, world: World) -> None:
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        barrier = threading.Barrier(2)
        results: dict[str, int] = {}

        def act(who: str, action: str) -> None:
            barrier.wait()
            results[who] = decide(world, who, draft, action).status_code

        threads = [
            threading.Thread(target=act, args=("maya", "approve")),
            threading.Thread(target=act, args=("lead", "reject")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results.values()) == [200, 409], results
        with world.services.sessions() as session:
            decisions = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.in_(["review.approve", "review.reject"]))
            )
        assert decisions == 1

    def test_bulk_approval_reports_each_draft(self, world: World) -> None:
        first = ask(world, "lead", kind="nudge", relationship_id=world.first)
        second = ask(world, "lead", kind="nudge", relationship_id=world.second)
        response = world.client.post(
            "/api/v1/review/bulk-approve",
            headers=world.headers("lead"),
            json={
                "drafts": [{"id": first["id"], "version": 1}, {"id": second["id"], "version": 7}]
            },
        )
        assert response.json()["approved"] == 1
        [ok, stale] = response.json()["results"]
        assert ok["ok"] and not stale["ok"] and stale["error"] == "conflict"
        assert (
            world.client.post(
                "/api/v1/review/bulk-approve",
                headers=world.headers("maya"),
                json={"drafts": [{"id": second["id"], "version": 1}]},
            ).status_code
            == 403
        )


@pytest.mark.parametrize("role", [MemberRole.mentor, MemberRole.mentee])
def test_members_get_nudges_only_after_a_coordinator_approves(world: World, role) -> None:
    who = "maya" if role == MemberRole.mentor else "eli"
    draft = ask(world, "lead", kind="nudge", relationship_id=world.first)
    inbox = "/api/v1/me/deliveries"
    assert world.client.get(inbox, headers=world.headers(who)).json()["items"] == []
    decide(world, "lead", draft, "approve")
    [nudge] = world.client.get(inbox, headers=world.headers(who)).json()["items"]
    assert nudge["text"] == draft["text"]


PAIR_ONLY_GOAL = "Rebuild trust with my manager after the reorg"
PAIR_ONLY_ACTION = "Draft the note to Priya about the billing handover"


def share_pair_only_material(world: World) -> None:
    """A goal shared only with the mentor and an open action item: coordinators may read neither."""
    goal = world.client.post(
        f"/api/v1/relationships/{world.first}/goals",
        headers=world.headers("eli"),
        json={"title": PAIR_ONLY_GOAL, "status": "active", "visibility": "mentor"},
    )
    assert goal.status_code == 201, goal.json()
    action = world.client.post(
        f"/api/v1/relationships/{world.first}/action-items",
        headers=world.headers("maya"),
        json={"text": PAIR_ONLY_ACTION, "owner": "E1"},
    )
    assert action.status_code == 201, action.json()
    relationship = f"/api/v1/relationships/{world.first}"
    seen = world.client.get(
        f"{relationship}/goals/{goal.json()['id']}", headers=world.headers("lead")
    )
    assert PAIR_ONLY_GOAL not in seen.text  # status and progress only
    actions = world.client.get(f"{relationship}/action-items", headers=world.headers("lead"))
    assert actions.status_code == 403


def four_eyes(world: World) -> None:
    switched = world.client.patch(
        f"/api/v1/programs/{world.pilot}", headers=world.headers("lead"), json={"four_eyes": True}
    )
    assert switched.status_code == 200


class TestWhatCoordinatorsMayRead:
    """A coordinator reviews only drafts made from what a coordinator may read."""

    def test_a_brief_quoting_the_pairs_material_is_for_the_mentor_alone(self, world: World) -> None:
        share_pair_only_material(world)
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        assert draft["members_only"] is True
        assert PAIR_ONLY_GOAL in draft["text"] or PAIR_ONLY_ACTION in draft["text"]
        url = f"/api/v1/drafts/{draft['id']}"
        assert world.client.get(url, headers=world.headers("lead")).status_code == 404
        queue = world.client.get("/api/v1/review/queue", headers=world.headers("lead")).json()
        assert draft["id"] not in [d["id"] for d in queue["items"]]
        assert decide(world, "lead", draft, "approve").status_code == 404
        assert decide(world, "maya", draft, "approve").json()["status"] == "delivered"

    def test_a_nudge_never_quotes_the_pairs_material(self, world: World) -> None:
        share_pair_only_material(world)
        draft = ask(world, "lead", kind="nudge", relationship_id=world.first)
        assert draft["members_only"] is False
        assert PAIR_ONLY_GOAL not in str(draft) and PAIR_ONLY_ACTION not in str(draft)

    def test_under_four_eyes_drafts_leave_the_pairs_material_out(self, world: World) -> None:
        share_pair_only_material(world)
        four_eyes(world)
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        assert draft["members_only"] is False
        assert PAIR_ONLY_GOAL not in str(draft) and PAIR_ONLY_ACTION not in str(draft)
        waiting = decide(world, "maya", draft, "approve").json()
        assert waiting["waiting_for"] == ["a coordinator (four eyes)"]
        assert decide(world, "lead", waiting, "approve").json()["status"] == "delivered"

    def test_a_draft_made_before_four_eyes_is_regenerated_to_be_approved(
        self, world: World
    ) -> None:
        share_pair_only_material(world)
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        four_eyes(world)
        refused = decide(world, "maya", draft, "approve")
        assert refused.status_code == 409
        assert "Request changes and regenerate it" in refused.json()["error"]["message"]
        assert transitions(world, draft["id"]) == []
        changes = decide(world, "maya", draft, "request_changes", note="four eyes now").json()
        again = decide(world, "maya", changes, "regenerate").json()
        assert again["members_only"] is False and again["status"] == "pending_review"
        assert PAIR_ONLY_GOAL not in again["text"] and PAIR_ONLY_ACTION not in again["text"]
        waiting = decide(world, "maya", again, "approve").json()
        assert decide(world, "lead", waiting, "approve").json()["status"] == "delivered"


def held_session(world: World) -> int:
    from companion.relationships.models import MentoringSession, SessionStatus

    with world.services.sessions() as session:
        row = MentoringSession(
            relationship_id=world.first,
            starts_at=datetime.now(UTC) - timedelta(days=1),
            duration_minutes=45,
            status=SessionStatus.held,
            created_by="test",
        )
        session.add(row)
        session.commit()
        return row.id


class TestFeedbackPrompts:
    def test_delivered_prompts_become_the_sessions_questions_for_each_role(
        self, world: World
    ) -> None:
        session_id = held_session(world)
        url = f"/api/v1/sessions/{session_id}/feedback"
        defaults = world.client.get(url, headers=world.headers("eli")).json()["questions"]
        draft = ask(world, "maya", kind="feedback_prompts", relationship_id=world.first)
        # Not before review: the questions are still the program's.
        assert world.client.get(url, headers=world.headers("eli")).json()["questions"] == defaults
        assert decide(world, "maya", draft, "approve").json()["status"] == "delivered"

        content = draft["content"]
        assert (
            world.client.get(url, headers=world.headers("eli")).json()["questions"]
            == (content["for_mentee"])
        )
        assert (
            world.client.get(url, headers=world.headers("maya")).json()["questions"]
            == (content["for_mentor"])
        )
        given = [{"rating": 4, "text": ""} for _ in content["for_mentee"]]
        answered = world.client.put(url, headers=world.headers("eli"), json={"answers": given})
        assert answered.status_code == 201, answered.json()

    def test_questions_already_answered_are_not_replaced(self, world: World) -> None:
        session_id = held_session(world)
        url = f"/api/v1/sessions/{session_id}/feedback"
        first = ask(world, "maya", kind="feedback_prompts", relationship_id=world.first)
        later = ask(world, "maya", kind="feedback_prompts", relationship_id=world.first)
        decide(world, "maya", first, "approve")
        questions = world.client.get(url, headers=world.headers("eli")).json()["questions"]
        given = [{"rating": 3, "text": ""} for _ in questions]
        assert (
            world.client.put(url, headers=world.headers("eli"), json={"answers": given}).status_code
            == 201
        )
        edited = {**later["content"], "for_mentee": ["Changed one?", "Changed two?"]}
        assert (
            decide(world, "maya", later, "approve", content=edited).json()["status"] == "delivered"
        )
        assert world.client.get(url, headers=world.headers("eli")).json()["questions"] == questions
