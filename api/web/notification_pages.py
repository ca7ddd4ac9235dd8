"""Your notification settings, and the one-click unsubscribe page an email links to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.errors import CompanionError
from companion.notifications import preferences
from companion.notifications.models import Delivery

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

CHOICES = [
    (Delivery.immediately.value, "Email me at once"),
    (Delivery.digest.value, "In my daily digest"),
    (Delivery.off.value, "Off"),
]


def _page(
    request: Request, session: SessionDep, user: WebUser, *, status_code: int = 200, **context
) -> HTMLResponse:
    return render(
        request,
        "notifications.html",
        user=user,
        status_code=status_code,
        settings=preferences.read(session=session, principal=user, user_id=user.id),
        choices=CHOICES,
        **context,
    )


@router.get("/account/notifications", response_model=None)
def notification_settings(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    return _page(request, session, user)


@router.post("/account/notifications", response_model=None)
def change_notification_settings(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    chosen = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    try:
        preferences.update(session=session, principal=user, user_id=user.id, choices=chosen)
    except CompanionError as exc:
        return _page(
            request,
            session,
            user,
            status_code=exc.status_code,
            errors=forms.service_errors(exc),
        )
    flash(request, "Your notification settings are saved.")
    return redirect("/account/notifications")


async def _unchecked_form(request: Request) -> FormData:
    return await request.form()


# One-click unsubscribe (RFC 8058): a mail client POSTs `List-Unsubscribe=One-Click` to
# the link without cookies, so this form carries no CSRF token. The signed token is the
# whole authority, and all it can do is turn one kind off for one person.
UnsignedForm = Annotated[FormData, Depends(_unchecked_form)]


@router.get("/notifications/unsubscribe/{token}", response_model=None)
def unsubscribe_page(
    request: Request, token: str, session: SessionDep, services: ServicesDep
) -> HTMLResponse:
    found = preferences.check_unsubscribe(
        session=session, secret=services.settings.signing_key(), token=token
    )
    return render(request, "unsubscribe.html", found=found, token=token, done=False)


@router.post("/notifications/unsubscribe/{token}", response_model=None)
def unsubscribe(
    request: Request, token: str, session: SessionDep, services: ServicesDep, form: UnsignedForm
) -> HTMLResponse:
    found = preferences.unsubscribe(
        session=session, secret=services.settings.signing_key(), token=token
    )
    return render(request, "unsubscribe.html", found=found, token=token, done=True)
