"""Matching weights are refused unless finite, from 0 to 1, and at least one above 0."""

from __future__ import annotations

import json

import httpx
import pytest

from companion.db import session_scope
from companion.errors import InvalidInput
from companion.matching.config import COMPONENTS
from companion.programs import service as programs
from tests.helpers import TEST_SYSTEM
from tests.locks.conftest import Served

ALL_ZERO = dict.fromkeys(COMPONENTS, 0)


def _patch(served: Served, weights: dict) -> httpx.Response:
    with served.client(served.coordinator) as client:
        # Sent as written: NaN is not JSON, but some clients send it anyway.
        return client.patch(
            f"/api/v1/programs/{served.program_id}",
            content=json.dumps({"matching": {"weights": weights}}),
            headers={"Content-Type": "application/json"},
        )


class TestThroughTheApi:
    def test_all_weights_at_zero_are_refused_naming_them(self, served: Served) -> None:
        response = _patch(served, ALL_ZERO)
        assert response.status_code == 422
        body = response.json()["error"]
        assert "weights" in json.dumps(body["details"])
        assert "at least one of semantic" in body["message"]

    @pytest.mark.parametrize(
        ("value", "field"), [(float("nan"), "skills"), (-0.5, "skills"), (float("inf"), "skills")]
    )
    def test_a_weight_that_is_not_a_number_from_0_to_1_is_refused(
        self, served: Served, value: float, field: str
    ) -> None:
        response = _patch(served, {field: value})
        assert response.status_code == 422
        assert field in json.dumps(response.json()["error"]["details"])

    def test_setting_the_last_weight_to_zero_is_refused_and_nothing_changes(
        self, served: Served
    ) -> None:
        assert _patch(served, {**ALL_ZERO, "semantic": 1}).status_code == 200
        response = _patch(served, {"semantic": 0})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "matching.weights"
        with served.client(served.coordinator) as client:
            program = client.get(f"/api/v1/programs/{served.program_id}").json()
        assert program["matching"]["weights"]["semantic"] == 1


def test_the_service_refuses_all_zero_weights_when_a_program_is_created(served: Served) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(served.services.sessions) as s:
        programs.create(
            session=s,
            name="Weightless",
            principal=TEST_SYSTEM,
            matching={"weights": ALL_ZERO},
        )
    assert refused.value.details[0]["field"] == "matching.weights"
