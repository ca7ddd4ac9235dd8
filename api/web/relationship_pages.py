"""Relationship pages: my relationships, one relationship, its sessions and its thread.

Members see everything of their relationship; coordinators of its program see
the program-level parts (members, dates, status, session times); for anyone
else every page here answers 404, exactly as the API does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.params import whole_number
from api.web import forms
from api.web.core import Form, WebUser, flash, guide_url, redirect, render
from api.web.review_pages import kind_label
from companion.accounts.models import User
from companion.community import moderation
from companion.db.base import utcnow
from companion.drafting import service as drafting
from companion.errors import InvalidInput
from companion.guidance import service as kb
from companion.matching import explanation
from companion.relationships import access, feedback, meetings, partners, threads
from companion.relationships import service as relationships
from companion.relationships.access import View
from companion.relationships.feedback import RATING_MAX, RATING_MIN
from companion.relationships.models import (
    Modality,
    RelationshipKind,
    RelationshipStatus,
    SessionStatus,
)
from companion.relationships.scheduling import local_time
from companion.relationships.schemas import (
    ActionCreate,
    Booking,
    RelationshipPublic,
    SessionPublic,
    SessionSuggestion,
)
from companion.review import delivery, queue
from companion.review.schemas import DraftReviewPublic
from knowledge.chunking import HEADING_SEPARATOR

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ICS = "text/calendar; charset=utf-8"
THREAD_PAGE = 30
SESSIONS_SHOWN = 200
FEED_URL_KEY = "calendar_feed_url"
MODALITY_LABELS = {
    Modality.video: "Video call",
    Modality.phone: "Phone",
    Modality.in_person: "In person",
    Modality.chat: "Chat",
}
STATUS_LABELS = {
    SessionStatus.held: "Mark held",
    SessionStatus.cancelled: "Mark cancelled",
    SessionStatus.no_show: "Mark no-show",
}


# --- what several pages need -----------------------------------------------------------


def _view(session: SessionDep, relationship_id: int, user: User) -> View:
    return access.view(session=session, relationship_id=relationship_id, principal=user)


def _reload(session: SessionDep, view: View) -> None:
    """A page drawn again after a refused form: the refusal rolled back a savepoint, which
    expired what the call had changed, the members too; read them again in one query."""
    access.load_members(session, [view.relationship])


def title_of(detail: RelationshipPublic) -> str:
    return detail.name or " & ".join(m.name for m in detail.members)


def my_name(view: View) -> str | None:
    return view.people[view.member.participant_id].name if view.member else None


def my_timezone(view: View) -> str:
    if view.member is None:
        return "UTC"
    return view.people[view.member.participant_id].timezone or "UTC"


def drafts_waiting(
    session: SessionDep, user: User, relationship_id: int
) -> list[DraftReviewPublic]:
    """The drafts of this relationship that wait for this person's review."""
    items, _ = queue.pending_for(
        session=session, principal=user, relationship_id=relationship_id, limit=200
    )
    return items


def all_sessions(session: SessionDep, view: View) -> list[SessionPublic]:
    rows, _ = meetings.list_sessions(
        session=session, view=view, limit=SESSIONS_SHOWN, offset=0, gate=delivery
    )
    return rows


def _back(relationship_id: int, session_id: str) -> str:
    if session_id.isdigit():
        return f"/relationships/{relationship_id}/sessions/{session_id}"
    return f"/relationships/{relationship_id}"


# --- my relationships ------------------------------------------------------------------


@router.get("/relationships", response_model=None)
def my_relationships(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    details = relationships.list_mine(session=session, principal=user)
    groups = {
        "mentees": [
            d for d in details if d.kind == RelationshipKind.pair and d.my_role == "mentor"
        ],
        "mentors": [
            d for d in details if d.kind == RelationshipKind.pair and d.my_role == "mentee"
        ],
        "circles": [d for d in details if d.kind == RelationshipKind.circle],
    }
    return render(
        request,
        "relationships/list.html",
        user=user,
        groups=groups,
        any_relationship=bool(details),
        title_of=title_of,
        # Shown once: the address is not kept anywhere it could be read again.
        feed_url=request.session.pop(FEED_URL_KEY, None),
    )


@router.post("/relationships/calendar-feed", response_model=None)
def issue_calendar_feed(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    token = meetings.issue_feed(session=session, user=user)
    request.session[FEED_URL_KEY] = str(request.url_for("calendar_feed", token=f"{token}.ics"))
    flash(request, "Your calendar address is ready; any address issued before stops working.")
    return redirect("/relationships#calendar")


# --- one relationship ------------------------------------------------------------------


def relationship_page(
    request: Request,
    session: SessionDep,
    view: View,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    _reload(session, view)
    now = utcnow()
    detail = relationships.detail(session=session, view=view)
    rows = all_sessions(session, view)
    upcoming = sorted(
        (r for r in rows if r.status == SessionStatus.scheduled and r.ends_at >= now),
        key=lambda r: r.starts_at,
    )
    proposals = sorted(
        (r for r in rows if r.status == SessionStatus.proposed), key=lambda r: r.starts_at
    )
    # A declined time never happened: it is not a past session.
    past = [
        r
        for r in rows
        if r not in upcoming and r.status not in (SessionStatus.proposed, SessionStatus.declined)
    ]
    context: dict[str, Any] = {
        "detail": detail,
        "title": title_of(detail),
        "upcoming": upcoming,
        "proposals": proposals,
        "past": past,
        "member": view.member is not None,
        "my_name": my_name(view),
        "my_timezone": my_timezone(view),
        "my_expectations": view.member.expectations if view.member else "",
        "coordinator": view.coordinator,
        "session_minutes": view.program.session_minutes,
        "modalities": MODALITY_LABELS,
        "waiting": drafts_waiting(session, view.principal, view.relationship.id),
        "kind_label": kind_label,
        "values": values or {},
        "proposal": None,
        "partners": [],
        "my_sharing": None,
        "first_session": None,
        "actions": [],
        "owners": [],
        "match": explanation.explain(
            session=session, relationship_id=view.relationship.id, principal=view.principal
        ),
    }
    if view.member is not None:
        if view.relationship.status == RelationshipStatus.active:
            proposal, earliest, cadence = meetings.proposed_times(session=session, view=view)
            context["proposal"] = {
                "times": proposal.times,
                "explanation": proposal.explanation,
                "earliest": earliest,
                "cadence": cadence,
            }
        context["partners"] = partners.others(view=view)
        context["my_sharing"] = partners.mine(view=view)
        if not any(r.status == SessionStatus.held for r in rows):
            context["first_session"] = first_session_guide(session, view.principal)
        context["actions"] = meetings.list_actions(session=session, view=view)
        context["owners"] = [
            (view.external_id(m.participant_id), view.people[m.participant_id].name)
            for m in view.relationship.members
        ]
    return render(
        request,
        "relationships/detail.html",
        user=view.principal,
        status_code=status_code,
        errors=errors or {},
        **context,
    )


# The guide members read before their first session, and the sections the page points to.
FIRST_SESSION_GUIDE = "first-session-and-mentoring-agreement"
FIRST_SESSION_SECTIONS = (
    ("What the first mentoring session is for", "What the first session is for"),
    ("Getting-to-know-you questions for the first meeting", "Questions to get to know each other"),
    ("What goes into a mentoring agreement", "What to write down in your agreement"),
)


def first_session_guide(session: SessionDep, user: User) -> dict[str, Any]:
    """The first-session section: links into the guide when this knowledge base has it."""
    guide = kb.guide_in_use(session=session, doc_id=FIRST_SESSION_GUIDE, principal=user)
    if guide is None:
        return {"title": None, "links": []}
    # Each section as its passages name it, so the link lands where a citation would.
    paths = {c.heading.split(HEADING_SEPARATOR)[-1].strip(): c.heading for c in guide.chunks}
    return {
        "title": guide.title,
        "links": [
            (guide_url(guide.doc_id, paths[heading], guide.title), label)
            for heading, label in FIRST_SESSION_SECTIONS
            if heading in paths
        ],
    }


@router.get("/relationships/{relationship_id:int}", response_model=None)
def show_relationship(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    return relationship_page(request, session, _view(session, relationship_id, user))


@router.post("/relationships/{relationship_id:int}/match-review", response_model=None)
def ask_for_match_review(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    """A member asks a coordinator to review the match, with an optional note."""
    view = _view(session, relationship_id, user)
    note = str(form.get("note", ""))
    try:
        forms.run(
            session,
            lambda: explanation.request_review(
                session=session, relationship_id=relationship_id, principal=user, note=note
            ),
            **forms.beside("note"),
        )
    except forms.Refused as refused:
        return relationship_page(
            request,
            session,
            view,
            errors=refused.errors,
            status_code=refused.status_code,
            values={"note": note},
        )
    flash(request, "Your request is with the program's coordinators; one of them will be in touch.")
    return redirect(f"/relationships/{relationship_id}#why-matched")


@router.post("/relationships/{relationship_id:int}/agreement", response_model=None)
def update_expectations(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    expectations = str(form.get("expectations", ""))
    try:
        forms.run(
            session,
            lambda: relationships.update_agreement(view=view, expectations=expectations),
            known={"expectations"},
            fallback="expectations",
        )
    except forms.Refused as refused:
        return relationship_page(
            request,
            session,
            view,
            errors=refused.errors,
            status_code=refused.status_code,
            values={"expectations": expectations},
        )
    flash(request, "Your expectations are saved.")
    return redirect(f"/relationships/{relationship_id}#agreement")


@router.post("/relationships/{relationship_id:int}/sharing", response_model=None)
def share_profile(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    """A member chooses which of their profile fields the other members read."""
    view = _view(session, relationship_id, user)
    fields = [str(v) for v in form.getlist("shared")]
    try:
        forms.run(
            session,
            lambda: partners.share(view=view, fields=fields),
            **forms.beside("shared_fields"),
        )
    except forms.Refused as refused:
        return relationship_page(
            request, session, view, errors=refused.errors, status_code=refused.status_code
        )
    flash(request, "Saved: the other members now see only what you ticked.")
    return redirect(f"/relationships/{relationship_id}#sharing")


@router.post("/relationships/{relationship_id:int}/status", response_model=None)
def pause_or_resume(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    view = _view(session, relationship_id, user)
    back = f"/relationships/{relationship_id}#status"
    wanted = str(form.get("status", ""))
    if wanted not in (RelationshipStatus.active, RelationshipStatus.paused):
        flash(request, "Pause or resume the relationship with the buttons on its page.", "error")
        return redirect(back)
    return forms.act(
        request,
        session,
        lambda: relationships.set_status(view=view, status=RelationshipStatus(wanted)),
        done="Paused." if wanted == RelationshipStatus.paused else "Resumed.",
        back=back,
    )


BOOKING_FIELDS = ("when", "other_time", "duration_minutes", "modality")


def _starts_at(values: dict[str, str], timezone: str) -> str:
    """The chosen or typed start; a time typed without a zone is on the typist's own clock."""
    typed = values["other_time"]
    if not typed:
        return values["when"]
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        return typed  # the model says what a time must look like
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))).isoformat()


@router.post("/relationships/{relationship_id:int}/sessions", response_model=None)
def book_session(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = forms.values_of(form, BOOKING_FIELDS)
    # Errors about the start go next to the field it came from.
    where = {"starts_at": "other_time" if values["other_time"] or not values["when"] else "when"}
    try:
        booking = forms.parse(
            Booking,
            {
                "starts_at": _starts_at(values, my_timezone(view)),
                "duration_minutes": values["duration_minutes"],
                "modality": values["modality"],
            },
            names=where,
        )
        row = forms.run(
            session,
            lambda: meetings.book(session=session, view=view, **booking.model_dump()),
            names=where,
            known={*where.values(), "duration_minutes", "modality"},
            fallback=where["starts_at"],
        )
    except forms.Refused as refused:
        return relationship_page(
            request,
            session,
            view,
            errors=refused.errors,
            status_code=refused.status_code,
            values=values,
        )
    ends_at = row.starts_at + timedelta(minutes=row.duration_minutes)
    time = local_time(row.starts_at, ends_at, my_timezone(view))
    if row.status == SessionStatus.proposed:
        others = " and ".join(view.people[p].name for p in meetings.awaited(view, row))
        flash(
            request,
            f"Proposed: {time}. {others} is asked to accept it or suggest another time; "
            "you both get the calendar invitation once it is agreed.",
        )
        return redirect(f"/relationships/{relationship_id}#proposals")
    flash(request, f"Booked: {time}.")
    return redirect(f"/relationships/{relationship_id}/sessions/{row.id}")


ANSWERS = ("accept", "decline", "suggest", "withdraw")


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/answer", response_model=None
)
def answer_proposal(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    """Accept, decline or suggest another time for a proposed session, or withdraw one's own."""
    view = _view(session, relationship_id, user)
    meetings.get_session(session, view, session_id)
    back = f"/relationships/{relationship_id}#proposals"
    answer = str(form.get("answer", ""))
    if answer == "accept":
        return forms.act(
            request,
            session,
            lambda: meetings.accept(session=session, view=view, session_id=session_id),
            done="Accepted: the session is confirmed, and the calendar invitation is on its "
            "way to you both.",
            back=f"/relationships/{relationship_id}#book",
        )
    if answer == "decline":
        return forms.act(
            request,
            session,
            lambda: meetings.decline(session=session, view=view, session_id=session_id),
            done="Declined. They are told, and may propose another time.",
            back=back,
        )
    if answer == "withdraw":
        return forms.act(
            request,
            session,
            lambda: meetings.update(
                session=session,
                view=view,
                session_id=session_id,
                status=SessionStatus.cancelled,
            ),
            done="Withdrawn. Nothing is left for the other member to answer.",
            back=back,
        )
    if answer != "suggest":
        flash(request, "Answer a proposed time with the buttons beside it.", "error")
        return redirect(back)
    field = f"suggest_{session_id}"
    typed = forms.values_of(form, (field,))
    names = {"starts_at": field, "*": field}
    try:
        suggestion = forms.parse(
            SessionSuggestion,
            {"starts_at": _starts_at({"other_time": typed[field], "when": ""}, my_timezone(view))},
            names=names,
            fallback=field,
        )
        forms.run(
            session,
            lambda: meetings.suggest(
                session=session, view=view, session_id=session_id, **suggestion.model_dump()
            ),
            names=names,
            known={field},
            fallback=field,
        )
    except forms.Refused as refused:
        return relationship_page(
            request,
            session,
            view,
            errors=refused.errors,
            status_code=refused.status_code,
            values=typed,
        )
    flash(request, "Suggested. It now waits for their answer.")
    return redirect(back)


ACTION_FIELDS = {"text": "action_text", "owner": "action_owner", "due_date": "action_due"}


@router.post("/relationships/{relationship_id:int}/actions", response_model=None)
def add_action(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = forms.values_of(form, (*ACTION_FIELDS.values(), "session_id"))
    try:
        action = forms.parse(
            ActionCreate,
            {
                field: values[name]
                for field, name in {**ACTION_FIELDS, "session_id": "session_id"}.items()
            },
            names=ACTION_FIELDS,
            fallback="action_text",
        )
        forms.run(
            session,
            lambda: meetings.add_action(session=session, view=view, **action.model_dump()),
            names=ACTION_FIELDS,
            known=set(ACTION_FIELDS.values()),
            fallback="action_text",
        )
    except forms.Refused as refused:
        session_id = (
            whole_number(values["session_id"], field="session_id") if values["session_id"] else None
        )
        page = partial(session_page, session_id=session_id) if session_id else relationship_page
        return page(
            request,
            session,
            view,
            errors=refused.errors,
            status_code=refused.status_code,
            values=values,
        )
    flash(request, "Action item added.")
    return redirect(_back(relationship_id, values["session_id"]) + "#actions")


@router.post("/relationships/{relationship_id:int}/actions/{action_id:int}", response_model=None)
def tick_action(
    request: Request,
    relationship_id: int,
    action_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> RedirectResponse:
    view = _view(session, relationship_id, user)
    done = str(form.get("done", "")) == "1"
    back = _back(relationship_id, str(form.get("session_id", ""))) + "#actions"
    return forms.act(
        request,
        session,
        lambda: meetings.update_action(session=session, view=view, action_id=action_id, done=done),
        done="Marked done." if done else "Marked not done.",
        back=back,
    )


# --- one session -----------------------------------------------------------------------


def session_page(
    request: Request,
    session: SessionDep,
    view: View,
    session_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    _reload(session, view)
    now = utcnow()
    row = meetings.get_session(session, view, session_id)
    data = meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)
    detail = relationships.detail(session=session, view=view)
    context: dict[str, Any] = {
        "detail": detail,
        "title": title_of(detail),
        "s": data,
        "member": view.member is not None,
        "is_mentor": view.is_mentor,
        "my_name": my_name(view),
        "started": row.starts_at <= now,
        "marks": [
            (status.value, STATUS_LABELS[status])
            for status in (SessionStatus.held, SessionStatus.no_show, SessionStatus.cancelled)
            # A proposed time is answered (or withdrawn) on the relationship page.
            if status in meetings.SESSION_TRANSITIONS[row.status]
            and row.status != SessionStatus.proposed
        ],
        "waiting": drafts_waiting(session, view.principal, view.relationship.id),
        "kind_label": kind_label,
        "values": values or {},
        "feedback": None,
        "owners": [],
        "ratings": range(RATING_MIN, RATING_MAX + 1),
        "can_prepare": False,
    }
    if view.member is not None:
        context["feedback"] = feedback.for_session(view, session_id)
        context["owners"] = [
            (view.external_id(m.participant_id), view.people[m.participant_id].name)
            for m in view.relationship.members
        ]
        context["can_prepare"] = meetings.may_prepare(session=session, view=view, session_id=row.id)
    return render(
        request,
        "relationships/session.html",
        user=view.principal,
        status_code=status_code,
        errors=errors or {},
        **context,
    )


@router.get(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}.ics", response_model=None
)
def session_calendar(
    relationship_id: int, session_id: int, session: SessionDep, user: WebUser
) -> Response:
    """The session as a calendar entry, for a signed-in member (the API's needs a token)."""
    view = _view(session, relationship_id, user)
    body = meetings.session_ics(session=session, view=view, session_id=session_id, gate=delivery)
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.ics"'},
    )


@router.get("/relationships/{relationship_id:int}/sessions/{session_id:int}", response_model=None)
def show_session(
    request: Request, relationship_id: int, session_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    return session_page(request, session, _view(session, relationship_id, user), session_id)


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/status", response_model=None
)
def mark_session(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> RedirectResponse:
    view = _view(session, relationship_id, user)
    back = f"/relationships/{relationship_id}/sessions/{session_id}"
    meetings.get_session(session, view, session_id)
    wanted = str(form.get("status", ""))
    if wanted not in STATUS_LABELS:
        flash(request, "Mark the session with the buttons on its page.", "error")
        return redirect(back)
    return forms.act(
        request,
        session,
        lambda: meetings.update(
            session=session, view=view, session_id=session_id, status=SessionStatus(wanted)
        ),
        done=f"The session is marked {wanted.replace('_', '-')}.",
        back=back,
    )


def _save_text(
    request: Request,
    session: SessionDep,
    view: View,
    session_id: int,
    field: str,
    text: str,
    save: Callable[[], object],
    done: str,
) -> HTMLResponse | RedirectResponse:
    """Save one text field of a session; a refusal is shown next to it with the text kept."""
    meetings.get_session(session, view, session_id)
    try:
        forms.run(session, save, known=set(), fallback=field)
    except forms.Refused as refused:
        return session_page(
            request,
            session,
            view,
            session_id,
            errors=refused.errors,
            status_code=refused.status_code,
            values={field: text},
        )
    flash(request, done)
    return redirect(f"/relationships/{view.relationship.id}/sessions/{session_id}#{field}")


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/notes", response_model=None
)
def save_shared_notes(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    text = str(form.get("shared_notes", ""))
    return _save_text(
        request,
        session,
        view,
        session_id,
        "shared_notes",
        text,
        lambda: meetings.update(
            session=session, view=view, session_id=session_id, shared_notes=text
        ),
        "The shared notes are saved.",
    )


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/private-note",
    response_model=None,
)
def save_private_note(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    text = str(form.get("private_note", ""))
    return _save_text(
        request,
        session,
        view,
        session_id,
        "private_note",
        text,
        lambda: meetings.write_private_note(
            session=session, view=view, session_id=session_id, text=text
        ),
        "Your private note is saved; only you can read it.",
    )


# `answers[1].rating` is the rating of the second question, and so on.
FEEDBACK_FIELDS = {"*": "feedback", "answers.#.rating": "rating_{i}", "answers.#.text": "text_{i}"}


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/feedback",
    response_model=None,
)
def submit_feedback(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    meetings.get_session(session, view, session_id)
    count = sum(1 for key in form if re.fullmatch(r"text_\d+", key))
    answers, values = [], {}
    for index in range(count):
        rating = str(form.get(f"rating_{index}", "")).strip()
        text = str(form.get(f"text_{index}", ""))
        values[f"rating_{index}"], values[f"text_{index}"] = rating, text
        try:
            number = whole_number(rating, field=f"rating_{index}")
        except InvalidInput:
            number = None  # feedback.submit says, beside the question, what a rating must be
        answers.append({"rating": number, "text": text})
    try:
        forms.run(
            session,
            lambda: feedback.submit(view, session_id, answers),
            names=FEEDBACK_FIELDS,
            fallback="feedback",
        )
    except forms.Refused as refused:
        return session_page(
            request,
            session,
            view,
            session_id,
            errors=refused.errors,
            status_code=refused.status_code,
            values=values,
        )
    flash(request, "Thank you: your feedback is saved.")
    return redirect(f"/relationships/{relationship_id}/sessions/{session_id}#feedback")


@router.post(
    "/relationships/{relationship_id:int}/sessions/{session_id:int}/prepare",
    response_model=None,
)
def prepare_session(
    request: Request,
    relationship_id: int,
    session_id: int,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    form: Form,
) -> RedirectResponse:
    """The mentor asks for a brief and an agenda; both wait for the mentor's review."""
    back = f"/relationships/{relationship_id}/sessions/{session_id}"
    try:
        # Both drafts or neither: a failed agenda does not leave a brief behind.
        forms.run(
            session,
            lambda: drafting.prepare_session(
                services=services,
                session=session,
                principal=user,
                relationship_id=relationship_id,
                session_id=session_id,
            ),
        )
    except forms.Refused as refused:
        flash(request, f"The session could not be prepared: {refused.message}", "error")
        return redirect(back)
    flash(
        request,
        "A brief for you and an agenda for you both are drafted. Review them below: "
        "nobody else sees them until you approve.",
    )
    return redirect(back + "#drafts")


# --- the thread ------------------------------------------------------------------------


def segments(body: str, links: list[str]) -> list[dict[str, str]]:
    """A message as text and link pieces, so that only its http(s) addresses become links."""
    if not links:
        return [{"text": body}]
    pattern = re.compile("|".join(re.escape(url) for url in sorted(links, key=len, reverse=True)))
    pieces, at = [], 0
    for match in pattern.finditer(body):
        if match.start() > at:
            pieces.append({"text": body[at : match.start()]})
        pieces.append({"text": match.group(), "url": match.group()})
        at = match.end()
    if at < len(body):
        pieces.append({"text": body[at:]})
    return pieces


def thread_page(
    request: Request,
    session: SessionDep,
    view: View,
    offset: int | None,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    body: str = "",
) -> HTMLResponse:
    total = threads.list_messages(view, limit=1, offset=0, mark_read=False).total
    if offset is None:
        offset = max(total - THREAD_PAGE, 0)
    read_before = view.member.last_read_message_id if view.member else 0
    page = threads.list_messages(view, limit=THREAD_PAGE, offset=max(offset, 0))
    messages = [
        {
            **item.model_dump(),
            "pieces": segments(item.body, item.links),
            "new": not item.mine and item.id > read_before,
        }
        for item in page.items
    ]
    detail = relationships.detail(session=session, view=view)
    return render(
        request,
        "relationships/thread.html",
        user=view.principal,
        status_code=status_code,
        errors=errors or {},
        detail=detail,
        title=title_of(detail),
        messages=messages,
        total=page.total,
        unread=page.unread,
        offset=max(offset, 0),
        page_size=THREAD_PAGE,
        body=body,
        writable=view.relationship.status.is_open,
    )


@router.get("/relationships/{relationship_id:int}/thread", response_model=None)
def show_thread(
    request: Request,
    relationship_id: int,
    session: SessionDep,
    user: WebUser,
    offset: int | None = None,
) -> HTMLResponse:
    return thread_page(request, session, _view(session, relationship_id, user), offset)


@router.post("/relationships/{relationship_id:int}/thread", response_model=None)
def post_message(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    body = str(form.get("body", ""))
    try:
        message = forms.run(
            session, lambda: moderation.post_message(view, body), known={"body"}, fallback="body"
        )
    except forms.Refused as refused:
        return thread_page(
            request,
            session,
            view,
            None,
            errors=refused.errors,
            status_code=refused.status_code,
            body=body,
        )
    flash(request, "Sent.")
    return redirect(f"/relationships/{relationship_id}/thread#m-{message.id}")
