"""Request ids, one access line per request, Prometheus metrics, optional tracing."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import metrics as instrumentation
from prometheus_fastapi_instrumentator import routing
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import ServicesDep, SessionDep
from companion import logs
from companion import metrics as figures

access = logging.getLogger("companion.access")
log = logging.getLogger("companion.api")

# A caller's id is kept if it looks like one (a proxy's or a client's trace id);
# anything else is replaced, so a log line never carries what a client made up.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIds:
    """Give each request an id (`X-Request-ID` in, or a new one), log it, send it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        current = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        token = logs.request_id.set(current)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *(h for h in message["headers"] if h[0].lower() != b"x-request-id"),
                    (b"x-request-id", current.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            # The route's template (/api/v1/drafts/{draft_id}), never the query string:
            # a search query is someone's words.
            access.info(
                "request",
                extra={
                    "request_id": current,
                    "method": scope["method"],
                    "route": getattr(route, "path", None) or "unmatched",
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            logs.request_id.reset(token)


class RouteTemplateMetrics(PrometheusInstrumentatorMiddleware):
    """prometheus-fastapi-instrumentator's middleware, labelling each request by the route
    the app matched for it instead of matching it again.

    The library finds a request's route template before the request runs by trying its
    path against every route of the app, flattening the included routers again on every
    request: with this app's few hundred routes that was the largest single cost of a
    request outside its own work (docs/performance.md, "Throughput"). By the time the
    answer is sent the router has matched the route and left it in `scope["route"]`; its
    template is looked up in a table made once from the library's own flattening, so the
    label is the one the library gives. A request no route took (a 404, a redirect to
    the path with or without its final slash, a mounted app such as /static), or one
    whose route is not in the table, is looked up the library's way, on the scope as it
    arrived. The same options as `Instrumentator` (in-progress gauges and body handlers
    are not offered: nothing here uses them).
    """

    def __init__(self, app: ASGIApp, **options: object) -> None:
        super().__init__(app, **options)  # type: ignore[arg-type]
        if (
            self.should_instrument_requests_inprogress
            or self.body_handlers
            or self.async_instrumentations
        ):
            raise ValueError(
                "RouteTemplateMetrics has no in-progress gauge, body handlers or async "
                "instrumentations."
            )
        self._templates: dict[int, tuple[BaseRoute, str]] | None = None

    def _template_of(self, scope: Scope, arrived: Scope) -> tuple[str, bool]:
        route = scope.get("route")
        if route is not None and not self.should_include_root_path:
            if self._templates is None:
                self._templates = _route_templates(scope["app"].routes)
            known = self._templates.get(id(route))
            if known is not None and known[0] is route:
                return known[1], True
        return self._get_handler(Request(arrived))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = dict(scope)
        start_time = time.perf_counter()
        status_code = 500
        headers: list[tuple[bytes, bytes]] = []
        response_start_time = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status_code, headers, response_start_time
            if message["type"] == "http.response.start":
                headers = message["headers"]
                status_code = message["status"]
                response_start_time = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            handler, is_templated = self._template_of(scope, arrived)
            if not self._is_handler_excluded(handler, is_templated):
                self._record(
                    scope,
                    "none" if not is_templated and self.should_group_untemplated else handler,
                    status_code,
                    headers,
                    duration=max(time.perf_counter() - start_time, 0.0),
                    until_answer=(
                        max(response_start_time - start_time, 0.0) if response_start_time else 0.0
                    ),
                )

    def _record(
        self,
        scope: Scope,
        handler: str,
        status_code: int,
        headers: list[tuple[bytes, bytes]],
        *,
        duration: float,
        until_answer: float,
    ) -> None:
        if self.should_round_latency_decimals:
            duration = round(duration, self.round_latency_decimals)
            until_answer = round(until_answer, self.round_latency_decimals)
        status = str(status_code)
        if self.should_group_status_codes:
            status = status[0] + "xx"
        request = Request(scope)
        info = instrumentation.Info(
            request=request,
            response=Response(content=b"", headers=Headers(raw=headers), status_code=status_code),
            method=request.method,
            modified_handler=handler,
            modified_status=status,
            modified_duration=duration,
            modified_duration_without_streaming=until_answer,
        )
        for instrument in self.instrumentations:
            instrument(info)


def _route_templates(routes: list[BaseRoute]) -> dict[int, tuple[BaseRoute, str]]:
    """id(route) -> the route and the template the instrumentator labels it with: the path
    of each flattened route (`routing._effective_routes`), for routes that appear once."""
    found: dict[int, tuple[BaseRoute, str] | None] = {}
    for flat in routing._effective_routes(routes):
        path = getattr(flat, "path", None)
        if isinstance(flat, Mount) or path is None:
            continue
        route = getattr(flat, "original_route", None) or flat
        found[id(route)] = (route, path) if id(route) not in found else None
    return {key: known for key, known in found.items() if known is not None}


class _Figures(Collector):
    """The deployment's figures, read once for one scrape."""

    def __init__(self, read: figures.Figures) -> None:
        self.read = read

    def collect(self):  # type: ignore[override]
        drafts = GaugeMetricFamily(
            "companion_drafts", "Drafts by review status.", labels=["status"]
        )
        for status, count in self.read.drafts_by_status.items():
            drafts.add_metric([status], count)
        yield drafts
        per_model = {
            "companion_llm_drafts": ("Drafts requested from each model.", "drafts"),
            "companion_llm_calls": ("Generation attempts (re-asks included).", "calls"),
            "companion_llm_prompt_tokens": ("Prompt tokens used.", "prompt_tokens"),
            "companion_llm_completion_tokens": ("Completion tokens used.", "completion_tokens"),
            "companion_llm_errors": ("Drafts whose generation failed.", "failures"),
        }
        for name, (help_text, attribute) in per_model.items():
            family = CounterMetricFamily(name, help_text, labels=["model"])
            for use in self.read.models:
                family.add_metric([use.model], getattr(use, attribute))
            yield family
        backlog = GaugeMetricFamily("companion_outbox_backlog", "Notifications waiting to be sent.")
        backlog.add_metric([], self.read.outbox_backlog)
        yield backlog


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    token = authorization.removeprefix("Bearer ").strip() if authorization else None
    read = figures.read_figures(
        session=session,
        settings=services.settings,
        client_host=request.client.host if request.client else None,
        token=token,
    )
    scrape = CollectorRegistry(auto_describe=True)
    scrape.register(_Figures(read))
    body = generate_latest(request.app.state.http_metrics) + generate_latest(scrape)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def install(app: FastAPI) -> None:
    """Request ids and access lines, HTTP metrics by route template, tracing if installed."""
    registry = CollectorRegistry(auto_describe=True)
    app.state.http_metrics = registry
    app.add_middleware(
        RouteTemplateMetrics,
        registry=registry,
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
    )
    app.include_router(router)
    app.add_middleware(RequestIds)
    _trace(app)


def _trace(app: FastAPI) -> None:
    """OpenTelemetry spans per request, only where its FastAPI instrumentation is installed
    and an exporter is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`); never a dependency."""
    import os

    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but opentelemetry-instrumentation-fastapi "
            "is not installed: no traces"
        )
        return
    FastAPIInstrumentor.instrument_app(app)
