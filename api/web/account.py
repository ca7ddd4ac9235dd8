"""The account page: change your own password, see where you are signed in, sign out
everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import (
    Form,
    WebUser,
    begin_session,
    client_address,
    flash,
    redirect,
    render,
)
from companion.accounts import web_sessions
from companion.credentials import sign_in
from companion.errors import CompanionError, TooManyRequests

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _page(
    request: Request, session: SessionDep, user: WebUser, *, status_code: int = 200, **context
) -> HTMLResponse:
    return render(
        request,
        "account.html",
        user=user,
        status_code=status_code,
        open_sessions=web_sessions.active(session=session, principal=user, user_id=user.id),
        this_session=getattr(request.state, "web_session_id", None),
        **context,
    )


@router.get("/account", response_model=None)
def account(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    return _page(request, session, user)


@router.post("/account/password", response_model=None)
def change_password(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    try:
        started = sign_in.change_password(
            session=session,
            principal=user,
            current_password=str(form.get("current_password", "")),
            password=str(form.get("password", "")),
            confirm=str(form.get("confirm", "")),
            address=client_address(request),
            settings=services.settings,
        )
    except CompanionError as exc:
        # Not rolled back: a wrong current password must still count against the account.
        page = _page(
            request, session, user, status_code=exc.status_code, errors=forms.service_errors(exc)
        )
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    begin_session(request, started)
    flash(request, "Your password is changed. Every other browser is signed out.")
    return redirect("/account")


@router.post("/account/sessions/end", response_model=None)
def sign_out_everywhere(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    web_sessions.sign_out_everywhere(session=session, principal=user, user_id=user.id)
    request.session.clear()
    flash(request, "You are signed out everywhere, in this browser too.")
    return redirect("/login")
