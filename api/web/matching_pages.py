"""Coordinator pages for the next steps of a matching run: pairing by hand, re-balancing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import Matcher, ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.matching import manual, rebalance

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
T = TypeVar("T")


def _matcher(session: SessionDep, services: ServicesDep, user: WebUser) -> Matcher:
    return Matcher(session, services.profile_vectors, user)


PageMatcher = Annotated[Matcher, Depends(_matcher)]


def _form_call(
    matcher: Matcher, call: Callable[..., T], /, refused: dict[str, Any], **arguments: Any
) -> T:
    """A form's one matching call, in a savepoint (`forms.run`)."""
    return forms.run(
        matcher.session,
        lambda: call(
            session=matcher.session,
            vectors=matcher.vectors,
            principal=matcher.principal,
            **arguments,
        ),
        **refused,
    )


def _pairing_page(
    request: Request,
    matcher: Matcher,
    run_id: int,
    mentee_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    note: str = "",
    chosen: str = "",
) -> HTMLResponse:
    shown = matcher(manual.pairing_options, run_id=run_id, mentee_id=mentee_id)
    return render(
        request,
        "coordinator/pair.html",
        user=matcher.principal,
        status_code=status_code,
        errors=errors or {},
        shown=shown,
        note=note,
        chosen=chosen,
    )


@router.get("/coordinator/runs/{run_id}/pair/{mentee_id}", response_model=None)
def pairing_page(
    request: Request, run_id: int, mentee_id: str, matcher: PageMatcher
) -> HTMLResponse:
    return _pairing_page(request, matcher, run_id, mentee_id)


@router.post("/coordinator/runs/{run_id}/pair/{mentee_id}", response_model=None)
def pair(
    request: Request, run_id: int, mentee_id: str, matcher: PageMatcher, form: Form
) -> HTMLResponse | RedirectResponse:
    chosen = str(form.get("mentor_id", ""))
    note = str(form.get("note", ""))
    try:
        # Refused for any reason, the form is shown again with the options; a mentee or
        # run this coordinator may not see is still a 404 (the options say so).
        proposal = _form_call(
            matcher,
            manual.pair_by_hand,
            refused={**forms.beside("mentor_id"), "whole_page": ()},
            run_id=run_id,
            mentee_id=mentee_id,
            mentor_id=chosen,
            note=note,
        )
    except forms.Refused as refused:
        return _pairing_page(
            request,
            matcher,
            run_id,
            mentee_id,
            status_code=refused.status_code,
            errors=refused.errors,
            note=note,
            chosen=chosen,
        )
    flash(request, f"Paired by hand (proposal {proposal.id}): the pair is now a relationship.")
    return redirect(f"/coordinator/runs/{run_id}#proposal-{proposal.id}")


@router.get("/coordinator/runs/{run_id}/rebalance", response_model=None)
def rebalance_page(request: Request, run_id: int, matcher: PageMatcher) -> HTMLResponse:
    shown = matcher(rebalance.preview, run_id=run_id)
    return render(request, "coordinator/rebalance.html", user=matcher.principal, shown=shown)


@router.post("/coordinator/runs/{run_id}/rebalance", response_model=None)
def rebalance_apply(
    request: Request, run_id: int, matcher: PageMatcher, form: Form
) -> RedirectResponse:
    try:
        created = _form_call(matcher, rebalance.apply, refused={}, run_id=run_id)
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(f"/coordinator/runs/{run_id}/rebalance")
    flash(request, f"Run {created.id} is the re-balanced run; run {run_id} is superseded.")
    return redirect(f"/coordinator/runs/{created.id}")
