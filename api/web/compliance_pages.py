"""AI stop switches (administrators) and a program's evidence pack in the browser."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.compliance import render as pack_render
from companion.compliance import service as compliance
from companion.matching import explanation
from companion.programs import ai
from companion.programs import service as programs

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MEDIA = {"md": "text/markdown; charset=utf-8", "json": "application/json"}


@router.get("/admin/ai", response_model=None)
def ai_switches(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    return render(
        request,
        "compliance/switches.html",
        user=user,
        boards=programs.list_ai_switches(session=session, principal=user),
    )


@router.post("/admin/ai/{program_id}", response_model=None)
def switch_ai(
    request: Request, program_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    """The form lists every feature; a ticked box keeps it on, an unticked one turns it off."""
    kept_on = {str(value) for value in form.getlist("on")}
    try:
        program = forms.run(
            session,
            lambda: programs.switch_ai(
                session=session,
                program_id=program_id,
                principal=user,
                on=sorted(kept_on),
                off=[f for f in ai.FEATURES if f not in kept_on],
            ),
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect("/admin/ai")
    off = "; ".join(ai.LABELS[f] for f in program.ai_off) or "none"
    flash(request, f"Saved for {program.name}. AI features off: {off}.")
    return redirect(f"/admin/ai#program-{program_id}")


@router.get("/programs/{program_id}/evidence-pack", response_model=None)
def evidence_pack(
    request: Request,
    program_id: int,
    session: SessionDep,
    user: WebUser,
    services: ServicesDep,
    format: Literal["html", "md", "json"] = "html",
) -> Response:
    pack = compliance.evidence_pack(
        session=session, settings=services.settings, program_id=program_id, principal=user
    )
    if format != "html":
        filename = f"evidence-pack-{program_id}.{format}"
        return Response(
            pack_render.render(pack, format),
            media_type=MEDIA[format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return render(
        request,
        "compliance/evidence.html",
        user=user,
        pack=pack,
        body=Markup(pack_render.html_body(pack)),
        program_id=program_id,
    )


@router.get("/coordinator/programs/{program_id}/match-reviews", response_model=None)
def match_reviews(
    request: Request, program_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    """The requests of the program's members to review their match, oldest first."""
    return render(
        request,
        "compliance/match_reviews.html",
        user=user,
        program_id=program_id,
        requests=explanation.open_requests(session=session, program_id=program_id, principal=user),
    )


@router.post("/coordinator/match-reviews/{request_id}/resolve", response_model=None)
def resolve_match_review(
    request: Request, request_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    handled = forms.run(
        session,
        lambda: explanation.resolve(session=session, request_id=request_id, principal=user),
    )
    flash(request, "Marked as handled.")
    return redirect(f"/coordinator/programs/{handled.program_id}/match-reviews")
