"""Relationship pages: my relationships, one relationship, its sessions and its thread.

Members see everything of their relationship; coordinators of its program see
the program-level parts (members, dates, status, session times); for anyone
else every page here answers 404, exactly as the API does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.params import whole_number
from api.web.core import Form, WebUser, flash, flash_failure, redirect, render
from api.web.review_pages import kind_label, shown_errors
from companion.accounts.models import User
from companion.db.base import utcnow
from companion.drafting import service as drafting
from companion.errors import CompanionError, InvalidInput, NotFound, PermissionDenied
from companion.relationships import access, feedback, meetings, threads
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
from companion.review import queue

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


def _rethrow(exc: CompanionError) -> None:
    """Not found and not allowed are whole-page answers, never a message next to a field."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc


def title_of(detail: dict[str, Any]) -> str:
    return detail["name"] or " & ".join(m["name"] for m in detail["members"])


def my_name(view: View) -> str | None:
    return view.people[view.member.participant_id].name if view.member else None


def my_timezone(view: View) -> str:
    if view.member is None:
        return "UTC"
    return view.people[view.member.participant_id].timezone or "UTC"


def drafts_waiting(session: SessionDep, user: User, relationship_id: int) -> list[dict]:
    """The drafts of this relationship that wait for this person's review."""
    items, _ = queue.pending_for(
        session=session, principal=user, relationship_id=relationship_id, limit=200
    )
    return items


def all_sessions(session: SessionDep, view: View) -> list[dict[str, Any]]:
    rows, _ = meetings.list_sessions(session=session, view=view, limit=SESSIONS_SHOWN, offset=0)
    return rows


def _back(relationship_id: int, session_id: str) -> str:
    if session_id.isdigit():
        return f"/relationships/{relationship_id}/sessions/{session_id}"
    return f"/relationships/{relationship_id}"


# --- my relationships ------------------------------------------------------------------


@router.get("/relationships", response_model=None)
def my_relationships(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    details = [
        relationships.detail(session=session, view=_view(session, rid, user))
        for rid in dict.fromkeys(access.relationship_ids_of_user(session, user))
    ]
    groups = {
        "mentees": [
            d for d in details if d["kind"] == RelationshipKind.pair and d["my_role"] == "mentor"
        ],
        "mentors": [
            d for d in details if d["kind"] == RelationshipKind.pair and d["my_role"] == "mentee"
        ],
        "circles": [d for d in details if d["kind"] == RelationshipKind.circle],
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
    now = utcnow()
    detail = relationships.detail(session=session, view=view)
    rows = all_sessions(session, view)
    upcoming = sorted(
        (r for r in rows if r["status"] == SessionStatus.scheduled and r["ends_at"] >= now),
        key=lambda r: r["starts_at"],
    )
    past = [r for r in rows if r not in upcoming]
    context: dict[str, Any] = {
        "detail": detail,
        "title": title_of(detail),
        "upcoming": upcoming,
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
        "actions": [],
        "owners": [],
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


@router.get("/relationships/{relationship_id:int}", response_model=None)
def show_relationship(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    return relationship_page(request, session, _view(session, relationship_id, user))


@router.post("/relationships/{relationship_id:int}/agreement", response_model=None)
def update_expectations(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    expectations = str(form.get("expectations", ""))
    try:
        relationships.update_agreement(view=view, expectations=expectations)
    except CompanionError as exc:
        _rethrow(exc)
        session.rollback()
        return relationship_page(
            request,
            session,
            view,
            errors=shown_errors(exc, known={"expectations"}, fallback="expectations"),
            status_code=exc.status_code,
            values={"expectations": expectations},
        )
    flash(request, "Your expectations are saved.")
    return redirect(f"/relationships/{relationship_id}#agreement")


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
    try:
        relationships.set_status(view=view, status=RelationshipStatus(wanted))
    except CompanionError as exc:
        _rethrow(exc)
        flash_failure(request, session, exc)
        return redirect(back)
    flash(request, "Paused." if wanted == RelationshipStatus.paused else "Resumed.")
    return redirect(back)


BOOKING_FIELDS = ("when", "other_time", "duration_minutes", "modality")


def _booking(form: Any, timezone: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The booking form read: (arguments for `meetings.book`, errors by field, values as typed)."""
    values = {name: str(form.get(name, "")).strip() for name in BOOKING_FIELDS}
    errors: dict[str, str] = {}
    starts_at = None
    if values["other_time"]:
        try:
            typed = datetime.fromisoformat(values["other_time"])
        except ValueError:
            errors["other_time"] = "Enter a date and time, e.g. 2026-03-03 09:00."
        else:
            # A time typed without a zone is meant on the typist's own clock.
            starts_at = typed if typed.tzinfo else typed.replace(tzinfo=ZoneInfo(timezone))
    elif values["when"]:
        try:
            starts_at = datetime.fromisoformat(values["when"])
        except ValueError:
            errors["when"] = "Choose one of the proposed times, or enter another."
        else:
            if starts_at.tzinfo is None:
                errors["when"] = "Choose one of the proposed times, or enter another."
    else:
        errors["other_time"] = "Choose one of the proposed times, or enter a date and time."
    duration = None
    if values["duration_minutes"]:
        try:
            duration = whole_number(values["duration_minutes"], field="duration_minutes")
        except InvalidInput:
            errors["duration_minutes"] = "Give the length in whole minutes."
    try:
        modality = Modality(values["modality"] or Modality.video)
    except ValueError:
        errors["modality"] = "Choose one of the ways to meet in the list."
        modality = Modality.video
    arguments = {"starts_at": starts_at, "duration_minutes": duration, "modality": modality}
    return arguments, errors, values


@router.post("/relationships/{relationship_id:int}/sessions", response_model=None)
def book_session(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    arguments, errors, values = _booking(form, my_timezone(view))
    if not errors:
        try:
            row = meetings.book(session=session, view=view, **arguments)
        except CompanionError as exc:
            _rethrow(exc)
            session.rollback()
            typed = "other_time" if values["other_time"] else "when"
            errors = {
                typed if key == "starts_at" else key: message
                for key, message in shown_errors(
                    exc, known={"starts_at", "duration_minutes", "modality"}, fallback="when"
                ).items()
            }
            return relationship_page(
                request, session, view, errors=errors, status_code=exc.status_code, values=values
            )
        ends_at = row.starts_at + timedelta(minutes=row.duration_minutes)
        flash(request, f"Booked: {local_time(row.starts_at, ends_at, my_timezone(view))}.")
        return redirect(f"/relationships/{relationship_id}/sessions/{row.id}")
    return relationship_page(request, session, view, errors=errors, status_code=422, values=values)


@router.post("/relationships/{relationship_id:int}/actions", response_model=None)
def add_action(
    request: Request, relationship_id: int, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    view = _view(session, relationship_id, user)
    values = {
        name: str(form.get(name, "")).strip()
        for name in ("action_text", "action_owner", "action_due", "session_id")
    }
    errors: dict[str, str] = {}
    due = None
    if values["action_due"]:
        try:
            due = date.fromisoformat(values["action_due"])
        except ValueError:
            errors["action_due"] = "Enter a date, e.g. 2026-03-17."
    session_id = (
        whole_number(values["session_id"], field="session_id") if values["session_id"] else None
    )
    status_code = 422
    if not errors:
        try:
            meetings.add_action(
                session=session,
                view=view,
                text=values["action_text"],
                owner=values["action_owner"],
                due_date=due,
                session_id=session_id,
            )
        except CompanionError as exc:
            _rethrow(exc)
            session.rollback()
            renamed = {"text": "action_text", "owner": "action_owner", "due_date": "action_due"}
            shown = shown_errors(exc, known=set(renamed), fallback="action_text")
            errors = {renamed.get(key, key): message for key, message in shown.items()}
            status_code = exc.status_code
    if not errors:
        flash(request, "Action item added.")
        return redirect(_back(relationship_id, values["session_id"]) + "#actions")
    if session_id is not None:
        return session_page(
            request,
            session,
            view,
            session_id,
            errors=errors,
            status_code=status_code,
            values=values,
        )
    return relationship_page(
        request, session, view, errors=errors, status_code=status_code, values=values
    )


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
    try:
        meetings.update_action(session=session, view=view, action_id=action_id, done=done)
    except CompanionError as exc:
        _rethrow(exc)
        flash_failure(request, session, exc)
        return redirect(back)
    flash(request, "Marked done." if done else "Marked not done.")
    return redirect(back)


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
    now = utcnow()
    row = meetings.get_session(session, view, session_id)
    data = meetings.session_payload(row, view, session=session, with_notes=True)
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
            if status in meetings.SESSION_TRANSITIONS[row.status]
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
    body = meetings.session_ics(session=session, view=view, session_id=session_id)
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
    try:
        meetings.update(
            session=session, view=view, session_id=session_id, status=SessionStatus(wanted)
        )
    except CompanionError as exc:
        _rethrow(exc)
        session.rollback()
        flash(request, exc.message.removeprefix("status: "), "error")
        return redirect(back)
    flash(request, f"The session is marked {wanted.replace('_', '-')}.")
    return redirect(back)


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
    try:
        meetings.get_session(session, view, session_id)
        save()
    except CompanionError as exc:
        _rethrow(exc)
        session.rollback()
        return session_page(
            request,
            session,
            view,
            session_id,
            errors=shown_errors(exc, known=set(), fallback=field),
            status_code=exc.status_code,
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


def _feedback_errors(exc: CompanionError) -> dict[str, str]:
    """`answers[1].rating` -> the rating of the second question, and so on."""
    found: dict[str, str] = {}
    for detail in exc.details:
        field = str(detail.get("field") or "")
        message = str(detail.get("message") or exc.message)
        matched = re.fullmatch(r"answers\[(\d+)\]\.(rating|text)", field)
        key = f"{matched.group(2)}_{matched.group(1)}" if matched else "feedback"
        found.setdefault(key, message)
    return found or {"feedback": exc.message}


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
        feedback.submit(view, session_id, answers)
    except CompanionError as exc:
        _rethrow(exc)
        session.rollback()
        return session_page(
            request,
            session,
            view,
            session_id,
            errors=_feedback_errors(exc),
            status_code=exc.status_code,
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
        drafting.prepare_session(
            services=services,
            session=session,
            principal=user,
            relationship_id=relationship_id,
            session_id=session_id,
        )
    except CompanionError as exc:
        _rethrow(exc)
        if not exc.records_failure:  # a failed draft is kept, and committed with the request
            session.rollback()
        flash(request, f"The session could not be prepared: {exc.message}", "error")
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
    for item in page.items:
        item["pieces"] = segments(item["body"], item["links"])
        item["new"] = not item["mine"] and item["id"] > read_before
    detail = relationships.detail(session=session, view=view)
    return render(
        request,
        "relationships/thread.html",
        user=view.principal,
        status_code=status_code,
        errors=errors or {},
        detail=detail,
        title=title_of(detail),
        messages=page.items,
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
        message = threads.post(view, body)
    except CompanionError as exc:
        _rethrow(exc)
        session.rollback()
        return thread_page(
            request,
            session,
            view,
            None,
            errors=shown_errors(exc, known={"body"}, fallback="body"),
            status_code=exc.status_code,
            body=body,
        )
    flash(request, "Sent.")
    return redirect(f"/relationships/{relationship_id}/thread#m-{message.id}")
