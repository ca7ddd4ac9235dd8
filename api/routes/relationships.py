"""Relationships, sessions, action items and calendars, with object-level permissions.

Members of a relationship see it; coordinators of its program see program-level
data; for everyone else it does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.orm import Session

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep, Token, run_as_user
from api.responses import ReadModel
from companion.accounts.models import User
from companion.pagination import Page
from companion.relationships import access, health, meetings
from companion.relationships import service as relationships
from companion.relationships.models import RelationshipStatus
from companion.relationships.schemas import (
    ActionCreate,
    ActionItemPublic,
    ActionUpdate,
    AgreementUpdate,
    Booking,
    CalendarFeedPublic,
    CircleCreate,
    EndRequest,
    PrivateNoteBody,
    PrivateNotePublic,
    ProgramHealthPublic,
    ProposedTime,
    ProposedTimesPublic,
    Reflection,
    RelationshipPublic,
    SessionPublic,
    SessionSuggestion,
    SessionUpdate,
    StatusChange,
)
from companion.review import delivery

router = APIRouter(prefix="/api/v1", tags=["relationships"])
# Members read more of a relationship than coordinators do; what is not theirs is left out.
MEMBERS_READ_MORE = {"response_model_exclude_unset": True}

ICS = "text/calendar; charset=utf-8"


# --- program level ---------------------------------------------------------------------


@router.get(
    "/programs/{program_id}/relationships",
    response_model=Page[RelationshipPublic],
    **MEMBERS_READ_MORE,
)
def list_relationships(
    program_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status_: Annotated[RelationshipStatus | None, Query(alias="status")] = None,
    stalled: Annotated[bool, Query(description="Only stalled relationships.")] = False,
    q: Annotated[str, Query(description="Words in the circle's or a member's name.")] = "",
    kind: Annotated[str | None, Query(description="pair or circle.")] = None,
    age: Annotated[
        str | None,
        Query(description="By start date: new (< 4 weeks), months (4 weeks to 3 months), long."),
    ] = None,
    sort: Annotated[str, Query(description="oldest (default), newest or mentor.")] = "oldest",
) -> Page[RelationshipPublic]:
    program = relationships.get_program(session=session, program_id=program_id, principal=user)
    items, total = relationships.list_visible(
        session=session,
        program=program,
        principal=user,
        status=status_,
        stalled_only=stalled,
        search=q,
        kind=kind,
        age=age,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[RelationshipPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/programs/{program_id}/circles",
    status_code=status.HTTP_201_CREATED,
    response_model=RelationshipPublic,
    **MEMBERS_READ_MORE,
)
def form_circle(
    program_id: int, body: CircleCreate, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    program = relationships.get_program(session=session, program_id=program_id, principal=user)
    circle = relationships.create_circle(
        session=session,
        program=program,
        name=body.name,
        mentor=body.mentor,
        mentees=body.mentees,
        principal=user,
    )
    view = access.view(session=session, relationship_id=circle.id, principal=user)
    return relationships.detail(session=session, view=view)


@router.get("/programs/{program_id}/relationships/health", response_model=ProgramHealthPublic)
def program_health(program_id: int, session: SessionDep, user: CurrentUser) -> ProgramHealthPublic:
    """Stalled pairs, upcoming sessions, goal progress and session counts (coordinators)."""
    program = relationships.get_program(session=session, program_id=program_id, principal=user)
    return health.overview(
        session=session, program=program, principal=user, now=datetime.now().astimezone()
    )


# --- one relationship ------------------------------------------------------------------


def _view(session: SessionDep, relationship_id: int, user: CurrentUser) -> access.View:
    return access.view(session=session, relationship_id=relationship_id, principal=user)


@router.get(
    "/relationships/{relationship_id}", response_model=RelationshipPublic, **MEMBERS_READ_MORE
)
async def get_relationship(relationship_id: int, services: ServicesDep, token: Token) -> Response:
    # Not a plain `def`: the transaction, the token, the read and the transaction's end are
    # one trip to a worker thread (`run_as_user`); nothing here runs on the event loop but
    # that call.
    def read(session: Session, user: User) -> Response:
        view = access.view(
            session=session, relationship_id=relationship_id, principal=user, few_columns=True
        )
        return ReadModel(relationships.detail(session=session, view=view), exclude_unset=True)

    return await run_as_user(services, token, read)


@router.patch(
    "/relationships/{relationship_id}/agreement",
    response_model=RelationshipPublic,
    **MEMBERS_READ_MORE,
)
def update_agreement(
    relationship_id: int, body: AgreementUpdate, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    view = _view(session, relationship_id, user)
    relationships.update_agreement(
        view=view,
        cadence_days=body.cadence_days,
        modalities=[m.value for m in body.modalities] if body.modalities is not None else None,
        expectations=body.expectations,
    )
    return relationships.detail(session=session, view=view)


@router.post(
    "/relationships/{relationship_id}/status",
    response_model=RelationshipPublic,
    **MEMBERS_READ_MORE,
)
def change_status(
    relationship_id: int, body: StatusChange, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    view = _view(session, relationship_id, user)
    relationships.set_status(view=view, status=RelationshipStatus(body.status))
    return relationships.detail(session=session, view=view)


@router.post(
    "/relationships/{relationship_id}/end", response_model=RelationshipPublic, **MEMBERS_READ_MORE
)
def end_relationship(
    relationship_id: int, body: EndRequest, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    view = _view(session, relationship_id, user)
    relationships.end(view=view, outcome=RelationshipStatus(body.outcome), reason=body.reason)
    return relationships.detail(session=session, view=view)


@router.put(
    "/relationships/{relationship_id}/reflection",
    response_model=RelationshipPublic,
    **MEMBERS_READ_MORE,
)
def write_reflection(
    relationship_id: int, body: Reflection, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    view = _view(session, relationship_id, user)
    relationships.reflect(view=view, text=body.text)
    return relationships.detail(session=session, view=view)


@router.get("/relationships/{relationship_id}/proposed-times", response_model=ProposedTimesPublic)
def proposed_times(
    relationship_id: int,
    session: SessionDep,
    user: CurrentUser,
    count: Annotated[int, Query(ge=1, le=20)] = 5,
) -> ProposedTimesPublic:
    view = _view(session, relationship_id, user)
    proposal, earliest, cadence = meetings.proposed_times(session=session, view=view, count=count)
    return ProposedTimesPublic(
        earliest=earliest,
        cadence_days=cadence,
        duration_minutes=view.program.session_minutes,
        explanation=proposal.explanation,
        times=[
            ProposedTime(starts_at=t.starts_at, ends_at=t.ends_at, local=t.local)
            for t in proposal.times
        ],
    )


@router.get(
    "/relationships/{relationship_id}/sessions",
    response_model=Page[SessionPublic],
    **MEMBERS_READ_MORE,
)
def list_sessions(
    relationship_id: int, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[SessionPublic]:
    view = _view(session, relationship_id, user)
    items, total = meetings.list_sessions(
        session=session, view=view, limit=page.limit, offset=page.offset, gate=delivery
    )
    return Page[SessionPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/relationships/{relationship_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionPublic,
    **MEMBERS_READ_MORE,
)
def book_session(
    relationship_id: int, body: Booking, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    view = _view(session, relationship_id, user)
    row = meetings.book(
        session=session,
        view=view,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        modality=body.modality,
    )
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


def _session_view(session: SessionDep, session_id: int, user: CurrentUser) -> access.View:
    return access.view_of_session(session=session, session_id=session_id, principal=user)


@router.get("/sessions/{session_id}", response_model=SessionPublic, **MEMBERS_READ_MORE)
def get_session(session_id: int, session: SessionDep, user: CurrentUser) -> SessionPublic:
    view = _session_view(session, session_id, user)
    row = meetings.get_session(session, view, session_id)
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


@router.patch("/sessions/{session_id}", response_model=SessionPublic, **MEMBERS_READ_MORE)
def update_session(
    session_id: int, body: SessionUpdate, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    view = _session_view(session, session_id, user)
    row = meetings.update(
        session=session, view=view, session_id=session_id, **body.model_dump(exclude_unset=True)
    )
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


@router.post("/sessions/{session_id}/accept", response_model=SessionPublic, **MEMBERS_READ_MORE)
def accept_session(session_id: int, session: SessionDep, user: CurrentUser) -> SessionPublic:
    """A member the proposed time waits for accepts it; the session is confirmed."""
    view = _session_view(session, session_id, user)
    row = meetings.accept(session=session, view=view, session_id=session_id)
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


@router.post("/sessions/{session_id}/decline", response_model=SessionPublic, **MEMBERS_READ_MORE)
def decline_session(session_id: int, session: SessionDep, user: CurrentUser) -> SessionPublic:
    """A member the proposed time waits for declines it."""
    view = _session_view(session, session_id, user)
    row = meetings.decline(session=session, view=view, session_id=session_id)
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


@router.post("/sessions/{session_id}/suggest", response_model=SessionPublic, **MEMBERS_READ_MORE)
def suggest_session_time(
    session_id: int, body: SessionSuggestion, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    """A member the proposed time waits for suggests another; it then waits for the others."""
    view = _session_view(session, session_id, user)
    row = meetings.suggest(
        session=session, view=view, session_id=session_id, **body.model_dump(exclude_unset=True)
    )
    return meetings.session_payload(row, view, session=session, with_notes=True, gate=delivery)


@router.put("/sessions/{session_id}/private-note", response_model=PrivateNotePublic)
def put_private_note(
    session_id: int, body: PrivateNoteBody, session: SessionDep, user: CurrentUser
) -> PrivateNotePublic:
    view = _session_view(session, session_id, user)
    note = meetings.write_private_note(
        session=session, view=view, session_id=session_id, text=body.text
    )
    return PrivateNotePublic(session_id=session_id, text=note.text, updated_at=note.updated_at)


@router.get(
    "/sessions/{session_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def session_calendar(session_id: int, session: SessionDep, user: CurrentUser) -> Response:
    view = _session_view(session, session_id, user)
    body = meetings.session_ics(session=session, view=view, session_id=session_id, gate=delivery)
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.ics"'},
    )


@router.get("/relationships/{relationship_id}/action-items", response_model=list[ActionItemPublic])
def list_actions(
    relationship_id: int,
    session: SessionDep,
    user: CurrentUser,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> list[ActionItemPublic]:
    view = _view(session, relationship_id, user)
    return meetings.list_actions(session=session, view=view, open_only=open_only)


@router.post(
    "/relationships/{relationship_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    response_model=ActionItemPublic,
)
def add_action(
    relationship_id: int, body: ActionCreate, session: SessionDep, user: CurrentUser
) -> ActionItemPublic:
    view = _view(session, relationship_id, user)
    item = meetings.add_action(session=session, view=view, **body.model_dump())
    return meetings.action_payload(item, view)


@router.patch(
    "/relationships/{relationship_id}/action-items/{action_id}", response_model=ActionItemPublic
)
def update_action(
    relationship_id: int,
    action_id: int,
    body: ActionUpdate,
    session: SessionDep,
    user: CurrentUser,
) -> ActionItemPublic:
    view = _view(session, relationship_id, user)
    item = meetings.update_action(
        session=session, view=view, action_id=action_id, **body.model_dump(exclude_unset=True)
    )
    return meetings.action_payload(item, view)


# --- calendar feeds --------------------------------------------------------------------


@router.post(
    "/me/calendar-feed", status_code=status.HTTP_201_CREATED, response_model=CalendarFeedPublic
)
def issue_calendar_feed(
    request: Request, session: SessionDep, user: CurrentUser
) -> CalendarFeedPublic:
    """A secret address for Outlook/Google to subscribe to; issuing again revokes the old one."""
    token = meetings.issue_feed(session=session, user=user)
    url = str(request.url_for("calendar_feed", token=f"{token}.ics"))
    return CalendarFeedPublic(url=url, note="Anyone with this address can read your session times.")


@router.get(
    "/calendar/{token}",
    name="calendar_feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar_feed(token: str, session: SessionDep) -> Response:
    """The feed itself; calendar apps cannot send headers, so the address is the secret."""
    body = meetings.feed_ics(session=session, token=token.removesuffix(".ics"), gate=delivery)
    return Response(body, media_type=ICS)
