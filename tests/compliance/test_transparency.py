"""What participants read: every drafted text says how it was made and who approved it."""

from __future__ import annotations

from companion.accounts import service as accounts
from companion.db import session_scope
from companion.drafting import service as drafting
from companion.programs import service as programs
from companion.review import workflow
from companion.review.schemas import Action
from prompts.schemas import DraftKind
from tests.drafting.test_service import valid_agenda
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World


def approve_agenda_as_maya(world: World, *, content: dict | None = None) -> int:
    """Maya (the mentor) asks for an agenda for her pair and approves it; it is delivered."""
    with session_scope(world.services.write_sessions) as session:
        maya = accounts.get_by_email(session=session, email="maya@example.org")
        draft = drafting.request_draft(
            services=world.services,
            session=session,
            kind=DraftKind.agenda,
            principal=maya,
            relationship_id=world.first,
        )
        session.flush()
        workflow.decide(
            session=session,
            draft_id=draft.id,
            action=Action.approve,
            version=draft.version,
            principal=maya,
            content=content,
            services=world.services,
        )
        return draft.id


def deliveries(world: World, who: str) -> list[dict]:
    answer = world.client.get("/api/v1/me/deliveries", headers=world.headers(who))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


class TestDisclosure:
    def test_a_delivered_agenda_says_it_was_drafted_with_ai_and_names_the_approver(
        self, world: World
    ):
        approve_agenda_as_maya(world)
        [seen] = deliveries(world, "eli")
        assert seen["disclosure"].startswith(
            "Drafted with AI assistance, reviewed and approved by Maya Berg on "
        )
        # The day, as people write it: "5 December 2026".
        day = seen["disclosure"].removeprefix(
            "Drafted with AI assistance, reviewed and approved by Maya Berg on "
        )
        assert day.rstrip(".").split()[1].isalpha() and day.endswith(".")

    def test_an_edit_before_approval_says_edited(self, world: World):
        edited = valid_agenda()
        edited["objectives"] = ["Agree the scope of the design review together"]
        approve_agenda_as_maya(world, content=edited)
        [seen] = deliveries(world, "eli")
        assert "edited and approved by Maya Berg" in seen["disclosure"]

    def test_a_blank_template_filled_in_by_a_person_does_not_claim_ai(self, world: World):
        with session_scope(world.services.write_sessions) as session:
            programs.switch_ai(
                session=session,
                program_id=world.pilot,
                principal=TEST_SYSTEM,
                off=["drafting:agenda"],
            )
        approve_agenda_as_maya(world, content=valid_agenda())
        [seen] = deliveries(world, "eli")
        assert "AI assistance" not in seen["disclosure"]
        assert seen["disclosure"].startswith(
            "Written by a person from a blank template (AI drafting was switched off), "
            "approved by Maya Berg on "
        )

    def test_the_inbox_page_and_the_session_show_it_where_the_text_is_read(
        self, world: World, browser_for
    ):
        approve_agenda_as_maya(world)
        inbox = browser_for("eli").get("/inbox")
        assert "Drafted with AI assistance, reviewed and approved by Maya Berg on" in inbox.text
        # Nobody else's inbox shows it.
        assert "Maya Berg on" not in browser_for("omar").get("/inbox").text
