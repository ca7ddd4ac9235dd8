"""/metrics: who may read it, what it counts, and that it names nobody."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_fastapi_instrumentator import routing
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from pydantic import SecretStr
from sqlalchemy import select

from api import observability
from api.app import create_app
from companion import demo, logs
from companion.accounts.models import User
from companion.drafting.models import Draft, DraftStatus
from companion.participants.models import Participant
from companion.runtime import Services

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.7", 50000)
COORDINATOR = {"Authorization": "Bearer mc_demo-coordinator"}


@pytest.fixture
def demo_services(services: Services) -> Services:
    with services.sessions() as session:
        demo.load(session=session, vectors=services.profile_vectors, services=services)
        session.commit()
    return services


@pytest.fixture
def with_token(demo_services: Services) -> Iterator[Services]:
    settings = demo_services.settings.model_copy(
        update={"metrics_token": SecretStr("scrape-secret-0123")}
    )
    built = Services(settings, encoder=demo_services.encoder, chroma=demo_services.chroma)
    yield built
    built.close()


def value(body: str, series: str) -> float:
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} is not in /metrics")


class TestWhoMayRead:
    def test_loopback_reads_without_a_token_when_none_is_set(self, demo_services) -> None:
        with TestClient(create_app(services=demo_services), client=LOOPBACK) as client:
            assert client.get("/metrics").status_code == 200

    def test_anyone_else_gets_the_same_404_as_a_missing_page(self, demo_services) -> None:
        with TestClient(create_app(services=demo_services), client=ELSEWHERE) as client:
            refused = client.get("/metrics")
            missing = client.get("/no-such-page")
            assert refused.status_code == missing.status_code == 404
            assert refused.text == missing.text
            # A signed-in coordinator is no scraper either.
            assert client.get("/metrics", headers=COORDINATOR).status_code == 404

    def test_with_a_token_set_only_the_token_reads_even_from_loopback(self, with_token) -> None:
        with TestClient(create_app(services=with_token), client=LOOPBACK) as client:
            assert client.get("/metrics").status_code == 404
            wrong = {"Authorization": "Bearer scrape-secret-0124"}
            assert client.get("/metrics", headers=wrong).status_code == 404
            right = {"Authorization": "Bearer scrape-secret-0123"}
            assert client.get("/metrics", headers=right).status_code == 200
        with TestClient(create_app(services=with_token), client=ELSEWHERE) as client:
            assert client.get("/metrics", headers=right).status_code == 200

    def test_production_without_a_token_lets_nobody_read(self, demo_services) -> None:
        settings = demo_services.settings.model_copy(
            update={"environment": "production", "secret_key": SecretStr("x" * 32)}
        )
        built = Services(settings, encoder=demo_services.encoder, chroma=demo_services.chroma)
        try:
            with TestClient(create_app(services=built), client=LOOPBACK) as client:
                assert client.get("/metrics").status_code == 404
        finally:
            built.close()


class TestWhatItCounts:
    def test_requests_by_route_template_drafts_llm_use_and_the_outbox(
        self, demo_services: Services
    ) -> None:
        with TestClient(create_app(services=demo_services), client=LOOPBACK) as client:
            programs = client.get("/api/v1/programs", headers=COORDINATOR).json()["items"]
            program_id = programs[0]["id"]
            assert client.get(f"/api/v1/programs/{program_id}", headers=COORDINATOR).is_success
            body = client.get("/metrics").text
        with demo_services.sessions() as session:
            drafts = session.scalars(select(Draft)).all()
            people = session.scalars(select(Participant)).all()
            users = session.scalars(select(User)).all()
        assert drafts, "the demo has drafts to count"
        pending = sum(1 for d in drafts if d.status == DraftStatus.pending_review)
        assert value(body, 'companion_drafts{status="pending_review"}') == pending
        assert value(body, 'companion_drafts{status="failed"}') == sum(
            1 for d in drafts if d.status == DraftStatus.failed
        )
        offline = [d for d in drafts if d.model == "offline"]
        assert value(body, 'companion_llm_drafts_total{model="offline"}') == len(offline)
        assert value(body, 'companion_llm_calls_total{model="offline"}') == sum(
            d.attempts for d in offline
        )
        assert "companion_outbox_backlog 0.0" in body
        # Requests are counted by the route's template, never by the id in the path.
        assert 'handler="/api/v1/programs/{program_id}"' in body
        assert f'handler="/api/v1/programs/{program_id}"' not in body
        # No person is named anywhere in it.
        for person in people:
            assert person.name not in body
            assert person.email not in body
        for user in users:
            assert user.email not in body


class TestRequestIds:
    def test_an_id_is_kept_or_made_and_sent_back_and_logged(
        self, demo_services: Services, caplog: pytest.LogCaptureFixture
    ) -> None:
        with (
            caplog.at_level(logging.INFO, logger="companion.access"),
            TestClient(create_app(services=demo_services)) as client,
        ):
            given = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.1"})
            made = client.get("/healthz")
            odd = client.get("/healthz", headers={"X-Request-ID": "two words <script>"})
        assert given.headers["x-request-id"] == "edge-7f3a.1"
        assert len(made.headers["x-request-id"]) == 32
        assert odd.headers["x-request-id"] != "two words <script>"
        lines = [r for r in caplog.records if r.name == "companion.access"]
        assert [(r.route, r.status) for r in lines] == [("/healthz", 200)] * 3
        assert [r.request_id for r in lines] == [
            "edge-7f3a.1",
            made.headers["x-request-id"],
            odd.headers["x-request-id"],
        ]


def test_a_json_log_line_carries_the_request_id_of_its_request() -> None:
    record = logging.makeLogRecord(
        {"name": "companion.api", "levelname": "WARNING", "msg": "slow %s", "args": ("draft",)}
    )
    token = logs.request_id.set("req-42")
    try:
        line = json.loads(logs.JsonFormatter().format(record))
    finally:
        logs.request_id.reset(token)
    assert line["request_id"] == "req-42"
    assert line["message"] == "slow draft"
    assert line["level"] == "warning"
    assert "request_id" not in json.loads(logs.JsonFormatter().format(record))


def _requests_series(app: FastAPI) -> dict[tuple[str, ...], float]:
    """Every labelled series of the HTTP metrics but the timings: (name, labels) -> value."""
    series: dict[tuple[str, ...], float] = {}
    for family in app.state.http_metrics.collect():
        for sample in family.samples:
            if "duration" in sample.name or sample.name.endswith("_created"):
                continue
            key = (sample.name, *(f"{k}={v}" for k, v in sorted(sample.labels.items())))
            series[key] = sample.value
    return series


def _one_request_per_route(app: FastAPI) -> list[tuple[str, str]]:
    """A request for every route of the app (ids filled in), and the awkward ones."""
    wanted: list[tuple[str, str]] = []
    for route in routing._effective_routes(app.routes):
        path = getattr(route, "path", None)
        if path is None:
            continue
        method = sorted(getattr(route, "methods", None) or {"GET"})[0]
        wanted.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return [
        *wanted,
        ("GET", "/no-such-page"),  # no route: labelled "none"
        ("GET", "/static/style.css"),  # a mounted app
        ("GET", "/static/no-such-file.css"),
        ("DELETE", "/healthz"),  # the path's route, the wrong method: 405
        ("GET", "/api/v1/programs/"),  # redirected to the path without the slash
        ("GET", "/api/v1/relationships/2147483648"),  # refused before the handler
        ("GET", "/metrics"),  # not counted
    ]


class TestRouteTemplates:
    def test_every_request_is_labelled_as_the_instrumentator_labels_it(
        self, services: Services, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The middleware reads the route the app matched; the library matches the path
        against every route again. Same requests to both: the same series, the same counts."""
        ours = create_app(services=services)
        monkeypatch.setattr(
            observability, "RouteTemplateMetrics", PrometheusInstrumentatorMiddleware
        )
        theirs = create_app(services=services)
        requests = _one_request_per_route(ours)
        assert len(requests) > 200
        for app in (ours, theirs):
            with TestClient(app, client=LOOPBACK, raise_server_exceptions=False) as client:
                for method, path in requests:
                    client.request(method, path, follow_redirects=False)
        counted = _requests_series(ours)
        assert counted == _requests_series(theirs)
        handlers = {key[1] for key in counted if key[0] == "http_requests_total"}
        assert "handler=/api/v1/relationships/{relationship_id}" in handlers
        assert "handler=/static" in handlers
        assert "handler=none" in handlers
        assert "handler=/api/v1/programs/" in handlers
        assert not any("/metrics" in handler for handler in handlers)
