"""The LLM path end to end over a loopback OpenAI-compatible server: what it is sent
(the kind's schema, the reviewer's note, the pair's context and nothing private), what a
failure records, and the one-transaction rule around drafting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from companion.accounts import service as accounts
from companion.cli import app
from companion.db import session_scope
from companion.drafting import service as drafting
from companion.drafting.gateway import Gateway
from companion.drafting.models import Draft, DraftStatus
from companion.errors import LLMOutputInvalid, LLMUnavailable
from companion.participants.models import Participant
from companion.relationships.models import (
    Feedback,
    MentoringSession,
    Message,
    PrivateNote,
    RelationshipMember,
    SessionStatus,
)
from companion.settings import Settings
from prompts.schemas import DraftKind, SessionAgenda
from tests.drafting.test_service import (
    OPERATOR,
    Loopback,
    drafts,
    gateway_for,
    request,
    valid_agenda,
)
from tests.helpers import point_cli_at
from tests.relationships.conftest import World

VALID_BRIEF = json.dumps(
    {"focus": "", "last_time": "They met.", "open_actions": [], "goal_progress": [], "guidance": []}
)


def gateway_named(world: World, loopback: Loopback, model: str) -> Gateway:
    return Gateway(
        Settings(
            environment="test",
            data_dir=world.services.settings.data_dir,
            llm_model=model,
            llm_api_base=loopback.api_base,
            llm_retries=0,
            llm_timeout_seconds=10,
        )
    )


class TestStructuredOutput:
    def test_a_provider_that_follows_schemas_is_given_the_kinds_schema(
        self, grounded: World, loopback: Loopback
    ) -> None:
        loopback.script = [(200, json.dumps(valid_agenda()))]
        gateway = gateway_named(grounded, loopback, "openai/gpt-4o-mini")
        draft = request(grounded, DraftKind.agenda, relationship_id=grounded.first, gateway=gateway)
        assert draft.status == DraftStatus.pending_review
        [sent] = loopback.requests
        assert sent["response_format"]["type"] == "json_schema"
        schema = sent["response_format"]["json_schema"]
        assert schema["name"] == "session_agenda"
        assert schema["schema"] == json.loads(json.dumps(SessionAgenda.model_json_schema()))

    def test_elsewhere_json_mode_and_the_schema_in_the_prompt(
        self, grounded: World, loopback: Loopback
    ) -> None:
        loopback.script = [(200, json.dumps(valid_agenda()))]
        request(
            grounded,
            DraftKind.agenda,
            relationship_id=grounded.first,
            gateway=gateway_for(grounded, loopback),
        )
        [sent] = loopback.requests
        assert sent["response_format"] == {"type": "json_object"}
        system = sent["messages"][0]["content"]
        assert json.dumps(SessionAgenda.model_json_schema(), sort_keys=True) in system


class TestFailedDrafts:
    def test_a_failed_draft_records_its_attempts_and_tokens(
        self, grounded: World, loopback: Loopback
    ) -> None:
        loopback.script = [(200, "not json"), (200, '{"objectives": []}')]
        with pytest.raises(LLMOutputInvalid) as raised:
            request(
                grounded,
                DraftKind.agenda,
                relationship_id=grounded.first,
                gateway=gateway_for(grounded, loopback),
            )
        [failed] = drafts(grounded)
        assert raised.value.records_failure and raised.value.record_id == failed.id
        assert failed.status == DraftStatus.failed
        # Two calls were made, each answered with 120 prompt and 80 completion tokens.
        assert (failed.attempts, failed.prompt_tokens, failed.completion_tokens) == (2, 240, 160)

    def test_ask_json_prints_the_failed_draft_with_its_reason(
        self, grounded: World, loopback: Loopback, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        loopback.script = [(200, "not json"), (200, "still not json")]
        point_cli_at(monkeypatch, grounded.services.settings)
        monkeypatch.setenv("COMPANION_LLM_MODEL", "openai/test-model")
        monkeypatch.setenv("COMPANION_LLM_API_BASE", loopback.api_base)
        monkeypatch.setenv("COMPANION_LLM_RETRIES", "0")
        result = CliRunner().invoke(app, ["ask", "How do I restart a stalled pair?", "--json"])
        assert result.exit_code == 1
        printed = json.loads(result.stdout)
        assert (printed["kind"], printed["status"]) == ("answer", "failed")
        assert "schema" in printed["error"] and "not json" not in printed["error"]
        assert printed["usage"]["attempts"] == 2 and printed["usage"]["prompt_tokens"] == 240
        assert [d.id for d in drafts(grounded)] == [printed["id"]]

    def test_without_json_the_error_is_said_and_the_draft_kept(
        self, grounded: World, loopback: Loopback, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        loopback.script = [(503, "down")]
        point_cli_at(monkeypatch, grounded.services.settings)
        monkeypatch.setenv("COMPANION_LLM_MODEL", "openai/test-model")
        monkeypatch.setenv("COMPANION_LLM_API_BASE", loopback.api_base)
        monkeypatch.setenv("COMPANION_LLM_RETRIES", "0")
        result = CliRunner().invoke(app, ["ask", "How do I restart a stalled pair?"])
        assert result.exit_code == 1 and "unavailable" in result.output
        assert [d.status for d in drafts(grounded)] == [DraftStatus.failed]


class TestOneTransaction:
    def test_the_service_itself_commits_nothing(self, grounded: World, loopback: Loopback) -> None:
        """The service no longer commits: nothing is written until the unit of work ends."""
        loopback.script = [(200, "x"), (200, "y")]
        with grounded.services.sessions() as session:
            with pytest.raises(LLMOutputInvalid):
                drafting.request_draft(
                    services=grounded.services,
                    session=session,
                    kind=DraftKind.agenda,
                    principal=OPERATOR,
                    relationship_id=grounded.first,
                    gateway=gateway_for(grounded, loopback),
                )
            session.rollback()  # a caller that does not keep the failure keeps nothing
        assert drafts(grounded) == []

    def test_prepare_this_session_is_all_or_nothing_and_names_the_failed_part(
        self, grounded: World, loopback: Loopback
    ) -> None:
        with grounded.services.sessions() as session:
            upcoming = MentoringSession(
                relationship_id=grounded.first,
                starts_at=datetime.now(UTC) + timedelta(days=2),
                duration_minutes=45,
                status=SessionStatus.scheduled,
                created_by="test",
            )
            session.add(upcoming)
            session.commit()
            upcoming_id = upcoming.id
        # The brief is drafted; the agenda answers twice with nothing usable.
        loopback.script = [(200, VALID_BRIEF), (200, "x"), (200, "y")]
        with (
            pytest.raises(LLMOutputInvalid) as raised,
            session_scope(grounded.services.sessions) as session,
        ):
            maya = accounts.authenticate(session=session, token=grounded.tokens["maya"])
            drafting.prepare_session(
                services=grounded.services,
                session=session,
                principal=maya,
                relationship_id=grounded.first,
                session_id=upcoming_id,
                gateway=gateway_for(grounded, loopback),
            )
        message = raised.value.message
        assert message.startswith("The agenda could not be drafted")
        assert "The brief drafted with it was not kept" in message
        stored = drafts(grounded)
        assert [(d.kind, d.status) for d in stored] == [("agenda", DraftStatus.failed)]
        assert stored[0].attempts == 2


class TestWhatAPromptHolds:
    @pytest.fixture
    def lived_in(self, grounded: World) -> World:
        """The first pair with expectations, an earlier session, revealed feedback, a
        thread and a private note; the second pair with notes and messages of its own."""
        now = datetime.now(UTC)
        with grounded.services.sessions() as session:
            people = {p.external_id: p for p in session.scalars(select(Participant))}
            for member in session.scalars(
                select(RelationshipMember).where(
                    RelationshipMember.relationship_id == grounded.first
                )
            ):
                member.expectations = f"EXPECTS-{member.role.value}: fortnightly, honest feedback"
            earlier = MentoringSession(
                relationship_id=grounded.first,
                starts_at=now - timedelta(days=20),
                duration_minutes=45,
                status=SessionStatus.held,
                shared_notes="EARLIER-NOTE: mapped who attends the design review.",
                created_by="test",
            )
            theirs = MentoringSession(
                relationship_id=grounded.second,
                starts_at=now - timedelta(days=5),
                duration_minutes=45,
                status=SessionStatus.held,
                shared_notes="OTHER-PAIR-NOTE: salary negotiation.",
                created_by="test",
            )
            session.add_all([earlier, theirs])
            session.flush()
            for who in ("M1", "E1"):
                session.add(
                    Feedback(
                        session_id=earlier.id,
                        participant_id=people[who].id,
                        answers=[
                            {"question": "How useful was it?", "rating": 4, "text": f"FB-{who}"}
                        ],
                    )
                )
            session.add(
                PrivateNote(
                    session_id=earlier.id,
                    author_user_id=accounts.authenticate(
                        session=session, token=grounded.tokens["maya"]
                    ).id,
                    text="PRIVATE-NOTE: worried about Eli.",
                )
            )
            session.add(
                Message(
                    relationship_id=grounded.first,
                    author_id=people["E1"].id,
                    body="THREAD-MSG: the design note is in the shared folder.",
                )
            )
            session.add(
                Message(
                    relationship_id=grounded.second,
                    author_id=people["E2"].id,
                    body="OTHER-PAIR-MSG: see you Friday.",
                )
            )
            session.commit()
        return grounded

    def test_a_members_only_agenda_gets_the_pairs_context_and_nothing_private(
        self, lived_in: World, loopback: Loopback
    ) -> None:
        loopback.script = [(200, json.dumps(valid_agenda()))]
        draft = request(
            lived_in,
            DraftKind.agenda,
            relationship_id=lived_in.first,
            gateway=gateway_for(lived_in, loopback),
        )
        assert draft.members_only
        text = loopback.sent_text()
        for expected in ("EXPECTS-mentor", "EXPECTS-mentee", "EARLIER-NOTE", "FB-M1", "FB-E1"):
            assert expected in text
        assert "THREAD-MSG" in text and "mean rating 4.0" in text
        for absent in ("PRIVATE-NOTE", "OTHER-PAIR-NOTE", "OTHER-PAIR-MSG", "private worry"):
            assert absent not in text

    def test_a_nudge_a_coordinator_reviews_gets_none_of_it(
        self, lived_in: World, loopback: Loopback
    ) -> None:
        nudge = {"subject": "Hello", "message": "Hi both", "suggested_next_step": "Meet."}
        loopback.script = [(200, json.dumps(nudge))]
        draft = request(
            lived_in,
            DraftKind.nudge,
            relationship_id=lived_in.first,
            gateway=gateway_for(lived_in, loopback),
        )
        assert not draft.members_only
        text = loopback.sent_text()
        for absent in ("EXPECTS-", "EARLIER-NOTE", "FB-", "THREAD-MSG", "PRIVATE-NOTE"):
            assert absent not in text


class TestRegenerateWithANote:
    def test_with_an_llm_the_note_goes_into_the_prompt(
        self, grounded: World, loopback: Loopback
    ) -> None:
        loopback.script = [(200, json.dumps(valid_agenda()))] * 2
        gateway = gateway_for(grounded, loopback)
        with session_scope(grounded.services.sessions) as session:
            draft = drafting.request_draft(
                services=grounded.services,
                session=session,
                kind=DraftKind.agenda,
                principal=OPERATOR,
                relationship_id=grounded.first,
                gateway=gateway,
            )
            draft.review_note = "More time on the rollout plan, please."
            drafting.regenerate(
                services=grounded.services, session=session, draft=draft, gateway=gateway
            )
            payload = drafting.payload(draft)
        first, again = (r["messages"][-1]["content"] for r in loopback.requests)
        assert "rollout plan" not in first
        assert '<data name="review_note">More time on the rollout plan, please.</data>' in again
        assert payload["revision"]["followed_by"] == "llm" and not payload["revision"]["message"]


def test_the_failed_draft_is_a_draft_row(grounded: World, loopback: Loopback) -> None:
    """A failed draft is read like any other: by id, with its kind and error."""
    loopback.script = [(503, "down")]
    with pytest.raises(LLMUnavailable):
        request(
            grounded,
            DraftKind.brief,
            relationship_id=grounded.first,
            gateway=gateway_for(grounded, loopback),
        )
    with grounded.services.sessions() as session:
        [row] = session.scalars(select(Draft)).all()
        assert (row.kind, row.status, row.attempts) == ("brief", DraftStatus.failed, 1)
        assert "unavailable" in row.error
