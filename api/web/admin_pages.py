"""Administration in the browser: invitations and the address changes imports asked for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.accounts.models import EmailChangeStatus, User
from companion.credentials import service as credentials
from companion.errors import NotFound
from companion.runtime import Services

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def invite(
    session: Session, services: Services, user: User, email: str
) -> credentials.InvitationOutcome:
    """The invitation form of the administration and a program's participants page:
    refused beside its one field, even when it is the address one may not invite."""
    return forms.run(
        session,
        lambda: credentials.invite(
            session=session, principal=user, email=email, settings=services.settings
        ),
        **forms.beside("email"),
        whole_page=(NotFound,),
    )


def _page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    services: ServicesDep,
    *,
    status_code: int = 200,
    email: str = "",
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    changes = credentials.list_email_changes(
        session=session, principal=user, status=EmailChangeStatus.pending
    )
    return render(
        request,
        "admin.html",
        user=user,
        status_code=status_code,
        changes=changes,
        roles={c.id: credentials.account_roles(session, c) for c in changes},
        movable={c.id: credentials.may_apply(session, c) for c in changes},
        emails_configured=bool(services.settings.smtp_host),
        email=email,
        errors=errors or {},
    )


@router.get("/admin", response_model=None)
def admin_home(
    request: Request, session: SessionDep, user: WebUser, services: ServicesDep
) -> HTMLResponse:
    return _page(request, session, user, services)


@router.post("/admin/invitations", response_model=None)
def admin_invite(
    request: Request, session: SessionDep, user: WebUser, services: ServicesDep, form: Form
) -> HTMLResponse | RedirectResponse:
    email = str(form.get("email", "")).strip()
    try:
        outcome = invite(session, services, user, email)
    except forms.Refused as refused:
        return _page(
            request,
            session,
            user,
            services,
            status_code=refused.status_code,
            email=email,
            errors=refused.errors,
        )
    flash(request, outcome.notice)
    return redirect("/admin")


@router.post("/admin/email-changes/{change_id}", response_model=None)
def admin_decide_email_change(
    request: Request,
    change_id: int,
    session: SessionDep,
    user: WebUser,
    services: ServicesDep,
    form: Form,
) -> RedirectResponse:
    approve = form.get("decision") == "approve"
    try:
        change = forms.run(
            session,
            lambda: credentials.decide_email_change(
                session=session,
                principal=user,
                change_id=change_id,
                approve=approve,
                settings=services.settings,
            ),
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect("/admin")
    verb = "now signs in with" if approve else "keeps"
    address = change.new_email if approve else change.old_email
    flash(request, f"Done: the account {verb} {address}.")
    return redirect("/admin")
