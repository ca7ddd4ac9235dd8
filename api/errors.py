"""One place that renders every error as {"error": {"code", "message"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

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

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired):
        from urllib.parse import quote

        from fastapi.responses import RedirectResponse

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CompanionError)
    async def _companion_error(request: Request, exc: CompanionError):
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
        if is_web(request):
            return _page(request, 422, message)
        return JSONResponse(error_body("invalid_input", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
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

    @app.exception_handler(OperationalError)
    async def _database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" not in str(exc.orig):
            return await _unexpected(_request, exc)
        return JSONResponse(
            error_body("busy", "The database is busy with another change; retry in a moment."),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side; it has been logged."),
            status_code=500,
        )
