"""LLM fallbacks (`COMPANION_LLM_FALLBACKS`): the litellm Router path, over a loopback server.

The server here answers per requested model name, not from one ordered script,
so each test says what `primary` and `backup` do and the outcome cannot hinge on
how many calls litellm makes or in which order. The app's own settings name
both models, so the HTTP tests build the gateway exactly as production does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from companion.drafting.gateway import Gateway
from companion.drafting.models import DraftStatus
from companion.errors import LLMUnavailable
from companion.settings import Settings
from prompts.schemas import DraftKind
from tests.drafting.test_service import drafts, request, valid_agenda
from tests.helpers import chat_completion, free_port, json_server
from tests.relationships.conftest import World

PRIMARY = "openai/primary"
BACKUP = "openai/backup"
AGENDA = json.dumps(valid_agenda())
DOWN = (503, "overloaded")


@dataclass
class ModelServer:
    """An OpenAI-compatible server whose answers depend on the requested model.

    `replies[name]` is consumed in order and its last reply repeats; an unknown
    name is a 404. `requests` lists the model names asked for, in order.
    """

    replies: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    names_model: bool = True  # whether a reply says which model wrote it
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, model: str) -> tuple[int, dict]:
        self.requests.append(model)
        script = self.replies.get(model) or [(404, f"no model {model}")]
        status, content = script.pop(0) if len(script) > 1 else script[0]
        model_named = model if self.names_model else None
        return status, chat_completion(
            status, content, number=len(self.requests), model=model_named
        )


@pytest.fixture
def server() -> Iterator[ModelServer]:
    state = ModelServer()
    with json_server(lambda body: state.answer(body["model"])) as port:
        state.port = port
        yield state


@pytest.fixture
def settings(settings: Settings, server: ModelServer) -> Settings:
    """The shared test settings, with `primary` falling back to `backup` on the server."""
    return settings.model_copy(
        update={
            "llm_model": PRIMARY,
            "llm_api_base": server.api_base,
            "llm_fallbacks": [BACKUP],
            "llm_retries": 0,
            "llm_timeout_seconds": 10,
        }
    )


def ask_for_agenda(world: World):
    return world.client.post(
        "/api/v1/drafts",
        headers=world.headers("maya"),
        json={"kind": "agenda", "relationship_id": world.first},
    )


class TestTheFallbackAnswers:
    @pytest.mark.parametrize("failure", [500, 503])
    def test_a_failing_primary_is_answered_by_the_fallback(
        self, world: World, server: ModelServer, failure: int
    ) -> None:
        server.replies = {"primary": [(failure, "down")], "backup": [(200, AGENDA)]}
        response = ask_for_agenda(world)
        assert response.status_code == 201, response.json()
        assert server.requests == ["primary", "backup"]
        [stored] = drafts(world)
        assert stored.id == response.json()["id"]
        assert (stored.status, stored.model) == (DraftStatus.pending_review, "backup")
        assert (stored.attempts, stored.prompt_tokens, stored.completion_tokens) == (1, 120, 80)
        assert stored.content == json.loads(AGENDA)

    def test_the_fallback_is_recorded_when_its_reply_does_not_name_a_model(
        self, world: World, server: ModelServer
    ) -> None:
        server.replies = {"primary": [DOWN], "backup": [(200, AGENDA)]}
        server.names_model = False
        response = ask_for_agenda(world)
        assert response.status_code == 201, response.json()
        assert server.requests == ["primary", "backup"]
        assert response.json()["model"] == BACKUP
        [stored] = drafts(world)
        assert stored.model == BACKUP

    def test_the_re_ask_goes_through_the_fallback_too(
        self, world: World, server: ModelServer
    ) -> None:
        # Attempts count answers asked for (first ask and re-ask), not HTTP calls.
        server.replies = {"primary": [DOWN], "backup": [(200, '{"objectives": []}'), (200, AGENDA)]}
        response = ask_for_agenda(world)
        assert response.status_code == 201, response.json()
        assert server.requests == ["primary", "backup", "primary", "backup"]
        [stored] = drafts(world)
        assert (stored.status, stored.model, stored.attempts) == (
            DraftStatus.pending_review,
            "backup",
            2,
        )
        assert stored.prompt_tokens == 240

    def test_a_healthy_primary_answers_without_the_fallback(
        self, world: World, server: ModelServer
    ) -> None:
        server.replies = {"primary": [(200, AGENDA)], "backup": [DOWN]}
        response = ask_for_agenda(world)
        assert response.status_code == 201, response.json()
        assert server.requests == ["primary"]
        assert response.json()["model"] == "primary"


class TestEveryModelFails:
    def test_the_caller_gets_a_503_with_a_retry_hint_and_a_failed_draft(
        self, world: World, server: ModelServer
    ) -> None:
        server.replies = {"primary": [DOWN], "backup": [DOWN]}
        response = ask_for_agenda(world)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "llm_unavailable" and "retry" in error["message"]
        assert error["details"] == [{"retry_after_seconds": 30}]
        assert server.requests == ["primary", "backup"]
        [failed] = drafts(world)
        assert (failed.status, failed.model, failed.attempts) == (DraftStatus.failed, PRIMARY, 1)
        assert failed.error == error["message"]

    def test_a_closed_port_is_a_503_with_a_retry_hint(self, world: World) -> None:
        gateway = Gateway(
            world.services.settings.model_copy(
                update={"llm_api_base": f"http://127.0.0.1:{free_port()}/v1"}
            )
        )
        with pytest.raises(LLMUnavailable) as raised:
            request(world, DraftKind.agenda, relationship_id=world.first, gateway=gateway)
        assert raised.value.status_code == 503 and "retry" in raised.value.message
        assert raised.value.details == [{"retry_after_seconds": 30}]
        assert [d.status for d in drafts(world)] == [DraftStatus.failed]

    def test_a_rate_limit_everywhere_is_a_503_with_a_retry_hint(self, world: World) -> None:
        import litellm

        gateway = Gateway(world.services.settings)
        limited = litellm.RateLimitError("slow down", llm_provider="openai", model="primary")
        with pytest.raises(LLMUnavailable) as raised:
            request(
                world,
                DraftKind.agenda,
                relationship_id=world.first,
                gateway=gateway,
                mock_response=limited,
            )
        assert raised.value.status_code == 503
        assert raised.value.details == [{"retry_after_seconds": 60}]
        assert [d.status for d in drafts(world)] == [DraftStatus.failed]


class TestWithoutFallbacks:
    def test_a_failing_primary_is_not_replaced_and_fails_as_with_them(
        self, world: World, server: ModelServer
    ) -> None:
        server.replies = {"primary": [DOWN], "backup": [(200, AGENDA)]}
        alone = Gateway(world.services.settings.model_copy(update={"llm_fallbacks": []}))
        with pytest.raises(LLMUnavailable) as raised:
            request(world, DraftKind.agenda, relationship_id=world.first, gateway=alone)
        assert server.requests == ["primary"]
        assert raised.value.details == [{"retry_after_seconds": 30}]
        [failed] = drafts(world)
        assert (failed.status, failed.model, failed.attempts) == (DraftStatus.failed, PRIMARY, 1)
