"""Signing in and out, invitations to set a password, and the home page."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
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
from companion.accounts import passwords, sign_in, throttle, web_sessions
from companion.errors import InvalidInput, NotFound, TooManyRequests, Unauthenticated

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after signing in."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_model=None)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), email="")


@router.post("/login", response_model=None)
def login(
    request: Request, session: SessionDep, services: ServicesDep, form: Form
) -> HTMLResponse | RedirectResponse:
    email = str(form.get("email", "")).strip()
    target = _safe_next(str(form.get("next", "")))
    try:
        started = sign_in.sign_in(
            session=session,
            email=email,
            password=str(form.get("password", "")),
            address=client_address(request),
            limits=throttle.Limits.from_settings(services.settings),
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
def invitation_form(request: Request, token: str, session: SessionDep) -> HTMLResponse:
    found = passwords.invitation(session=session, token=token)
    return render(request, "invite.html", token=token, email=found_email(session, found))


def found_email(session: SessionDep, found) -> str:
    from companion.accounts.models import User

    return session.get(User, found.user_id).email


@router.post("/invite/{token}", response_model=None)
def accept_invitation(
    request: Request, token: str, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    password = str(form.get("password", ""))
    if password != str(form.get("confirm", "")):
        found = passwords.invitation(session=session, token=token)
        return render(
            request,
            "invite.html",
            status_code=422,
            token=token,
            email=found_email(session, found),
            errors={"confirm": "The two passwords are not the same."},
        )
    try:
        user = passwords.accept(session=session, token=token, password=password)
    except InvalidInput as exc:
        found = passwords.invitation(session=session, token=token)
        return render(
            request,
            "invite.html",
            status_code=422,
            token=token,
            email=found_email(session, found),
            errors={"password": exc.message.removeprefix("password: ")},
        )
    except NotFound:
        raise
    begin_session(request, web_sessions.start(session=session, user=user))
    flash(request, "Your password is set. Welcome!")
    return redirect("/")


@router.get("/", response_model=None)
def home(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    from companion.relationships import access

    relationship_count = len(access.relationship_ids_of_user(session, user))
    return render(request, "home.html", user=user, relationship_count=relationship_count)
