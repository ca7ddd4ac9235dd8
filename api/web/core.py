"""What every page shares: templates, the signed-in user, CSRF, flash messages, errors.

The cookie is signed (Starlette's SessionMiddleware with the app's secret
key) and holds a CSRF token, flash messages and, once signed in, a session
token. The token counts only while its record on the server is open
(companion.accounts.web_sessions), so signing out ends it everywhere at once.
Every form posts the CSRF token back; a POST without the right one is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from api.deps import SessionDep
from companion.accounts import service as accounts
from companion.accounts import web_sessions
from companion.accounts.models import User
from companion.accounts.web_sessions import StartedSession
from companion.errors import PermissionDenied
from knowledge.render import public_source, section_anchor

HERE = Path(__file__).parent


def _sign_in_options(request: Request) -> dict[str, Any]:
    """How people sign in here (a password, the organisation's provider), for every page."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        return {"password_sign_in": True, "sso_name": None}
    settings = services.settings
    return {
        "password_sign_in": settings.password_sign_in,
        "sso_name": settings.oidc_provider_name if settings.sso_enabled else None,
    }


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_sign_in_options])
# A moment stored as ISO text (a draft's approvals) read as the moment it is, for `when`.
templates.env.filters["moment"] = lambda value: (
    datetime.fromisoformat(value) if isinstance(value, str) and value else value
)


def guide_url(doc_id: str, heading: str = "", title: str = "") -> str:
    """Where a cited guide is read, at the section the passage sits under."""
    anchor = section_anchor(heading, title)
    return f"/knowledge/guides/{quote(doc_id, safe='')}" + (f"#{anchor}" if anchor else "")


templates.env.globals["guide_url"] = guide_url
templates.env.filters["public_source"] = public_source
SESSION_COOKIE = "mc_session"
SESSION_SECONDS = int(web_sessions.IDLE_TIMEOUT.total_seconds())
_TOKEN = "session_token"


class LoginRequired(Exception):
    """No signed-in user: pages redirect to the sign-in form."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "text": message}]


def roles_of(user: User | None) -> dict[str, bool]:
    """Which parts of the navigation to show; each page still asks the services."""
    if user is None:
        return {"admin": False, "coordinator": False, "mentor": False, "mentee": False}
    return accounts.role_summary(user)


def render(
    request: Request,
    name: str,
    *,
    user: User | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the signed-in user, their roles, the CSRF token and flashes."""
    messages = request.session.pop("flash", [])
    roles = context.pop("roles", None) or roles_of(user)
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "roles": roles,
            "csrf_token": csrf_token(request),
            "flashes": messages,
            "errors": context.pop("errors", {}),
            **context,
        },
        status_code=status_code,
    )


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=303)


def begin_session(request: Request, started: StartedSession) -> None:
    """Hand a newly started session to this browser; nothing of the old cookie carries over
    (a token planted before signing in, a CSRF token, flashes)."""
    request.session.clear()
    request.session[_TOKEN] = started.token


def end_session(request: Request, session: Session) -> None:
    """Sign this browser out: its session ends on the server, the cookie is emptied."""
    token = request.session.get(_TOKEN)
    if token:
        web_sessions.end(session=session, token=token)
    request.session.clear()


def client_address(request: Request) -> str:
    """The address sign-in throttling counts against (the proxy's, unless the server is told
    to trust forwarded headers)."""
    return request.client.host if request.client else "unknown"


def current_web_user(request: Request, session: SessionDep) -> User:
    token = request.session.get(_TOKEN)
    found = web_sessions.current(session=session, token=token) if token else None
    if found is None:
        request.session.pop(_TOKEN, None)
        raise LoginRequired
    user, record = found
    request.state.web_session_id = record.id
    # A plain copy for error pages: after a failed request rolls back, the ORM
    # object can no longer load its attributes.
    request.state.web_user = SimpleNamespace(
        id=user.id, email=user.email, display_name=user.display_name, roles_view=roles_of(user)
    )
    return user


WebUser = Annotated[User, Depends(current_web_user)]


def optional_web_user(request: Request, session: Session) -> User | None:
    """Who this browser is signed in as, if anyone (a page open to everyone asks)."""
    token = request.session.get(_TOKEN)
    found = web_sessions.current(session=session, token=token) if token else None
    return found[0] if found else None


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this session's CSRF token."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise PermissionDenied(
            "This form has expired or did not come from this site; reload the page and try again."
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    user = getattr(request.state, "web_user", None)
    return render(
        request,
        "error.html",
        user=user,
        roles=user.roles_view if user is not None else None,
        status_code=status_code,
        title=title,
        message=message,
    )
