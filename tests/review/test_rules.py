"""The review rules live in the workflow: the API, the pages and scripts get the same answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from companion.accounts import service as accounts
from companion.audit.models import AuditEvent
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.errors import Conflict, InvalidInput, PermissionDenied
from companion.review import workflow
from companion.review.workflow import Action
from prompts.schemas import DraftKind
from tests.relationships.conftest import World
from tests.review.test_workflow import ask, book, decide, transitions


def _maya(session):
    return accounts.get_by_email(session=session, email="maya@example.org")


class TestAvailableActions:
    @pytest.mark.parametrize("status", list(DraftStatus))
    def test_read_from_the_transition_table(self, status: DraftStatus) -> None:
        expected = sorted(
            a.value
            for (s, a) in workflow.TRANSITIONS
            if s == status and a in workflow.HUMAN_ACTIONS
        )
        assert workflow.available_actions(status) == expected
        assert "deliver" not in workflow.available_actions(status)

    def test_final_states_offer_nothing(self) -> None:
        assert workflow.available_actions(DraftStatus.rejected) == []
        assert workflow.available_actions(DraftStatus.withdrawn) == []
        assert workflow.available_actions(DraftStatus.pending_review) == [
            "approve",
            "edit",
            "reject",
            "request_changes",
        ]


class TestChangesNeedANote:
    def test_the_service_refuses_without_a_note(self, world: World) -> None:
        services = world.services
        with services.sessions() as session:
            draft = drafting.request_draft(
                services=services,
                session=session,
                kind=DraftKind.brief,
                principal=_maya(session),
                relationship_id=world.first,
            )
            session.commit()
            for note in ("", "   "):
                with pytest.raises(InvalidInput) as refused:
                    workflow.decide(
                        session=session,
                        draft_id=draft.id,
                        action=Action.request_changes,
                        version=draft.version,
                        principal=_maya(session),
                        note=note,
                        services=services,
                    )
                assert [d["field"] for d in refused.value.details] == ["note"]
            assert session.get(Draft, draft.id).status == DraftStatus.pending_review

    def test_the_api_refuses_without_a_note_and_changes_nothing(self, world: World) -> None:
        draft = ask(world, "maya", kind="brief", relationship_id=world.first)
        response = decide(world, "maya", draft, "request_changes")
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["details"][0]["field"] == "note"
        assert "what should change" in error["message"]
        again = world.client.get(f"/api/v1/drafts/{draft['id']}", headers=world.headers("maya"))
        assert again.json()["status"] == "pending_review"
        assert again.json()["version"] == draft["version"]
        assert transitions(world, draft["id"]) == []
        noted = decide(world, "maya", draft, "request_changes", note="Shorter, please")
        assert noted.status_code == 200 and noted.json()["review_note"] == "Shorter, please"


class TestApprovingUnchangedText:
    def test_the_api_does_not_record_an_edit(self, world: World) -> None:
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        response = decide(world, "maya", draft, "approve", content=draft["content"])
        assert response.status_code == 200, response.json()
        approved = response.json()
        assert approved["status"] == "delivered"
        assert approved["edited"] is False and approved["edited_by"] is None
        assert approved["original_text"] is None and approved["diff"] is None
        with world.services.sessions() as session:
            approve = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject_type == "draft",
                    AuditEvent.subject_id == str(draft["id"]),
                    AuditEvent.action == "review.approve",
                )
            ).one()
            assert approve.data["edited"] is False

    def test_a_changed_text_is_still_an_edit(self, world: World) -> None:
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        content = {**draft["content"], "objectives": ["Rehearse the guild talk"]}
        response = decide(world, "maya", draft, "approve", content=content)
        assert response.status_code == 200, response.json()
        assert response.json()["edited"] is True
        assert "Rehearse the guild talk" in response.json()["diff"]
        assert transitions(world, draft["id"]) == ["review.approve", "review.deliver"]

    def test_an_unchanged_text_that_does_not_fit_its_kind_is_still_refused(
        self, world: World
    ) -> None:
        draft = ask(world, "maya", kind="agenda", relationship_id=world.first)
        response = decide(world, "maya", draft, "approve", content={"objectives": []})
        assert response.status_code == 422
        assert response.json()["error"]["details"]


class TestPrepare:
    """Only the mentor prepares, and only the next session: the service decides for all."""

    def _prepare(self, world: World, who: str, session_id: int):
        return world.client.post(
            f"/api/v1/sessions/{session_id}/prepare", headers=world.headers(who)
        )

    def test_the_mentor_prepares_the_next_session(self, world: World) -> None:
        session_id = book(world, days=3)
        response = self._prepare(world, "maya", session_id)
        assert response.status_code == 201, response.json()
        drafts = response.json()
        assert sorted(d["kind"] for d in drafts) == ["agenda", "brief"]
        assert {d["status"] for d in drafts} == {"pending_review"}
        # Nobody else reads them before the mentor approves.
        for who in ("eli", "nora", "omar"):
            for draft in drafts:
                read = world.client.get(f"/api/v1/drafts/{draft['id']}", headers=world.headers(who))
                assert read.status_code == 404, who

    def test_anyone_else_is_refused_as_the_pages_refuse(self, world: World) -> None:
        session_id = book(world, days=3)
        mentee = self._prepare(world, "eli", session_id)
        assert mentee.status_code == 403
        assert "mentor" in mentee.json()["error"]["message"]
        for who in ("lead", "org"):  # they see the session's time, and may not prepare it
            assert self._prepare(world, who, session_id).status_code == 403, who
        for who in ("nora", "omar", "pia", "elsewhere"):
            assert self._prepare(world, who, session_id).status_code == 404, who
        with world.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Draft)) == 0

    def test_only_the_next_session(self, world: World) -> None:
        book(world, days=3)
        later = book(world, days=10)
        response = self._prepare(world, "maya", later)
        assert response.status_code == 409
        assert "next upcoming session" in response.json()["error"]["message"]
        with world.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Draft)) == 0

    def test_the_service_says_the_same(self, world: World) -> None:
        book(world, days=3)
        later = book(world, days=10)
        with world.services.sessions() as session:
            maya = _maya(session)
            with pytest.raises(Conflict):
                drafting.prepare_session(
                    services=world.services,
                    session=session,
                    principal=maya,
                    relationship_id=world.first,
                    session_id=later,
                )
            eli = accounts.get_by_email(session=session, email="eli@example.org")
            with pytest.raises(PermissionDenied):
                drafting.prepare_session(
                    services=world.services,
                    session=session,
                    principal=eli,
                    relationship_id=world.first,
                    session_id=later,
                )
