"""Erasing a person from the administration, with a confirmation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, render
from companion.rights import erasure

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/admin/erase", response_model=None)
def erase_form(request: Request, user: WebUser) -> HTMLResponse:
    erasure.require_may_erase_others(principal=user)
    return render(request, "rights/erase.html", user=user, errors={}, email="")


@router.post("/admin/erase", response_model=None)
def erase_person(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> HTMLResponse:
    email = str(form.get("email", "")).strip()
    try:
        report = forms.run(
            session,
            lambda: erasure.erase_by_address(
                session=session,
                principal=user,
                email=email,
                confirm=str(form.get("confirm", "")),
                vectors=services.profile_vectors.index,
            ),
        )
    except forms.Refused as refused:
        return render(
            request,
            "rights/erase.html",
            user=user,
            status_code=refused.status_code,
            errors=refused.errors,
            email=email,
        )
    return render(request, "rights/erased.html", user=user, report=report, email=email)
