"""A mentee's goals over real HTTP: SMART parts, check-ins, milestones, sharing, assessment."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.accounts.principal import System
from companion.audit.models import AuditEvent
from companion.programs.models import Program
from companion.relationships import access
from companion.relationships import service as relationships
from companion.relationships.models import RelationshipStatus
from tests.helpers import TEST_ACTOR, bearer
from tests.relationships.conftest import World

TITLE = "Lead the quarterly planning review"
SMART = {
    "specific": "Run the Q3 planning meeting for my whole team",
    "measurable": "Agenda sent, meeting held, decisions written up",
    "achievable": "My manager has agreed to hand the meeting over",
    "relevant": "Leading meetings is the gap in my promotion case",
    "time_bound": "Before the end of September",
}
NOTE = "Drafted the agenda together with my manager"
MILESTONE = "Send the draft agenda to the team"
STATUS_ONLY = {
    "id",
    "status",
    "progress",
    "visibility",
    "target_date",
    "created_at",
    "updated_at",
    "final_outcome",
}
GOAL_TEXT = (TITLE, *SMART.values(), NOTE, MILESTONE)


def goals_url(relationship_id: int, *rest: int | str) -> str:
    return "/".join([f"/api/v1/relationships/{relationship_id}/goals", *map(str, rest)])


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def set_goal(world: World, **overrides: Any) -> dict[str, Any]:
    """Eli's goal in the first pair, with every SMART part, one milestone and one check-in."""
    body = {
        "title": TITLE,
        **SMART,
        "target_date": in_days(60),
        "milestones": [{"text": MILESTONE, "due_date": in_days(20)}],
        **overrides,
    }
    created = world.client.post(goals_url(world.first), json=body, headers=world.headers("eli"))
    assert created.status_code == 201, created.json()
    goal = created.json()
    checked = world.client.post(
        goals_url(world.first, goal["id"], "check-ins"),
        json={"progress": 30, "note": NOTE},
        headers=world.headers("eli"),
    )
    assert checked.status_code == 201, checked.json()
    return checked.json()


def share(world: World, goal_id: int, visibility: str) -> None:
    response = world.client.patch(
        goals_url(world.first, goal_id),
        json={"visibility": visibility},
        headers=world.headers("eli"),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["visibility"] == visibility


def fields_of(response: Response) -> list[str]:
    assert response.status_code == 422, response.json()
    return [d["field"] for d in response.json()["error"]["details"]]


def assert_no_goal_text(response: Response) -> None:
    for text in GOAL_TEXT:
        assert text not in response.text


def end_first_pair(world: World) -> None:
    with world.services.sessions() as session:
        eli = accounts.get_by_email(session=session, email="eli@example.org")
        view = access.view(session=session, relationship_id=world.first, principal=eli)
        relationships.end(view=view, outcome=RelationshipStatus.completed)
        session.commit()


def audit_events(world: World) -> list[AuditEvent]:
    with world.services.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("goals.%")).order_by(AuditEvent.seq)
            ).all()
        )


class TestCreate:
    def test_the_mentee_sets_a_goal_whose_five_smart_parts_read_back(self, world: World) -> None:
        created = world.client.post(
            goals_url(world.first),
            json={
                "title": TITLE,
                **SMART,
                "target_date": in_days(60),
                "milestones": [{"text": MILESTONE, "due_date": in_days(20)}],
            },
            headers=world.headers("eli"),
        )
        assert created.status_code == 201, created.json()
        goal_id = created.json()["id"]

        goal = world.client.get(goals_url(world.first, goal_id), headers=world.headers("eli"))

        assert goal.status_code == 200, goal.json()
        body = goal.json()
        assert body["title"] == TITLE
        assert {part: body[part] for part in SMART} == SMART
        assert body["mentee_id"] == "E1"
        assert body["target_date"] == in_days(60)
        assert (body["status"], body["visibility"], body["progress"]) == ("draft", "private", 0)
        assert [(m["text"], m["due_date"], m["done"]) for m in body["milestones"]] == [
            (MILESTONE, in_days(20), False)
        ]
        assert body["check_ins"] == []
        assert body["final_outcome"] is None

    def test_an_empty_title_is_refused_naming_the_field(self, world: World) -> None:
        for title in ("", "   "):
            response = world.client.post(
                goals_url(world.first), json={"title": title}, headers=world.headers("eli")
            )
            assert fields_of(response) == ["title"]

    def test_each_problem_names_its_field(self, world: World) -> None:
        response = world.client.post(
            goals_url(world.first),
            json={
                "title": TITLE,
                "target_date": in_days(30),
                "milestones": [
                    {"text": "First step", "due_date": in_days(10)},
                    {"text": "Second step", "due_date": in_days(31)},
                ],
            },
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["milestones[1].due_date"]
        assert "after the goal's target date" in response.json()["error"]["message"]

    def test_a_target_date_before_the_relationship_started_is_refused(self, world: World) -> None:
        response = world.client.post(
            goals_url(world.first),
            json={"title": TITLE, "target_date": in_days(-1)},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["target_date"]

    def test_a_new_goal_cannot_start_achieved(self, world: World) -> None:
        response = world.client.post(
            goals_url(world.first),
            json={"title": TITLE, "status": "achieved"},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["status"]

    def test_unknown_fields_are_refused(self, world: World) -> None:
        response = world.client.post(
            goals_url(world.first),
            json={"title": TITLE, "progress": 50},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["progress"]

    @pytest.mark.parametrize("who", ["maya", "lead", "org"])
    def test_mentors_and_coordinators_cannot_set_goals(self, world: World, who: str) -> None:
        response = world.client.post(
            goals_url(world.first), json={"title": TITLE}, headers=world.headers(who)
        )
        assert response.status_code == 403, response.json()
        assert "Only a mentee" in response.json()["error"]["message"]

    def test_a_mentee_cannot_set_a_goal_for_someone_else(self, world: World) -> None:
        response = world.client.post(
            goals_url(world.first),
            json={"title": TITLE, "mentee": "M1"},
            headers=world.headers("eli"),
        )
        assert response.status_code == 403, response.json()

    def test_no_goals_are_set_once_the_relationship_has_ended(self, world: World) -> None:
        end_first_pair(world)
        response = world.client.post(
            goals_url(world.first), json={"title": TITLE}, headers=world.headers("eli")
        )
        assert response.status_code == 409, response.json()


class TestVisibility:
    def test_a_private_goal_is_hidden_from_the_mentor(self, world: World) -> None:
        goal = set_goal(world)

        listed = world.client.get(goals_url(world.first), headers=world.headers("maya"))
        fetched = world.client.get(
            goals_url(world.first, goal["id"]), headers=world.headers("maya")
        )

        assert listed.status_code == 200, listed.json()
        assert listed.json()["items"] == []
        assert listed.json()["total"] == 0
        assert fetched.status_code == 404, fetched.json()
        assert_no_goal_text(fetched)

    def test_the_mentee_sees_everything_of_their_own_goal(self, world: World) -> None:
        goal = set_goal(world)

        listed = world.client.get(goals_url(world.first), headers=world.headers("eli")).json()

        assert listed["total"] == 1
        (item,) = listed["items"]
        assert item["id"] == goal["id"]
        assert item["title"] == TITLE
        assert [c["note"] for c in item["check_ins"]] == [NOTE]

    @pytest.mark.parametrize("who", ["lead", "org"])
    def test_coordinators_see_only_status_and_progress_of_an_unshared_goal(
        self, world: World, who: str
    ) -> None:
        goal = set_goal(world)

        listed = world.client.get(goals_url(world.first), headers=world.headers(who))
        fetched = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers(who))

        assert listed.status_code == 200, listed.json()
        assert fetched.status_code == 200, fetched.json()
        (item,) = listed.json()["items"]
        assert set(item) == STATUS_ONLY
        assert fetched.json() == item
        assert (item["status"], item["progress"]) == ("active", 30)
        assert_no_goal_text(listed)
        assert_no_goal_text(fetched)

    def test_shared_with_the_mentor_the_mentor_reads_it_and_coordinators_still_do_not(
        self, world: World
    ) -> None:
        goal = set_goal(world)
        share(world, goal["id"], "mentor")

        mentor = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("maya"))
        listed = world.client.get(goals_url(world.first), headers=world.headers("maya"))
        lead = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("lead"))

        assert mentor.status_code == 200, mentor.json()
        assert mentor.json()["title"] == TITLE
        assert mentor.json()["specific"] == SMART["specific"]
        assert [c["note"] for c in mentor.json()["check_ins"]] == [NOTE]
        assert [g["id"] for g in listed.json()["items"]] == [goal["id"]]
        assert set(lead.json()) == STATUS_ONLY
        assert_no_goal_text(lead)

    def test_shared_with_the_program_coordinators_read_it_but_not_check_in_notes(
        self, world: World
    ) -> None:
        goal = set_goal(world)
        share(world, goal["id"], "program")

        lead = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("lead"))

        assert lead.status_code == 200, lead.json()
        body = lead.json()
        assert body["title"] == TITLE
        assert {part: body[part] for part in SMART} == SMART
        assert [m["text"] for m in body["milestones"]] == [MILESTONE]
        assert [c["progress"] for c in body["check_ins"]] == [30]
        assert all("note" not in c for c in body["check_ins"])
        assert NOTE not in lead.text

    def test_sharing_can_be_taken_back(self, world: World) -> None:
        goal = set_goal(world)
        share(world, goal["id"], "program")
        share(world, goal["id"], "private")

        mentor = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("maya"))
        lead = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("lead"))

        assert mentor.status_code == 404
        assert set(lead.json()) == STATUS_ONLY

    @pytest.mark.parametrize("who", ["nora", "omar", "pia", "elsewhere"])
    @pytest.mark.parametrize("visibility", ["private", "program"])
    def test_everyone_else_is_told_nothing_exists(
        self, world: World, who: str, visibility: str
    ) -> None:
        goal = set_goal(world, visibility=visibility)

        listed = world.client.get(goals_url(world.first), headers=world.headers(who))
        fetched = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers(who))

        assert listed.status_code == 404, listed.json()
        assert fetched.status_code == 404, fetched.json()
        assert_no_goal_text(listed)
        assert_no_goal_text(fetched)

    @pytest.mark.parametrize("who", ["omar", "nora", "lead"])
    def test_a_goal_is_not_found_through_another_relationship(self, world: World, who: str) -> None:
        goal = set_goal(world, visibility="program")

        fetched = world.client.get(goals_url(world.second, goal["id"]), headers=world.headers(who))
        changed = world.client.patch(
            goals_url(world.second, goal["id"]),
            json={"title": "Taken over"},
            headers=world.headers(who),
        )

        assert fetched.status_code == 404, fetched.json()
        assert changed.status_code == 404, changed.json()
        assert_no_goal_text(fetched)

    def test_in_a_circle_mentees_do_not_see_each_others_goals(self, world: World) -> None:
        with world.services.sessions() as session:
            circle = relationships.create_circle(
                session=session,
                program=session.get(Program, world.pilot),
                name="Planners",
                mentor="M1",
                mentees=["E3", "E4"],
                principal=System(TEST_ACTOR.label),
            )
            quinn = accounts.get_by_email(session=session, email="quinn@example.org")
            quinn_headers = bearer(
                accounts.issue_token(
                    session=session, user=quinn, name="test", actor=TEST_ACTOR
                ).plaintext
            )
            session.commit()
            circle_id = circle.id
        created = world.client.post(
            goals_url(circle_id),
            json={"title": TITLE, "visibility": "mentor"},
            headers=world.headers("pia"),
        )
        assert created.status_code == 201, created.json()
        goal_id = created.json()["id"]

        listed = world.client.get(goals_url(circle_id), headers=quinn_headers)
        fetched = world.client.get(goals_url(circle_id, goal_id), headers=quinn_headers)
        mentor = world.client.get(goals_url(circle_id, goal_id), headers=world.headers("maya"))

        assert listed.status_code == 200, listed.json()
        assert listed.json()["items"] == []
        assert fetched.status_code == 404, fetched.json()
        assert mentor.json()["title"] == TITLE


class TestCheckIns:
    def test_a_check_in_sets_progress_and_activates_a_draft(self, world: World) -> None:
        created = world.client.post(
            goals_url(world.first), json={"title": TITLE}, headers=world.headers("eli")
        ).json()
        assert created["status"] == "draft"

        first = world.client.post(
            goals_url(world.first, created["id"], "check-ins"),
            json={"progress": 40, "note": NOTE},
            headers=world.headers("eli"),
        )
        second = world.client.post(
            goals_url(world.first, created["id"], "check-ins"),
            json={"progress": 100},
            headers=world.headers("eli"),
        )

        assert first.status_code == 201, first.json()
        assert (first.json()["status"], first.json()["progress"]) == ("active", 40)
        body = second.json()
        # Reaching 100 is not achieving: the mentee decides when it is achieved.
        assert (body["status"], body["progress"]) == ("active", 100)
        assert [(c["progress"], c["note"]) for c in body["check_ins"]] == [(40, NOTE), (100, "")]

    @pytest.mark.parametrize("progress", [101, -1])
    def test_progress_outside_0_to_100_is_refused(self, world: World, progress: int) -> None:
        goal = set_goal(world)

        response = world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": progress},
            headers=world.headers("eli"),
        )

        assert fields_of(response) == ["progress"]
        after = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("eli"))
        assert after.json()["progress"] == 30

    def test_the_mentor_cannot_check_in_even_on_a_shared_goal(self, world: World) -> None:
        goal = set_goal(world)
        hidden = world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": 90},
            headers=world.headers("maya"),
        )
        share(world, goal["id"], "mentor")
        shared = world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": 90},
            headers=world.headers("maya"),
        )

        assert hidden.status_code == 404, hidden.json()
        assert shared.status_code == 403, shared.json()

    def test_a_coordinator_cannot_check_in(self, world: World) -> None:
        goal = set_goal(world)
        response = world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": 90},
            headers=world.headers("lead"),
        )
        assert response.status_code == 403, response.json()


class TestMilestones:
    def test_the_mentee_adds_ticks_off_and_reopens_a_milestone(self, world: World) -> None:
        goal = set_goal(world)

        added = world.client.post(
            goals_url(world.first, goal["id"], "milestones"),
            json={"text": "Book the room", "due_date": in_days(10)},
            headers=world.headers("eli"),
        )
        assert added.status_code == 201, added.json()
        milestone_id = added.json()["milestones"][-1]["id"]
        done = world.client.patch(
            goals_url(world.first, goal["id"], "milestones", milestone_id),
            json={"done": True},
            headers=world.headers("eli"),
        )
        reopened = world.client.patch(
            goals_url(world.first, goal["id"], "milestones", milestone_id),
            json={"done": False},
            headers=world.headers("eli"),
        )

        assert [m["text"] for m in added.json()["milestones"]] == [MILESTONE, "Book the room"]
        assert done.json()["milestones"][-1]["done"] is True
        assert done.json()["milestones"][-1]["done_at"] is not None
        assert reopened.json()["milestones"][-1]["done"] is False

    def test_ticking_milestones_moves_progress_to_the_share_done(self, world: World) -> None:
        goal = set_goal(world)  # one milestone already
        eli = world.headers("eli")
        added = world.client.post(
            goals_url(world.first, goal["id"], "milestones"),
            json={"text": "Book the room", "due_date": in_days(10)},
            headers=eli,
        ).json()
        first, second = (m["id"] for m in added["milestones"])

        def tick(milestone_id: int, done: bool) -> dict:
            return world.client.patch(
                goals_url(world.first, goal["id"], "milestones", milestone_id),
                json={"done": done},
                headers=eli,
            ).json()

        assert tick(first, True)["progress"] == 50
        assert tick(second, True)["progress"] == 100
        assert tick(first, False)["progress"] == 50
        assert tick(first, False)["progress"] == 50  # no change, nothing recorded

    def test_a_milestone_due_after_the_target_date_is_refused(self, world: World) -> None:
        goal = set_goal(world)
        response = world.client.post(
            goals_url(world.first, goal["id"], "milestones"),
            json={"text": "Too late", "due_date": in_days(61)},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["due_date"]

    def test_a_goal_has_at_most_ten_milestones(self, world: World) -> None:
        goal = set_goal(world)
        for n in range(9):
            added = world.client.post(
                goals_url(world.first, goal["id"], "milestones"),
                json={"text": f"Step {n}"},
                headers=world.headers("eli"),
            )
            assert added.status_code == 201, added.json()
        response = world.client.post(
            goals_url(world.first, goal["id"], "milestones"),
            json={"text": "One too many"},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["milestones"]

    def test_a_milestone_of_another_goal_is_not_found(self, world: World) -> None:
        first = set_goal(world)
        second = set_goal(world)
        response = world.client.patch(
            goals_url(world.first, second["id"], "milestones", first["milestones"][0]["id"]),
            json={"done": True},
            headers=world.headers("eli"),
        )
        assert response.status_code == 404, response.json()

    def test_the_mentor_cannot_tick_off_milestones(self, world: World) -> None:
        goal = set_goal(world, visibility="mentor")
        response = world.client.patch(
            goals_url(world.first, goal["id"], "milestones", goal["milestones"][0]["id"]),
            json={"done": True},
            headers=world.headers("maya"),
        )
        assert response.status_code == 403, response.json()


class TestUpdate:
    def test_the_mentee_edits_smart_parts_and_status(self, world: World) -> None:
        goal = set_goal(world)

        response = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"measurable": "Decisions published on the wiki", "status": "achieved"},
            headers=world.headers("eli"),
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["measurable"] == "Decisions published on the wiki"
        assert body["specific"] == SMART["specific"]
        assert body["status"] == "achieved"

    def test_a_null_title_or_a_target_before_a_milestone_is_refused(self, world: World) -> None:
        goal = set_goal(world)
        response = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"title": None, "target_date": in_days(19)},
            headers=world.headers("eli"),
        )
        assert fields_of(response) == ["title", "target_date"]

    def test_the_mentor_cannot_edit_a_shared_goal(self, world: World) -> None:
        goal = set_goal(world, visibility="mentor")
        response = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"title": "Rewritten by the mentor"},
            headers=world.headers("maya"),
        )
        assert response.status_code == 403, response.json()

    def test_after_the_relationship_ends_only_sharing_may_change(self, world: World) -> None:
        goal = set_goal(world, visibility="program")
        end_first_pair(world)

        edited = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"title": "Changed afterwards"},
            headers=world.headers("eli"),
        )
        checked = world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": 80},
            headers=world.headers("eli"),
        )
        unshared = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"visibility": "private"},
            headers=world.headers("eli"),
        )

        assert edited.status_code == 409, edited.json()
        assert checked.status_code == 409, checked.json()
        assert unshared.status_code == 200, unshared.json()
        assert unshared.json()["visibility"] == "private"


class TestAssess:
    def test_refused_while_the_relationship_and_the_goal_are_active(self, world: World) -> None:
        goal = set_goal(world)

        refused = world.client.post(
            goals_url(world.first, goal["id"], "assessment"),
            json={"outcome": "achieved", "assessment": "It went well"},
            headers=world.headers("eli"),
        )
        assert refused.status_code == 409, refused.json()
        assert "achieved or dropped" in refused.json()["error"]["message"]

        achieved = world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"status": "achieved"},
            headers=world.headers("eli"),
        )
        assert achieved.status_code == 200, achieved.json()
        accepted = world.client.post(
            goals_url(world.first, goal["id"], "assessment"),
            json={"outcome": "achieved", "assessment": "It went well"},
            headers=world.headers("eli"),
        )

        assert accepted.status_code == 200, accepted.json()
        assert accepted.json()["final_outcome"] == "achieved"
        assert accepted.json()["final_assessment"] == "It went well"
        lead = world.client.get(goals_url(world.first, goal["id"]), headers=world.headers("lead"))
        assert lead.json()["final_outcome"] == "achieved"
        assert "It went well" not in lead.text

    def test_an_active_goal_is_assessed_once_the_relationship_has_ended(self, world: World) -> None:
        goal = set_goal(world)
        end_first_pair(world)

        response = world.client.post(
            goals_url(world.first, goal["id"], "assessment"),
            json={"outcome": "partly_achieved"},
            headers=world.headers("eli"),
        )

        assert response.status_code == 200, response.json()
        assert response.json()["final_outcome"] == "partly_achieved"

    def test_only_the_mentee_assesses(self, world: World) -> None:
        goal = set_goal(world, visibility="program", status="active")
        end_first_pair(world)
        for who in ("maya", "lead"):
            response = world.client.post(
                goals_url(world.first, goal["id"], "assessment"),
                json={"outcome": "achieved"},
                headers=world.headers(who),
            )
            assert response.status_code == 403, response.json()


class TestAudit:
    def test_every_change_is_recorded_without_goal_text(self, world: World) -> None:
        goal = set_goal(world)
        goal_id = goal["id"]
        eli = world.headers("eli")
        world.client.patch(
            goals_url(world.first, goal_id), json={"visibility": "mentor"}, headers=eli
        )
        world.client.patch(
            goals_url(world.first, goal_id),
            json={"specific": SMART["specific"] + " and the next one", "status": "achieved"},
            headers=eli,
        )
        world.client.patch(
            goals_url(world.first, goal_id, "milestones", goal["milestones"][0]["id"]),
            json={"done": True},
            headers=eli,
        )
        world.client.post(
            goals_url(world.first, goal_id, "milestones"), json={"text": MILESTONE}, headers=eli
        )
        world.client.post(
            goals_url(world.first, goal_id, "assessment"),
            json={"outcome": "achieved", "assessment": NOTE},
            headers=eli,
        )

        events = audit_events(world)

        assert [e.action for e in events] == [
            "goals.created",
            "goals.checked_in",
            "goals.shared",
            "goals.updated",
            "goals.milestone_completed",
            "goals.milestone_added",
            "goals.assessed",
        ]
        assert {(e.subject_type, e.subject_id) for e in events} == {("goals", str(goal_id))}
        assert {e.actor_label for e in events} == {"eli@example.org"}
        assert {e.program_id for e in events} == {world.pilot}
        by_action = {e.action: e.data for e in events}
        assert by_action["goals.shared"] == {"from": "private", "to": "mentor"}
        assert by_action["goals.checked_in"] == {
            "progress": 30,
            "status": {"from": "draft", "to": "active"},
        }
        assert by_action["goals.updated"]["status"] == {"from": "active", "to": "achieved"}
        assert by_action["goals.milestone_completed"]["progress"] == 100  # its only milestone
        assert by_action["goals.assessed"] == {"outcome": "achieved"}
        recorded = json.dumps([e.data for e in events])
        for text in GOAL_TEXT:
            assert text not in recorded

    def test_refused_changes_record_nothing(self, world: World) -> None:
        goal = set_goal(world)
        before = len(audit_events(world))
        world.client.post(
            goals_url(world.first, goal["id"], "check-ins"),
            json={"progress": 101},
            headers=world.headers("eli"),
        )
        world.client.patch(
            goals_url(world.first, goal["id"]),
            json={"title": "Mine now"},
            headers=world.headers("lead"),
        )
        assert len(audit_events(world)) == before
