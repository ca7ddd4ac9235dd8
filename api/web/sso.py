"""Signing in with the organisation's OpenID Connect provider, and linking it to an account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.web.auth import safe_next
from api.web.core import Form, WebUser, begin_session, flash, optional_web_user, redirect, render
from companion.errors import Conflict, PermissionDenied, Unauthenticated
from companion.identity import oidc

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
_STATE = "oidc_state"


@router.get("/login/sso", response_model=None)
def start(
    request: Request, session: SessionDep, services: ServicesDep, next: str | None = None
) -> RedirectResponse:
    """Off to the provider; the state stays in this browser's cookie to compare on return."""
    url, state = oidc.begin(
        session=session, settings=services.settings, next_path=safe_next(next), link_to=None
    )
    request.session[_STATE] = state
    return redirect(url)


@router.post("/account/sso/link", response_model=None)
def link(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> RedirectResponse:
    """The signed-in person links the provider to their own account."""
    url, state = oidc.begin(
        session=session, settings=services.settings, next_path="/account", link_to=user
    )
    request.session[_STATE] = state
    return redirect(url)


@router.get(oidc.CALLBACK_PATH, response_model=None)
def callback(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
) -> HTMLResponse | RedirectResponse:
    browser_state = request.session.pop(_STATE, None)
    try:
        signed_in = oidc.complete(
            session=session,
            settings=services.settings,
            state=state,
            browser_state=browser_state,
            code=code,
            error=error,
            signed_in=optional_web_user(request, session),
        )
    except (Unauthenticated, PermissionDenied, Conflict) as exc:
        # Kept, not rolled back: the state is spent and the refusal is in the audit trail.
        return render(
            request,
            "login.html",
            status_code=exc.status_code,
            next="/",
            email="",
            errors={"_form": exc.message},
        )
    begin_session(request, signed_in.started)
    flash(request, f"Signed in with {services.settings.oidc_provider_name}.")
    return redirect(safe_next(signed_in.next_path))
