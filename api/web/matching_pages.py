"""Coordinator pages for the next steps of a matching run: pairing by hand, re-balancing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.matching import manual, rebalance

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/coordinator/runs/{run_id}/pair/{mentee_id}", response_model=None)
def pairing_page(
    request: Request,
    run_id: int,
    mentee_id: str,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
) -> HTMLResponse:
    shown = manual.pairing_options(
        session=session,
        vectors=services.profile_vectors,
        run_id=run_id,
        mentee_id=mentee_id,
        principal=user,
    )
    return render(request, "coordinator/pair.html", user=user, shown=shown, note="", chosen="")


@router.post("/coordinator/runs/{run_id}/pair/{mentee_id}", response_model=None)
def pair(
    request: Request,
    run_id: int,
    mentee_id: str,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    chosen = str(form.get("mentor_id", ""))
    note = str(form.get("note", ""))
    try:
        # Refused for any reason, the form is shown again with the options; a mentee or
        # run this coordinator may not see is still a 404 (the options say so).
        proposal = forms.run(
            session,
            lambda: manual.pair_by_hand(
                session=session,
                vectors=services.profile_vectors,
                run_id=run_id,
                mentee_id=mentee_id,
                mentor_id=chosen,
                note=note,
                principal=user,
            ),
            describe=lambda exc: {"mentor_id": exc.message},
            whole_page=(),
        )
    except forms.Refused as refused:
        shown = manual.pairing_options(
            session=session,
            vectors=services.profile_vectors,
            run_id=run_id,
            mentee_id=mentee_id,
            principal=user,
        )
        return render(
            request,
            "coordinator/pair.html",
            user=user,
            status_code=refused.status_code,
            errors=refused.errors,
            shown=shown,
            note=note,
            chosen=chosen,
        )
    flash(request, f"Paired by hand (proposal {proposal.id}): the pair is now a relationship.")
    return redirect(f"/coordinator/runs/{run_id}")


@router.get("/coordinator/runs/{run_id}/rebalance", response_model=None)
def rebalance_page(
    request: Request, run_id: int, user: WebUser, session: SessionDep, services: ServicesDep
) -> HTMLResponse:
    shown = rebalance.preview(
        session=session,
        vectors=services.profile_vectors,
        run_id=run_id,
        principal=user,
    )
    return render(request, "coordinator/rebalance.html", user=user, shown=shown)


@router.post("/coordinator/runs/{run_id}/rebalance", response_model=None)
def rebalance_apply(
    request: Request,
    run_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> RedirectResponse:
    try:
        created = forms.run(
            session,
            lambda: rebalance.apply(
                session=session,
                vectors=services.profile_vectors,
                run_id=run_id,
                principal=user,
            ),
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(f"/coordinator/runs/{run_id}/rebalance")
    flash(request, f"Run {created.id} is the re-balanced run; run {run_id} is superseded.")
    return redirect(f"/coordinator/runs/{created.id}")
