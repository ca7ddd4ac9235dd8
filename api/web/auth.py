"""Signing in and out, one-time links to set a password (invitations, resets), the home page."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import (
    Form,
    WebUser,
    begin_session,
    client_address,
    end_session,
    flash,
    redirect,
    render,
)
from companion.accounts import passwords, web_sessions
from companion.accounts.models import Invitation, LinkPurpose
from companion.credentials import service as credentials
from companion.credentials import sign_in
from companion.errors import TooManyRequests, Unauthenticated
from companion.leadership import stories

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after signing in."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_model=None)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), email="")


@router.post("/login", response_model=None)
def login(
    request: Request, session: SessionDep, services: ServicesDep, form: Form
) -> HTMLResponse | RedirectResponse:
    email = str(form.get("email", "")).strip()
    target = safe_next(str(form.get("next", "")))
    try:
        started = sign_in.sign_in(
            session=session,
            email=email,
            password=str(form.get("password", "")),
            address=client_address(request),
            settings=services.settings,
        )
    except Unauthenticated as exc:
        return render(
            request,
            "login.html",
            status_code=401,
            next=target,
            email=email,
            errors={"password": exc.message},
        )
    except TooManyRequests as exc:
        page = render(
            request,
            "login.html",
            status_code=exc.status_code,
            next=target,
            email=email,
            errors={"_form": exc.message},
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    begin_session(request, started)
    return redirect(target)


@router.post("/logout", response_model=None)
def logout(request: Request, session: SessionDep, form: Form) -> RedirectResponse:
    end_session(request, session)
    flash(request, "You are signed out.")
    return redirect("/login")


@router.get("/invite/{token}", response_model=None)
@router.get("/reset/{token}", response_model=None)
def link_form(request: Request, token: str, session: SessionDep) -> HTMLResponse:
    """The form behind a one-time link (an invitation, or a reset) to set a password."""
    found = passwords.invitation(session=session, token=token)
    return _link_page(request, found, token)


def _link_page(
    request: Request,
    found: Invitation,
    token: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "invite.html",
        status_code=status_code,
        action=f"{request.url.path}",
        reset=found.purpose == LinkPurpose.reset,
        email=found.user.email,
        errors=errors or {},
    )


@router.post("/invite/{token}", response_model=None)
@router.post("/reset/{token}", response_model=None)
def complete_link(
    request: Request, token: str, session: SessionDep, services: ServicesDep, form: Form
) -> HTMLResponse | RedirectResponse:
    found = passwords.invitation(session=session, token=token)
    password = str(form.get("password", ""))
    if password != str(form.get("confirm", "")):
        return _link_page(
            request,
            found,
            token,
            status_code=422,
            errors={"confirm": "The two passwords are not the same."},
        )
    try:
        user = forms.run(
            session,
            lambda: credentials.complete_link(
                session=session, token=token, password=password, settings=services.settings
            ),
            known={"password"},
            fallback="password",
            whole=True,
        )
    except forms.Refused as refused:
        return _link_page(
            request, found, token, status_code=refused.status_code, errors=refused.errors
        )
    begin_session(request, web_sessions.start(session=session, user=user))
    flash(request, "Your password is set. Welcome!")
    return redirect("/")


@router.get("/forgot", response_model=None)
def forgot_form(request: Request) -> HTMLResponse:
    return render(request, "forgot.html", email="")


@router.post("/forgot", response_model=None)
def forgot(
    request: Request, session: SessionDep, services: ServicesDep, form: Form
) -> HTMLResponse | RedirectResponse:
    """Email a reset link to the address, if it has an account; the answer is the same."""
    email = str(form.get("email", "")).strip()
    try:
        forms.run(
            session,
            lambda: credentials.request_reset(
                session=session, email=email, settings=services.settings
            ),
            known={"email"},
            fallback="email",
            whole=True,
        )
    except forms.Refused as refused:
        return render(
            request,
            "forgot.html",
            status_code=refused.status_code,
            email=email,
            errors=refused.errors,
        )
    flash(
        request,
        "If an account has this address, a link to choose a new password is on its way "
        f"there. It works once, for {passwords.RESET_HOURS} hour. Nothing after ten minutes? "
        "Check the address and ask again.",
    )
    return redirect("/login")


@router.get("/", response_model=None)
def home(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    from companion.relationships import access

    relationship_count = len(access.relationship_ids_of_user(session, user))
    latest = stories.published(session=session, principal=user, limit=3)
    return render(
        request,
        "home.html",
        user=user,
        relationship_count=relationship_count,
        stories=latest,
        story_authors=stories.author_names(session, latest),
    )
