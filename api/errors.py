"""One place that renders every error as {"error": {"code", "message"}}."""

from __future__ import annotations

import asyncio
import logging
import random

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from companion.db import concurrency_failure
from companion.errors import CompanionError, Unauthenticated

log = logging.getLogger("companion.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_body(code: str, message: str, details: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict]]:
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        where = ".".join(location[1:]) if len(location) > 1 else ".".join(location)
        source = location[0] if location else "request"
        details.append({"location": source, "field": where, "message": error.get("msg", "")})
    summary = "; ".join(f"{d['location']} field '{d['field']}': {d['message']}" for d in details)
    return f"Invalid request: {summary}", details


API_PREFIXES = ("/api/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json", "/static/")


def is_web(request: Request) -> bool:
    """Pages answer errors with a page; the API and probes with JSON."""
    return not request.url.path.startswith(API_PREFIXES)


SCIM_PREFIX = "/scim/"


def scim_error(status: int, message: str, scim_type: str | None = None, headers=None):
    """An error in SCIM's own format (RFC 7644, section 3.12)."""
    body: dict = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": message,
    }
    if scim_type:
        body["scimType"] = scim_type
    return JSONResponse(
        body, status_code=status, media_type="application/scim+json", headers=headers
    )


def _page(request: Request, status: int, message: str):
    from api.web.core import error_page

    titles = {
        400: "That did not work",
        401: "Please sign in",
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        409: "Changed in the meantime",
        422: "Please check what you entered",
        503: "Busy, please retry",
    }
    return error_page(request, status, titles.get(status, "Something went wrong"), message)


def install_error_handlers(app: FastAPI) -> None:
    from api.web.core import LoginRequired

    app.add_middleware(RetryConcurrentWrites)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired):
        from urllib.parse import quote

        from fastapi.responses import RedirectResponse

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CompanionError)
    async def _companion_error(request: Request, exc: CompanionError):
        if request.url.path.startswith(SCIM_PREFIX):
            return scim_error(
                exc.status_code,
                exc.message,
                getattr(exc, "scim_type", None),
                {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None,
            )
        if is_web(request):
            page = _page(request, exc.status_code, exc.message)
            if exc.retry_after is not None:
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        message, details = _describe_validation(exc)
        if request.url.path.startswith(SCIM_PREFIX):
            return scim_error(400, message, "invalidValue")
        if is_web(request):
            return _page(request, 422, message)
        return JSONResponse(error_body("invalid_input", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(SCIM_PREFIX):
            return scim_error(exc.status_code, str(exc.detail))
        if is_web(request):
            message = (
                "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
            )
            return _page(request, exc.status_code, message)
        code = _HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side; it has been logged."),
            status_code=500,
        )


# A request that lost to concurrent work is run again this many times before it is
# answered 503 (busy) or 409 (conflict); each try is one whole, rolled-back transaction.
CONCURRENCY_RETRIES = 2
_BUSY = "The database is busy with other changes; nothing was saved. Retry in a moment."
_CONFLICT = (
    "This was changed by someone else at the same moment; nothing was saved. Reload and retry."
)


class RetryConcurrentWrites:
    """Run a request again when its transaction lost to a concurrent one; never a 500.

    One request is one transaction (`SessionDep`), rolled back whole when it fails, so
    running the request again is safe as long as no answer has begun. A serialisation
    failure, a deadlock, a lock timeout or SQLite's "database is locked" is retried
    (CONCURRENCY_RETRIES times, after a short random pause) and then answered 503 with
    Retry-After; a unique value taken by a concurrent commit is retried (the service
    then sees it) and then answered 409. The request body is read once and replayed;
    one larger than MAX_REPLAYED_BODY_BYTES is run once, and answered the same way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        buffered, complete = await _read_body(receive)
        # A body too large to hold for a second try is run once, the rest streamed.
        attempts = CONCURRENCY_RETRIES + 1 if complete else 1
        kind = "busy"
        for attempt in range(attempts):
            started = False

            async def tracked(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            # Each try gets a scope of its own; what routing found (the route, for the
            # access log and metrics outside) is passed back out.
            tried = dict(scope)
            try:
                await self.app(tried, _replay(buffered, receive), tracked)
                return
            except Exception as exc:
                failure = concurrency_failure(exc)
                if failure is None or started:
                    raise
                kind = failure
                log.warning(
                    "%s %s lost to concurrent work (%s, try %d of %d)",
                    scope.get("method"),
                    scope.get("path"),
                    kind,
                    attempt + 1,
                    attempts,
                )
                if attempt + 1 < attempts:
                    await asyncio.sleep(random.uniform(0.01, 0.05) * 2**attempt)
            finally:
                if "route" in tried:
                    scope["route"] = tried["route"]
        response = _concurrency_answer(Request(scope), kind)
        await response(scope, receive, send)


# A request body is held in memory to be replayed only up to this size; a larger one
# (an upload) is streamed through once and not retried.
MAX_REPLAYED_BODY_BYTES = 8 * 1024 * 1024


async def _read_body(receive: Receive) -> tuple[list[Message], bool]:
    """The body's messages read so far, and whether they are all of it."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages, True
        size += len(message.get("body", b""))
        if size > MAX_REPLAYED_BODY_BYTES:
            return messages, False


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives `messages` again, in order, and then reads on."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _concurrency_answer(request: Request, kind: str) -> Response:
    status, code, message = (503, "busy", _BUSY) if kind == "busy" else (409, "conflict", _CONFLICT)
    if is_web(request):
        response = _page(request, status, message)
    else:
        response = JSONResponse(error_body(code, message), status_code=status)
    if status == 503:
        response.headers["Retry-After"] = "1"
    return response
