"""The account page: change your own password, see where you are signed in, sign out
everywhere, make, see and revoke your API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.routes.rights import render_personal_data
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
from companion.accounts import api_tokens, web_sessions
from companion.credentials import sign_in
from companion.errors import CompanionError, TooManyRequests
from companion.rights import erasure, export

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
        tokens=api_tokens.listed(session=session, principal=user, user_id=user.id),
        may_erase_self=erasure.may_erase_self(session=session, principal=user),
        **context,
    )


@router.get("/account", response_model=None)
def account(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    return _page(request, session, user)


@router.post("/account/password", response_model=None)
def change_password(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    # A box left unticked is not sent at all.
    revoke_tokens = "revoke_tokens" in form
    try:
        started = sign_in.change_password(
            session=session,
            principal=user,
            current_password=str(form.get("current_password", "")),
            password=str(form.get("password", "")),
            confirm=str(form.get("confirm", "")),
            revoke_tokens=revoke_tokens,
            address=client_address(request),
            settings=services.settings,
        )
    except CompanionError as exc:
        # Not rolled back: a wrong current password must still count against the account.
        page = _page(
            request,
            session,
            user,
            status_code=exc.status_code,
            errors=forms.service_errors(exc),
            revoke_tokens=revoke_tokens,
        )
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    begin_session(request, started)
    flash(
        request,
        "Your password is changed. Every other browser is signed out"
        + (" and your API tokens are revoked." if revoke_tokens else "."),
    )
    return redirect("/account")


@router.post("/account/tokens", response_model=None)
def create_token(request: Request, session: SessionDep, user: WebUser, form: Form) -> HTMLResponse:
    """A new API token, shown on this page once (the page is never cached)."""
    name = str(form.get("name", ""))
    try:
        issued = api_tokens.issue_own(session=session, principal=user, name=name)
    except CompanionError as exc:
        return _page(
            request,
            session,
            user,
            status_code=exc.status_code,
            token_errors=forms.service_errors(exc, known={"name"}, fallback="name", whole=True),
            token_name=name,
        )
    return _page(
        request, session, user, status_code=201, new_token=issued.plaintext, token_name=name
    )


@router.post("/account/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    request: Request, token_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    token = api_tokens.revoke_own(session=session, principal=user, token_id=token_id)
    flash(request, f'The API token "{token.name}" is revoked: requests with it are refused.')
    return redirect("/account")


@router.post("/account/sessions/end", response_model=None)
def sign_out_everywhere(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    web_sessions.sign_out_everywhere(session=session, principal=user, user_id=user.id)
    request.session.clear()
    flash(request, "You are signed out everywhere, in this browser too.")
    return redirect("/login")


@router.get("/account/data", response_model=None)
def my_data_page(session: SessionDep, user: WebUser) -> HTMLResponse:
    data = export.personal_data(session=session, principal=user, user_id=user.id)
    return HTMLResponse(render_personal_data(data, back="/account"))


@router.get("/account/data.json", response_model=None)
def my_data_file(session: SessionDep, user: WebUser) -> JSONResponse:
    data = export.personal_data(session=session, principal=user, user_id=user.id)
    return JSONResponse(
        data.model_dump(mode="json"),
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@router.post("/account/erase", response_model=None)
def erase_my_account(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    if str(form.get("confirm", "")).strip().lower() != user.email:
        return _page(
            request,
            session,
            user,
            status_code=422,
            erase_errors={"confirm": "Type your email address exactly to confirm."},
        )
    erasure.erase(
        session=session,
        principal=user,
        user_id=user.id,
        vectors=services.profile_vectors.index,
    )
    request.session.clear()
    flash(request, "Your account and your data are erased.")
    return redirect("/login")
