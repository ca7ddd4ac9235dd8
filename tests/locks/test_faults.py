"""Bounded faults: one retry layer, counted; Retry-After passed on; model answers capped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.db import session_scope
from companion.drafting.models import Draft, DraftStatus
from tests.locks.conftest import Served, SlowModel

QUESTION = {"kind": "answer", "text": "How do I open a first session?"}


def _ask(served: Served) -> tuple[int, dict[str, str], dict]:
    with served.client(served.coordinator) as client:
        response = client.post("/api/v1/drafts", json=QUESTION)
    return response.status_code, dict(response.headers), response.json()


def _drafts(served: Served) -> list[Draft]:
    with session_scope(served.services.sessions) as session:
        return list(session.scalars(select(Draft)))


@pytest.mark.parametrize("served", [{"llm_retries": 2}], indirect=True)
class TestOneRetryLayer:
    def test_a_provider_that_is_down_is_called_retries_plus_one_times(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        slow_model.status, slow_model.content = 500, "down"
        slow_model.release.set()
        status, headers, body = _ask(served)
        assert slow_model.calls == 3  # COMPANION_LLM_RETRIES=2, plus the first call
        assert status == 503
        assert headers["retry-after"] == "30"
        assert body["error"]["code"] == "llm_unavailable"
        [draft] = _drafts(served)
        assert draft.status == DraftStatus.failed
        assert draft.attempts == 3

    def test_a_provider_that_says_when_to_come_back_is_not_called_again(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        slow_model.status, slow_model.content = 503, "overloaded"
        slow_model.headers = {"Retry-After": "7"}
        slow_model.release.set()
        status, headers, body = _ask(served)
        assert slow_model.calls == 1
        assert (status, headers["retry-after"]) == (503, "7")
        assert "retry in 7 s" in body["error"]["message"]

    def test_a_rate_limit_passes_its_delay_on(self, served: Served, slow_model: SlowModel) -> None:
        slow_model.status, slow_model.content = 429, "slow down"
        slow_model.headers = {"Retry-After": "120"}
        slow_model.release.set()
        status, headers, _ = _ask(served)
        assert slow_model.calls == 1
        assert (status, headers["retry-after"]) == (503, "120")


@pytest.mark.parametrize("served", [{"llm_retries": 1, "llm_timeout_seconds": 1}], indirect=True)
def test_a_provider_that_hangs_is_given_retries_plus_one_timeouts(
    served: Served, slow_model: SlowModel
) -> None:
    # Never released while the request lasts: every call times out.
    status, headers, _ = _ask(served)
    slow_model.release.set()
    assert slow_model.calls == 2
    assert status == 503
    assert headers["retry-after"] == "30"


@pytest.mark.parametrize("served", [{"llm_max_answer_bytes": 4096}], indirect=True)
def test_an_answer_over_the_cap_fails_the_draft_and_is_not_kept(
    served: Served, slow_model: SlowModel
) -> None:
    secret = "a very long objective " * 300  # 6,600 bytes
    slow_model.content = '{"answer": "' + secret + '", "insufficient": true}'
    slow_model.release.set()
    status, _, body = _ask(served)
    assert status == 502
    assert body["error"]["code"] == "llm_answer_too_large"
    assert "capped at 4,096" in body["error"]["message"]
    [draft] = _drafts(served)
    assert draft.status == DraftStatus.failed
    assert "capped at 4,096 bytes (COMPANION_LLM_MAX_ANSWER_BYTES)" in (draft.error or "")
    assert draft.content is None and not draft.text
    assert "very long objective" not in (draft.error or "")
