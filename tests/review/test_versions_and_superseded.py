"""Version numbers people read, and older drafts for the same subject marked superseded."""

from __future__ import annotations

from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.drafting.models import Draft, DraftStatus
from tests.relationships.conftest import World
from tests.review.test_workflow import ask, book, decide, transitions

OUTSIDERS = ["eli", "nora", "omar", "pia", "elsewhere"]


def read(world: World, who: str, draft_id: int) -> dict:
    response = world.client.get(f"/api/v1/drafts/{draft_id}", headers=world.headers(who))
    assert response.status_code == 200, response.json()
    return response.json()


def listed(world: World, who: str, **params: str) -> list[int]:
    response = world.client.get("/api/v1/drafts", headers=world.headers(who), params=params)
    assert response.status_code == 200, response.json()
    return [d["id"] for d in response.json()["items"]]


def queued(world: World, who: str) -> list[int]:
    response = world.client.get("/api/v1/review/queue", headers=world.headers(who))
    return [d["id"] for d in response.json()["items"]]


class TestShownVersion:
    def test_counts_one_per_decision_or_edit_people_can_see(self, world: World) -> None:
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        assert draft["shown_version"] == 1

        content = {**draft["content"], "last_time": "We agreed the outline of the talk."}
        edited = decide(world, "maya", draft, "edit", content=content).json()
        assert edited["shown_version"] == 2
        changes = decide(world, "maya", edited, "request_changes", note="Shorter, please.").json()
        assert changes["shown_version"] == 3
        again = decide(world, "maya", changes, "edit", content=content).json()
        approved = decide(world, "maya", again, "approve")
        assert approved.status_code == 200, approved.json()
        # Approved and delivered at once: the delivery is the system's, not a decision.
        assert approved.json()["status"] == "delivered"
        assert approved.json()["shown_version"] == 5
        # The number decisions name counts every write, the system's too.
        assert approved.json()["version"] > approved.json()["shown_version"]

    def test_an_approval_recorded_under_four_eyes_counts_once(self, world: World) -> None:
        world.client.patch(
            f"/api/v1/programs/{world.pilot}",
            headers=world.headers("lead"),
            json={"four_eyes": True},
        )
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        waiting = decide(world, "maya", draft, "approve").json()
        assert (waiting["status"], waiting["shown_version"]) == ("pending_review", 2)
        done = decide(world, "lead", waiting, "approve").json()
        assert (done["status"], done["shown_version"]) == ("delivered", 3)


class TestSuperseded:
    def test_a_newer_agenda_for_the_session_supersedes_the_older(self, world: World) -> None:
        book(world)
        older = ask(world, "maya", kind="agenda", relationship_id=world.first)
        newer = ask(world, "maya", kind="agenda", relationship_id=world.first)

        old = read(world, "maya", older["id"])
        assert (old["status"], old["superseded_by"]) == ("superseded", newer["id"])
        assert read(world, "maya", newer["id"])["status"] == "pending_review"
        assert transitions(world, older["id"])[-1] == "review.supersede"
        # Hidden by default from the queue and the list, shown when asked for.
        assert queued(world, "maya") == [newer["id"]]
        assert listed(world, "maya") == [newer["id"]]
        assert listed(world, "maya", superseded="true") == [newer["id"], older["id"]]
        assert listed(world, "maya", status="superseded") == [older["id"]]

    def test_a_superseded_draft_cannot_be_approved_and_says_which_to_review(
        self, world: World
    ) -> None:
        book(world)
        older = ask(world, "maya", kind="agenda", relationship_id=world.first)
        newer = ask(world, "maya", kind="agenda", relationship_id=world.first)
        current = read(world, "maya", older["id"])

        for action in ("approve", "reject", "edit"):
            refused = decide(world, "maya", current, action, content=current["content"])
            assert refused.status_code == 409, refused.json()
            message = refused.json()["error"]["message"]
            assert f"superseded by draft {newer['id']}" in message
            assert f"Review draft {newer['id']} instead" in message
        # Named by an old page's version, the refusal is the same clear one.
        stale = decide(world, "maya", older, "approve")
        assert stale.status_code == 409 and "superseded" in stale.json()["error"]["message"]
        bulk = world.client.post(
            "/api/v1/review/bulk-approve",
            headers=world.headers("lead"),
            json={"drafts": [{"id": older["id"], "version": current["version"]}]},
        )
        assert bulk.json()["results"][0]["ok"] is False
        assert read(world, "maya", older["id"])["status"] == "superseded"
        assert read(world, "maya", newer["id"])["status"] == "pending_review"

    def test_only_open_drafts_of_the_same_kind_and_subject_are_superseded(
        self, world: World
    ) -> None:
        brief = ask(world, "maya", kind="brief", relationship_id=world.first)
        delivered = decide(world, "maya", brief, "approve").json()
        other_pair = ask(world, "nora", kind="brief", relationship_id=world.second)
        goal_one = ask(
            world, "eli", kind="smart_goal", relationship_id=world.first, text="Lead a review"
        )
        changes = decide(
            world,
            "maya",
            ask(world, "maya", kind="brief", relationship_id=world.first),
            "request_changes",
            note="More on the talk.",
        ).json()

        ask(world, "maya", kind="brief", relationship_id=world.first)
        ask(world, "eli", kind="smart_goal", relationship_id=world.first, text="Speak at the guild")

        assert read(world, "maya", delivered["id"])["status"] == "delivered"  # decided: kept
        assert read(world, "maya", changes["id"])["status"] == "superseded"  # still open
        assert read(world, "nora", other_pair["id"])["status"] == "pending_review"
        # Two aspirations are two goals: neither replaces the other.
        assert read(world, "eli", goal_one["id"])["status"] == "pending_review"

    def test_approving_a_draft_supersedes_older_open_ones_left_behind(self, world: World) -> None:
        first = ask(world, "maya", kind="brief", relationship_id=world.first)
        second = ask(world, "maya", kind="brief", relationship_id=world.first)
        # Older drafts from before superseding existed: still waiting.
        with world.services.sessions() as session:
            row = session.get(Draft, first["id"])
            row.status, row.superseded_by_id = DraftStatus.pending_review, None
            session.commit()
        decided = decide(world, "maya", read(world, "maya", second["id"]), "approve")
        assert decided.status_code == 200
        assert read(world, "maya", first["id"])["superseded_by"] == second["id"]

    def test_outsiders_see_no_superseded_draft_and_learn_nothing_of_it(self, world: World) -> None:
        book(world)
        older = ask(world, "maya", kind="agenda", relationship_id=world.first)
        ask(world, "maya", kind="agenda", relationship_id=world.first)
        for who in OUTSIDERS:
            url = f"/api/v1/drafts/{older['id']}"
            assert world.client.get(url, headers=world.headers(who)).status_code == 404, who
            assert older["id"] not in listed(world, who, superseded="true"), who
            assert older["id"] not in listed(world, who, status="superseded"), who
            refused = decide(world, who, older, "approve")
            assert refused.status_code == 404, who
            assert "superseded" not in refused.text, who
        with world.services.sessions() as session:
            actors = session.scalars(
                select(AuditEvent.actor_label).where(
                    AuditEvent.action == "review.supersede",
                    AuditEvent.subject_id == str(older["id"]),
                )
            ).all()
        assert actors == ["maya@example.org"]
