"""Goal coaching pages: the mentee writes their goal, the page asks one question per gap
in SMART terms, and the goal is composed from their own words and answers.

Nothing here is stored or shown to anyone else: the page calls the same service as
`POST /api/v1/relationships/{id}/goals/coaching`, which lets only the mentee ask.
Saving the result, or drafting a SMART goal from it, posts to the goal pages' own
forms, so the usual rules (private until shared, review before a draft is used) hold.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.drafting import coaching as coaching_service
from companion.errors import InvalidInput, NotFound
from companion.relationships import access
from companion.relationships.access import View
from companion.relationships.goals import SMART_PARTS

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

COACHING = "/relationships/{relationship_id}/goals/coaching"


def _view(session: SessionDep, relationship_id: int, user: WebUser) -> View:
    return access.view(session=session, relationship_id=relationship_id, principal=user)


@router.get(COACHING, response_model=None)
def coaching_form(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    try:
        forms.run(session, lambda: coaching_service.may_coach(view=view), whole_page=(NotFound,))
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(f"/relationships/{relationship_id}/goals")
    return render(
        request, "goals/coaching.html", user=user, view=view, text="", coaching=None, answers={}
    )


@router.post(COACHING, response_model=None)
def coach_goal(
    request: Request, relationship_id: int, form: Form, session: SessionDep, user: WebUser
) -> HTMLResponse | RedirectResponse:
    """Check what the mentee wrote; a suggestion they take becomes their answer."""
    view = _view(session, relationship_id, user)
    text = str(form.get("text", ""))
    answers = {
        part: str(form.get(f"take_{part}") or form.get(f"answer_{part}") or "")
        for part in SMART_PARTS
    }
    try:
        coaching = forms.run(
            session,
            lambda: coaching_service.coach(view=view, text=text, answers=answers),
            whole_page=(NotFound,),
        )
    except forms.Refused as refused:
        if not isinstance(refused.cause, InvalidInput):
            flash(request, refused.message, "error")
            return redirect(f"/relationships/{relationship_id}/goals")
        return render(
            request,
            "goals/coaching.html",
            user=user,
            view=view,
            status_code=422,
            errors=refused.errors,
            text=text,
            coaching=None,
            answers=answers,
        )
    return render(
        request,
        "goals/coaching.html",
        user=user,
        view=view,
        text=text,
        coaching=coaching,
        answers=coaching.answers,
    )
