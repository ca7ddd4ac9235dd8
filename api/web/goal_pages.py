"""Goal pages: a mentee's SMART goals, drafting one from an aspiration, and self-match.

Every change goes through the same service functions as the JSON API, which
enforce who may see and change what; these handlers parse the form, call one
of them and redirect with a message, or show the form again with each error
next to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.deps import ServicesDep, SessionDep
from api.params import whole_number
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.accounts.models import Role, User
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput, NotFound
from companion.matching import modes_service as modes
from companion.matching.profiles import shared_profile
from companion.pagination import MAX_PAGE_SIZE
from companion.participants import service as participants
from companion.programs import service as programs
from companion.programs.models import ProgramKind
from companion.relationships import access
from companion.relationships import goals as goals_service
from companion.relationships.access import View
from companion.relationships.goals import SMART_PARTS
from companion.relationships.models import GoalVisibility
from companion.review import delivery, queue, workflow
from companion.review.schemas import DraftPublic
from prompts.schemas import DraftKind

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

GOALS = "/relationships/{relationship_id}/goals"
GOAL = GOALS + "/{goal_id}"
DRAFT = GOALS + "/drafts/{draft_id}"

GOAL_DRAFTS = {DraftKind.smart_goal.value, DraftKind.smart_check.value}
# Drafts still waiting on the mentee (or, with four eyes, on a coordinator as well).
OPEN_DRAFTS = {DraftStatus.pending_review.value, DraftStatus.changes_requested.value}
GOAL_FIELDS = ("title", *SMART_PARTS, "target_date")
DRAFT_FIELDS = ("goal", *SMART_PARTS, "target_date", "milestones")
# Program kinds that pair one mentee with one mentor: a mentee may choose from
# recommendations. Circles and boards are composed by a coordinator instead.
SELF_MATCH_KINDS = {ProgramKind.one_on_one, ProgramKind.peer, ProgramKind.reverse}
RECOMMENDATIONS = 5


# --- reading the forms --------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, ""))


def _date(raw: str, field: str, problems: dict[str, str]) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems[field] = f"{raw!r} is not a date; write it as YYYY-MM-DD."
        return None


def _milestones(raw: str, problems: dict[str, str]) -> list[dict[str, Any]]:
    """Milestones written one per line as `text | YYYY-MM-DD` (the date is optional)."""
    steps = []
    lines = [line for line in raw.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        text, bar, when = line.rpartition("|")
        if not bar:
            text, when = line, ""
        due = _date(when, "milestones", problems)
        if "milestones" in problems:
            problems["milestones"] = f"Milestone {number}: {problems['milestones']}"
            return []
        steps.append({"text": text.strip(), "due_date": due})
    return steps


def _milestone_lines(milestones: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{m['text']} | {m['due_date']}" if m.get("due_date") else m["text"] for m in milestones
    )


# A milestone's error names the milestone; a check across the fields of a drafted goal
# (its dates in order) is shown with the milestones.
SERVICE_FIELDS = {"milestones.#": ("milestones", "Milestone {n}: "), "content": "milestones"}


# --- the goals page -----------------------------------------------------------------------


def _flashed(request: Request, refused: forms.Refused, back: str) -> RedirectResponse:
    """A refusal that is not about a field (a conflict, the drafter unavailable): say it."""
    flash(request, refused.message, "error")
    return redirect(back)


def _view(session: SessionDep, relationship_id: int, user: User) -> View:
    return access.view(session=session, relationship_id=relationship_id, principal=user)


def _goals_url(relationship_id: int, goal_id: int | None = None) -> str:
    url = f"/relationships/{relationship_id}/goals"
    return f"{url}#goal-{goal_id}" if goal_id else url


def _names(view: View, members: list) -> str:
    return " and ".join(view.people[m.participant_id].name for m in members)


def _goals_page(
    request: Request,
    session: SessionDep,
    user: User,
    view: View,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    error_goal: int | None = None,
) -> HTMLResponse:
    """The goals page; `errors` and `values` belong to goal `error_goal`'s forms, if named."""
    goals, _ = goals_service.list_goals(view=view, limit=MAX_PAGE_SIZE)
    relationship_id = view.relationship.id
    drafts: list[dict[str, Any]] = []
    checks: dict[int, dict[str, Any]] = {}
    if view.is_mentee:
        mine, _ = queue.reviewable(
            session=session, principal=user, relationship_id=relationship_id, limit=MAX_PAGE_SIZE
        )
        drafts = [d for d in mine if d.kind in GOAL_DRAFTS and d.status in OPEN_DRAFTS]
        for draft in delivery.delivered_to(
            session=session,
            principal=user,
            kind=DraftKind.smart_check,
            relationship_id=relationship_id,
        ):
            checks.setdefault(draft.goal_id, delivery.view_of(draft))  # newest first
    return render(
        request,
        "goals/list.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        values=values or {},
        error_goal=error_goal,
        view=view,
        mentors=_names(view, view.mentors()),
        mentees=_names(view, view.mentees()),
        goals=goals,
        titles={g.id: g.title or "" for g in goals},
        owner=view.is_mentee,
        is_open=view.relationship.status.is_open,
        drafts=drafts,
        checks=checks,
    )


@router.get(GOALS, response_model=None)
def goals_page(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    return _goals_page(request, session, user, _view(session, relationship_id, user))


@router.post(GOALS + "/aspiration", response_model=None)
def draft_goal(
    request: Request,
    relationship_id: int,
    form: Form,
    services: ServicesDep,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    """A rough aspiration becomes a SMART goal draft that the mentee reviews."""
    view = _view(session, relationship_id, user)
    text = _text(form, "text")
    try:
        draft = forms.run(
            session,
            lambda: drafting.request_draft(
                services=services,
                session=session,
                kind=DraftKind.smart_goal,
                principal=user,
                relationship_id=relationship_id,
                text=text,
            ),
            names=SERVICE_FIELDS,
        )
    except forms.Refused as refused:
        if refused.status_code != 422:
            return _flashed(request, refused, _goals_url(relationship_id))
        return _goals_page(
            request,
            session,
            user,
            view,
            status_code=422,
            errors=refused.errors,
            values={"text": text},
        )
    flash(
        request, "Here is a SMART goal drafted from your aspiration: check it, edit it, approve it."
    )
    return redirect(f"{_goals_url(relationship_id)}/drafts/{draft.id}")


@router.post(GOALS, response_model=None)
def create_goal(
    request: Request, relationship_id: int, form: Form, session: SessionDep, user: WebUser
) -> HTMLResponse | RedirectResponse:
    """The mentee writes a goal themselves: private unless they share it."""
    view = _view(session, relationship_id, user)
    values = {name: _text(form, name) for name in (*GOAL_FIELDS, "milestones", "visibility")}
    problems: dict[str, str] = {}
    target_date = _date(values["target_date"], "target_date", problems)
    milestones = _milestones(values["milestones"], problems)
    if not problems:
        try:
            goal = forms.run(
                session,
                lambda: goals_service.create(
                    view=view,
                    title=values["title"],
                    **{part: values[part] for part in SMART_PARTS},
                    target_date=target_date,
                    milestones=milestones,
                    visibility=values["visibility"] or GoalVisibility.private,
                ),
                names=SERVICE_FIELDS,
            )
        except forms.Refused as refused:
            if refused.status_code != 422:
                return _flashed(request, refused, _goals_url(relationship_id))
            problems = refused.errors
    if problems:
        return _goals_page(
            request, session, user, view, status_code=422, errors=problems, values=values
        )
    shared = goal.visibility != GoalVisibility.private
    flash(request, "Your goal is saved" + (" and shared." if shared else ", private to you."))
    return redirect(_goals_url(relationship_id, goal.id))


def _change_goal(
    request: Request,
    session: SessionDep,
    user: User,
    view: View,
    goal_id: int,
    change: Callable[[], object],
    done: str,
    values: dict[str, str] | None = None,
) -> HTMLResponse | RedirectResponse:
    """Run one change to a goal; its errors go next to that goal's fields, or in a flash."""
    try:
        forms.run(session, change, names=SERVICE_FIELDS)
    except forms.Refused as refused:
        if refused.status_code != 422:
            return _flashed(request, refused, _goals_url(view.relationship.id, goal_id))
        return _goals_page(
            request,
            session,
            user,
            view,
            status_code=422,
            errors=refused.errors,
            values=values,
            error_goal=goal_id,
        )
    flash(request, done)
    return redirect(_goals_url(view.relationship.id, goal_id))


@router.post(GOAL + "/check-ins", response_model=None)
def check_in(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = {"progress": _text(form, "progress").strip(), "note": _text(form, "note")}
    try:
        progress = whole_number(values["progress"], field="progress")
    except InvalidInput:
        return _goals_page(
            request,
            session,
            user,
            view,
            status_code=422,
            errors={"progress": "Give a whole number from 0 to 100."},
            values=values,
            error_goal=goal_id,
        )
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.check_in(
            view=view, goal_id=goal_id, progress=progress, note=values["note"]
        ),
        f"Progress recorded: {progress}%.",
        values,
    )


@router.post(GOAL + "/visibility", response_model=None)
def share_goal(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    """Share the goal with the mentor, or keep it private again."""
    view = _view(session, relationship_id, user)
    visibility = _text(form, "visibility")
    done = {
        GoalVisibility.private: "Kept private: only you can read this goal now.",
        GoalVisibility.mentor: f"Shared with your mentor, {_names(view, view.mentors())}.",
        GoalVisibility.program: "Shared with your mentor and the program's coordinators.",
    }.get(visibility, "Saved.")
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.update(view=view, goal_id=goal_id, visibility=visibility),
        done,
    )


@router.post(GOAL + "/status", response_model=None)
def close_goal(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    status = _text(form, "status")
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.update(view=view, goal_id=goal_id, status=status),
        f"The goal is marked {status}.",
    )


@router.post(GOAL + "/assessment", response_model=None)
def assess_goal(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = {"outcome": _text(form, "outcome"), "assessment": _text(form, "assessment")}
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.assess(view=view, goal_id=goal_id, **values),
        "Your assessment is recorded.",
        values,
    )


@router.post(GOAL + "/milestones", response_model=None)
def add_milestone(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = {"text": _text(form, "text"), "due_date": _text(form, "due_date")}
    problems: dict[str, str] = {}
    due_date = _date(values["due_date"], "due_date", problems)
    if problems:
        return _goals_page(
            request,
            session,
            user,
            view,
            status_code=422,
            errors=problems,
            values=values,
            error_goal=goal_id,
        )
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.add_milestone(
            view=view, goal_id=goal_id, text=values["text"], due_date=due_date
        ),
        "Milestone added.",
        values,
    )


@router.post(GOAL + "/milestones/{milestone_id}", response_model=None)
def tick_milestone(
    request: Request,
    relationship_id: int,
    goal_id: int,
    milestone_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    done = _text(form, "done") == "1"
    return _change_goal(
        request,
        session,
        user,
        view,
        goal_id,
        lambda: goals_service.complete_milestone(
            view=view, goal_id=goal_id, milestone_id=milestone_id, done=done
        ),
        "Milestone done: well done." if done else "Milestone open again.",
    )


# --- editing a goal -----------------------------------------------------------------------


@router.get(GOAL + "/edit", response_model=None)
def edit_goal_form(
    request: Request, relationship_id: int, goal_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    view = _view(session, relationship_id, user)
    goal = goals_service.goal_to_edit(view=view, goal_id=goal_id)
    values = {name: str(getattr(goal, name) or "") for name in GOAL_FIELDS}
    return render(request, "goals/edit.html", user=user, view=view, goal=goal, values=values)


@router.post(GOAL + "/edit", response_model=None)
def edit_goal(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    goal = goals_service.goal_to_edit(view=view, goal_id=goal_id)
    values = {name: _text(form, name) for name in GOAL_FIELDS}
    problems: dict[str, str] = {}
    target_date = _date(values["target_date"], "target_date", problems)
    if not problems:
        changes = {name: values[name] for name in ("title", *SMART_PARTS)}
        try:
            forms.run(
                session,
                lambda: goals_service.update(
                    view=view, goal_id=goal_id, **changes, target_date=target_date
                ),
                names=SERVICE_FIELDS,
            )
        except forms.Refused as refused:
            if refused.status_code != 422:
                return _flashed(request, refused, _goals_url(relationship_id, goal_id))
            problems = refused.errors
    if problems:
        return render(
            request,
            "goals/edit.html",
            user=user,
            status_code=422,
            errors=problems,
            view=view,
            goal=goal,
            values=values,
        )
    flash(request, "Your goal is updated.")
    return redirect(_goals_url(relationship_id, goal_id))


# --- drafted goals and checks, reviewed by the mentee ---------------------------------------


@router.post(GOAL + "/check", response_model=None)
def check_goal(
    request: Request,
    relationship_id: int,
    goal_id: int,
    form: Form,
    services: ServicesDep,
    session: SessionDep,
    user: WebUser,
) -> RedirectResponse:
    """Ask for a SMART check of the goal: a draft the mentee reads before keeping it."""
    view = _view(session, relationship_id, user)
    goals_service.get_goal(view=view, goal_id=goal_id)  # in this relationship, or 404
    try:
        draft = forms.run(
            session,
            lambda: drafting.request_draft(
                services=services,
                session=session,
                kind=DraftKind.smart_check,
                principal=user,
                goal_id=goal_id,
            ),
        )
    except forms.Refused as refused:
        return _flashed(request, refused, _goals_url(relationship_id, goal_id))
    flash(request, "Your goal is checked: read the verdicts, then keep them with your goal.")
    return redirect(f"{_goals_url(relationship_id)}/drafts/{draft.id}")


def _goal_draft(session: SessionDep, user: User, view: View, draft_id: int) -> DraftPublic:
    """A SMART goal or check drafted in this relationship, as the user may read it."""
    found = queue.get_for(session=session, draft_id=draft_id, principal=user)
    if found.kind not in GOAL_DRAFTS or found.relationship_id != view.relationship.id:
        raise NotFound(f"No draft with id {draft_id}.")
    return found


def _draft_values(draft: DraftPublic) -> dict[str, str]:
    content = draft.content or {}
    values = {name: str(content.get(name) or "") for name in DRAFT_FIELDS}
    values["milestones"] = _milestone_lines(content.get("milestones") or [])
    return values


def _draft_page(
    request: Request,
    session: SessionDep,
    user: User,
    view: View,
    draft: DraftPublic,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    actions = set(queue.decisions_on(session=session, draft_id=draft.id, principal=user)) - {
        workflow.Action.withdraw.value
    }
    checked = None
    goal_id = getattr(draft, "goal_id", None)  # recipients' view names no goal
    if draft.kind == DraftKind.smart_check and goal_id:
        checked = goals_service.get_goal(view=view, goal_id=goal_id)
    return render(
        request,
        "goals/draft.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        view=view,
        draft=draft,
        values=values or _draft_values(draft),
        actions=actions,
        checked=checked,
        mentors=_names(view, view.mentors()),
    )


@router.get(DRAFT, response_model=None)
def draft_page(
    request: Request, relationship_id: int, draft_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    view = _view(session, relationship_id, user)
    return _draft_page(request, session, user, view, _goal_draft(session, user, view, draft_id))


def _edited_goal(values: dict[str, str], problems: dict[str, str]) -> dict[str, Any]:
    """The drafted goal as the mentee edited it, in the shape the draft stores."""
    target_date = _date(values["target_date"], "target_date", problems)
    milestones = _milestones(values["milestones"], problems)
    return {
        "goal": values["goal"].strip(),
        **{part: values[part].strip() for part in SMART_PARTS},
        "target_date": target_date.isoformat() if target_date else None,
        "milestones": [
            {
                "text": m["text"],
                "due_date": m["due_date"].isoformat() if m["due_date"] else None,
                "done": False,
            }
            for m in milestones
        ],
    }


@router.post(DRAFT, response_model=None)
def decide_draft(
    request: Request,
    relationship_id: int,
    draft_id: int,
    form: Form,
    services: ServicesDep,
    session: SessionDep,
    user: WebUser,
) -> HTMLResponse | RedirectResponse:
    """The mentee's decision: approve (with their edits), save edits, reject, ask again."""
    view = _view(session, relationship_id, user)
    found = _goal_draft(session, user, view, draft_id)
    here = f"{_goals_url(relationship_id)}/drafts/{draft_id}"
    try:
        action = workflow.Action(_text(form, "action"))
        version = whole_number(_text(form, "version"), field="version")
    except (ValueError, InvalidInput):
        flash(request, "That form was not complete; reload the page and try again.", "error")
        return redirect(here)
    values = {**_draft_values(found), "note": _text(form, "note"), "share": _text(form, "share")}
    content = None
    edits = found.kind == DraftKind.smart_goal and action in (
        workflow.Action.approve,
        workflow.Action.edit,
    )
    if edits:
        values.update({name: _text(form, name) for name in DRAFT_FIELDS})
        problems: dict[str, str] = {}
        content = _edited_goal(values, problems)
        if problems:
            return _draft_page(
                request, session, user, view, found, status_code=422, errors=problems, values=values
            )
    try:
        draft = forms.run(
            session,
            lambda: workflow.decide(
                session=session,
                draft_id=draft_id,
                action=action,
                version=version,
                principal=user,
                content=content,
                note=values["note"],
                services=services,
            ),
            names=SERVICE_FIELDS,
        )
    except forms.Refused as refused:
        if refused.status_code != 422:
            return _flashed(request, refused, here)
        return _draft_page(
            request,
            session,
            user,
            view,
            found,
            status_code=422,
            errors=refused.errors,
            values=values,
        )
    shared = False
    if draft.kind == DraftKind.smart_goal and draft.goal_id and values["share"] == "mentor":
        # Approving and sharing are two choices the mentee made on one form.
        goals_service.update(view=view, goal_id=draft.goal_id, visibility=GoalVisibility.mentor)
        shared = True
    return _after_decision(request, view, draft, action, here, shared=shared)


def _after_decision(
    request: Request,
    view: View,
    draft: Draft,
    action: workflow.Action,
    here: str,
    *,
    shared: bool = False,
) -> RedirectResponse:
    relationship_id = view.relationship.id
    if draft.status == DraftStatus.delivered:
        if draft.kind == DraftKind.smart_goal:
            flash(
                request,
                f"Your goal is saved and shared with your mentor, {_names(view, view.mentors())}."
                if shared
                else "Your goal is saved, private to you: share it from here when you are ready.",
            )
        else:
            flash(request, "The check is kept with your goal.")
        return redirect(_goals_url(relationship_id, draft.goal_id))
    messages = {
        workflow.Action.approve: "You approved it; a coordinator approves it too (four eyes). "
        "It then becomes your goal, private to you until you share it.",
        workflow.Action.edit: "Your changes are saved; approve the draft when it is right.",
        workflow.Action.request_changes: "Noted: draft it again, or edit it yourself.",
        workflow.Action.regenerate: "Drafted again: check the new version.",
        workflow.Action.reject: "The draft is discarded.",
    }
    flash(request, messages.get(action, "Done."))
    if action == workflow.Action.reject:
        return redirect(_goals_url(relationship_id))
    return redirect(here)


# --- self-match and speed mentoring ---------------------------------------------------------


@router.get("/mentee/recommendations", response_model=None)
def recommendations(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    program_id: int | None = None,
) -> HTMLResponse:
    """Mentors a mentee may choose from (self-match), or their speed-mentoring shortlist."""
    mentee_of = sorted(
        {a.program_id for a in user.roles if a.role == Role.mentee and a.program_id is not None}
    )
    if program_id is None and len(mentee_of) != 1:
        choices = [programs.get(session=session, program_id=pid) for pid in mentee_of]
        return render(request, "goals/recommendations.html", user=user, choices=choices)
    program_id = mentee_of[0] if program_id is None else program_id
    people = (
        participants.all_participants(session=session, program_id=program_id)
        if program_id in mentee_of
        else []
    )
    me = next((p for p in people if p.user_id == user.id and p.is_mentee), None)
    if me is None:
        raise NotFound(f"No program with id {program_id} in which you are a mentee.")
    program = programs.get(session=session, program_id=program_id)
    # Each mentor as a mentee of the program may read them: only what they share.
    names = {p.external_id: shared_profile(p) for p in people}
    context: dict[str, Any] = {"program": program, "mode": None, "problem": None}
    try:
        if program.kind == ProgramKind.speed:
            lists = modes.speed_shortlists(
                session=session,
                vectors=services.profile_vectors,
                program_id=program.id,
                principal=user,
            ).shortlists
            context.update(
                mode="speed", shortlist=[names[i] for i in lists.get(me.external_id, [])]
            )
        elif program.kind in SELF_MATCH_KINDS:
            found = modes.recommendations(
                session=session,
                vectors=services.profile_vectors,
                program_id=program.id,
                mentee_id=me.external_id,
                principal=user,
                limit=RECOMMENDATIONS,
            )
            context.update(mode="self_match", recommendations=found.recommendations)
    except InvalidInput as exc:
        context["problem"] = exc.message
    return render(request, "goals/recommendations.html", user=user, **context)
