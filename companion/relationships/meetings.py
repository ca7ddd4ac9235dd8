"""Sessions of a relationship: proposing times, booking, notes, action items, calendars."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from companion.accounts.models import ApiToken, User
from companion.accounts.principal import Principal
from companion.availability import parse_availability
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound
from companion.participants.models import Participant
from companion.relationships import access, health
from companion.relationships.access import View
from companion.relationships.calendar import CalendarEvent, to_ics
from companion.relationships.events import record
from companion.relationships.models import (
    ActionItem,
    CalendarFeed,
    MentoringSession,
    Modality,
    PrivateNote,
    Relationship,
    RelationshipStatus,
    SessionStatus,
)
from companion.relationships.scheduling import (
    Member,
    TimeProposal,
    earliest_start,
    local_time,
    propose_times,
)
from companion.relationships.schemas import ActionItemPublic, SessionPublic
from companion.relationships.service import effective_cadence

NOTES_MAX = 20_000
ACTION_MAX = 1000
MIN_MINUTES, MAX_MINUTES = 10, 240
# A session may be booked a little in the past (recording one that just happened)…
BOOK_PAST_LIMIT = timedelta(days=30)
# …and at most this far ahead.
BOOK_AHEAD_LIMIT = timedelta(days=366)
FEED_TOKEN_PREFIX = "mcal_"
UID_DOMAIN = "mentoring-companion"

# Which attendance a scheduled session may be marked with; a marked one is final
# apart from correcting held <-> no_show.
SESSION_TRANSITIONS = {
    # A proposal is answered with accept, decline or suggest; whoever proposed it may
    # withdraw it (cancelled).
    SessionStatus.proposed: {SessionStatus.cancelled},
    SessionStatus.declined: set(),
    SessionStatus.scheduled: {SessionStatus.held, SessionStatus.cancelled, SessionStatus.no_show},
    SessionStatus.held: {SessionStatus.no_show},
    SessionStatus.no_show: {SessionStatus.held},
    SessionStatus.cancelled: set(),
}


class AgendaGate(Protocol):
    """How meetings read approved agendas: through the delivery gate.

    The gate (`companion.review.delivery`) decides who receives drafted text and
    sits above this package, so the caller hands it in; meetings never imports it.
    Each reads the agendas of many sessions in one query.
    """

    def agendas_for(
        self, *, session: Session, principal: Principal, session_ids: list[int]
    ) -> dict[int, dict[str, Any]]:
        """Session id -> its delivered agenda, for the sessions `principal` receives it of."""
        ...

    def agenda_texts_for_members(
        self, session: Session, mentoring_sessions: list[MentoringSession]
    ) -> dict[int, str]:
        """Session id -> the delivered agenda's text, for calendar entries of every member."""
        ...


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"field": field, "message": message}])


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise _invalid(field, "give a time zone offset, e.g. 2026-03-03T09:00:00+01:00 or ...Z")
    return value


def members_for_scheduling(view: View) -> list[Member]:
    found = []
    names = [view.people[m.participant_id].name for m in view.relationship.members]
    for m in view.relationship.members:
        person = view.people[m.participant_id]
        # Local times are keyed by name: tell namesakes apart by their ids.
        name = (
            person.name
            if names.count(person.name) == 1
            else f"{person.name} ({person.external_id})"
        )
        try:
            slots = tuple(parse_availability(person.availability_text or ""))
        except ValueError:
            slots = ()
        found.append(Member(name=name, timezone=person.timezone or "UTC", slots=slots))
    return found


def last_session_start(session: Session, relationship_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(MentoringSession.starts_at)).where(
            MentoringSession.relationship_id == relationship_id,
            MentoringSession.status.in_([SessionStatus.held, SessionStatus.scheduled]),
        )
    )


def proposed_times(
    *, session: Session, view: View, now: datetime | None = None, count: int = 5
) -> tuple[TimeProposal, datetime, int]:
    """Times all members are free, from the cadence after the last (or next) session."""
    if not view.relationship.status.is_open:
        raise Conflict(f"This relationship has ended ({view.relationship.status.value}).")
    now = now or utcnow()
    cadence = effective_cadence(view.relationship, view.program)
    earliest = earliest_start(
        now=now,
        last_session_at=last_session_start(session, view.relationship.id),
        cadence_days=cadence,
    )
    proposal = propose_times(
        members_for_scheduling(view),
        duration_minutes=view.program.session_minutes,
        earliest=earliest,
        count=count,
    )
    return proposal, earliest, cadence


def _check_time(*, starts_at: datetime, now: datetime, field: str = "starts_at") -> datetime:
    starts_at = _aware(starts_at, field)
    if starts_at < now - BOOK_PAST_LIMIT:
        raise _invalid(field, "more than 30 days ago; record only recent sessions")
    if starts_at > now + BOOK_AHEAD_LIMIT:
        raise _invalid(field, "more than a year ahead")
    return starts_at


def _check_minutes(minutes: int) -> int:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise _invalid("duration_minutes", f"between {MIN_MINUTES} and {MAX_MINUTES} minutes")
    return minutes


def _require_free(
    session: Session,
    relationship_id: int,
    starts_at: datetime,
    minutes: int,
    *,
    besides: int | None = None,
) -> None:
    """No other booked or proposed session of the relationship overlaps this time."""
    ends_at = starts_at + timedelta(minutes=minutes)
    query = select(MentoringSession).where(
        MentoringSession.relationship_id == relationship_id,
        MentoringSession.status.in_([SessionStatus.scheduled, SessionStatus.proposed]),
        MentoringSession.starts_at < ends_at,
        MentoringSession.starts_at > starts_at - timedelta(minutes=MAX_MINUTES),
    )
    if besides is not None:
        query = query.where(MentoringSession.id != besides)
    for other in session.scalars(query):
        if other.starts_at + timedelta(minutes=other.duration_minutes) > starts_at:
            what = "proposed" if other.status == SessionStatus.proposed else "booked"
            raise Conflict(
                f"Session {other.id} is already {what} at {other.starts_at:%Y-%m-%d %H:%M} UTC "
                "and overlaps this time; move or cancel it first."
            )


def book(
    *,
    session: Session,
    view: View,
    starts_at: datetime,
    duration_minutes: int | None = None,
    modality: Modality = Modality.video,
    now: datetime | None = None,
) -> MentoringSession:
    """A member proposes a time, which waits for the other member's answer; a coordinator
    books one outright, and a session that has already started is recorded as it was.

    It may not overlap another booked or proposed session of the relationship.
    """
    view.require_member_or_coordinator()
    relationship = view.relationship
    if relationship.status != RelationshipStatus.active:
        raise Conflict(
            f"Sessions are booked in active relationships; this one is {relationship.status.value}."
        )
    now = now or utcnow()
    starts_at = _check_time(starts_at=starts_at, now=now)
    minutes = _check_minutes(duration_minutes or view.program.session_minutes)
    _require_free(session, relationship.id, starts_at, minutes)
    proposing = view.member is not None and starts_at > now
    row = MentoringSession(
        relationship_id=relationship.id,
        starts_at=starts_at,
        duration_minutes=minutes,
        modality=modality,
        status=SessionStatus.proposed if proposing else SessionStatus.scheduled,
        proposed_by_id=view.member.participant_id if proposing and view.member else None,
        proposed_at=now if proposing else None,
        confirmed_at=None if proposing else now,
        created_by=view.actor.label,
    )
    session.add(row)
    session.flush()
    if proposing:
        record(
            view,
            view.actor,
            "sessions.proposed",
            row,
            starts_at=starts_at.isoformat(),
            sequence=row.sequence,
            proposed_by=row.proposed_by_id,
        )
    else:
        record(
            view,
            view.actor,
            "sessions.booked",
            row,
            starts_at=starts_at.isoformat(),
            sequence=row.sequence,
        )
    return row


# --- answering a proposed time ---------------------------------------------------------


def awaited(view: View, row: MentoringSession) -> list[int]:
    """The participant ids whose answer a proposed time waits for: every other member."""
    if row.status != SessionStatus.proposed:
        return []
    return [
        m.participant_id
        for m in view.relationship.members
        if m.participant_id != row.proposed_by_id
    ]


def _proposal_to_answer(
    session: Session, view: View, session_id: int, now: datetime
) -> MentoringSession:
    """The proposed session the viewer, a member it waits for, may answer now."""
    row = get_session(session, view, session_id)
    member = view.require_member_to_answer()
    if row.status != SessionStatus.proposed:
        raise Conflict(f"This session is not waiting for an answer; it is {row.status.value}.")
    if member.participant_id not in awaited(view, row):
        names = " and ".join(view.people[p].name for p in awaited(view, row))
        raise Conflict(
            f"You proposed this time; it waits for {names or 'the other member'} to answer. "
            "Withdraw it if it no longer suits you."
        )
    if view.relationship.status != RelationshipStatus.active:
        raise Conflict(
            "Sessions are booked in active relationships; this one is "
            f"{view.relationship.status.value}."
        )
    return row


def accept(
    *, session: Session, view: View, session_id: int, now: datetime | None = None
) -> MentoringSession:
    """A member the proposal waits for accepts it: the session is confirmed for everyone."""
    now = now or utcnow()
    row = _proposal_to_answer(session, view, session_id, now)
    if row.starts_at <= now:
        raise Conflict("The proposed time has passed; suggest another time instead.")
    _require_free(session, row.relationship_id, row.starts_at, row.duration_minutes, besides=row.id)
    row.status = SessionStatus.scheduled
    row.confirmed_at = now
    row.sequence += 1
    session.flush()
    record(
        view,
        view.actor,
        "sessions.confirmed",
        row,
        starts_at=row.starts_at.isoformat(),
        sequence=row.sequence,
        proposed_by=row.proposed_by_id,
    )
    return row


def decline(
    *, session: Session, view: View, session_id: int, now: datetime | None = None
) -> MentoringSession:
    """A member the proposal waits for declines it; whoever proposed it may propose again."""
    now = now or utcnow()
    row = _proposal_to_answer(session, view, session_id, now)
    row.status = SessionStatus.declined
    row.sequence += 1
    session.flush()
    record(
        view,
        view.actor,
        "sessions.declined",
        row,
        starts_at=row.starts_at.isoformat(),
        sequence=row.sequence,
        proposed_by=row.proposed_by_id,
    )
    return row


def suggest(
    *,
    session: Session,
    view: View,
    session_id: int,
    starts_at: datetime,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> MentoringSession:
    """A member the proposal waits for suggests another time, which in turn waits for the
    others (the member who proposed first among them)."""
    now = now or utcnow()
    row = _proposal_to_answer(session, view, session_id, now)
    starts_at = _check_time(starts_at=starts_at, now=now)
    if starts_at <= now:
        raise _invalid("starts_at", "suggest a time in the future")
    minutes = _check_minutes(duration_minutes or row.duration_minutes)
    _require_free(session, row.relationship_id, starts_at, minutes, besides=row.id)
    previous = row.starts_at
    member = view.require_member_to_answer()
    row.starts_at = starts_at
    row.duration_minutes = minutes
    row.proposed_by_id = member.participant_id
    row.proposed_at = now
    row.sequence += 1
    session.flush()
    record(
        view,
        view.actor,
        "sessions.proposed",
        row,
        starts_at=starts_at.isoformat(),
        sequence=row.sequence,
        proposed_by=row.proposed_by_id,
        instead_of=previous.isoformat(),
    )
    return row


def get_session(session: Session, view: View, session_id: int) -> MentoringSession:
    row = session.get(MentoringSession, session_id)
    if row is None or row.relationship_id != view.relationship.id:
        raise NotFound(f"No session with id {session_id}.")
    return row


def next_upcoming_id(*, session: Session, view: View, now: datetime | None = None) -> int | None:
    """The session an agenda is drafted for: the next scheduled one that has not started."""
    return session.scalars(
        select(MentoringSession.id)
        .where(
            MentoringSession.relationship_id == view.relationship.id,
            MentoringSession.status == SessionStatus.scheduled,
            MentoringSession.starts_at >= (now or utcnow()),
        )
        .order_by(MentoringSession.starts_at, MentoringSession.id)
        .limit(1)
    ).first()


def may_prepare(*, session: Session, view: View, session_id: int) -> bool:
    """Only the mentor prepares, and only the next upcoming session."""
    return view.is_mentor and next_upcoming_id(session=session, view=view) == session_id


def update(
    *,
    session: Session,
    view: View,
    session_id: int,
    status: SessionStatus | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int | None = None,
    modality: Modality | None = None,
    shared_notes: str | None = None,
    now: datetime | None = None,
) -> MentoringSession:
    """Record attendance, reschedule, or write the shared notes (members only for notes)."""
    view.require_member_or_coordinator()
    row = get_session(session, view, session_id)
    now = now or utcnow()
    moving = starts_at is not None or duration_minutes is not None
    if row.status == SessionStatus.proposed and (moving or status is not None):
        _require_proposer(view, row, moving=moving)
    changed: dict[str, Any] = {}
    if shared_notes is not None:
        view.require_member("Session notes")
        if len(shared_notes) > NOTES_MAX:
            raise _invalid("shared_notes", f"at most {NOTES_MAX} characters")
        row.shared_notes = shared_notes
        changed["shared_notes"] = True
    if starts_at is not None or duration_minutes is not None or modality is not None:
        if row.status != SessionStatus.scheduled:
            raise Conflict(f"Only a scheduled session can be moved; this one is {row.status}.")
        if starts_at is not None:
            starts_at = _aware(starts_at, "starts_at")
            if starts_at < now:
                raise _invalid("starts_at", "move a session to a time in the future")
            row.starts_at = starts_at
            # The new time is agreed now; its notice stands in for a reminder within a day.
            row.confirmed_at = now
            changed["starts_at"] = starts_at.isoformat()
        if duration_minutes is not None:
            if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
                raise _invalid(
                    "duration_minutes", f"between {MIN_MINUTES} and {MAX_MINUTES} minutes"
                )
            row.duration_minutes = duration_minutes
        if modality is not None:
            row.modality = modality
        row.sequence += 1
    if status is not None and status != row.status:
        if status not in SESSION_TRANSITIONS[row.status]:
            raise Conflict(f"A {row.status.value} session cannot be marked {status.value}.")
        if status in (SessionStatus.held, SessionStatus.no_show) and row.starts_at > now:
            raise _invalid(
                "status", f"the session has not started yet; it cannot be {status.value}"
            )
        changed["status"] = {"from": row.status.value, "to": status.value}
        row.status = status
        row.sequence += 1
    session.flush()
    if changed:
        record(view, view.actor, "sessions.updated", row, sequence=row.sequence, **changed)
    return row


def _require_proposer(view: View, row: MentoringSession, *, moving: bool) -> None:
    """A proposed time is the members' own business: only they act on it, the one who
    proposed it withdraws it, and the others answer it rather than move it."""
    member = view.require_member_to_answer()
    if moving:
        raise Conflict(
            "A proposed time is not moved: the member it waits for accepts it or suggests "
            "another time, and whoever proposed it may withdraw it and propose again."
        )
    if member.participant_id != row.proposed_by_id:
        raise Conflict(
            "This time waits for your answer: accept it, decline it or suggest another time."
        )


def session_payload(
    row: MentoringSession, view: View, *, session: Session, with_notes: bool, gate: AgendaGate
) -> SessionPublic:
    """One session as the viewer sees it, with its agenda if they receive it."""
    agendas = gate.agendas_for(session=session, principal=view.principal, session_ids=[row.id])
    return _payload(row, view, session=session, with_notes=with_notes, agenda=agendas.get(row.id))


def _name_of(view: View, participant_id: int | None) -> str | None:
    if participant_id is None:
        return None
    person = view.people.get(participant_id)
    return person.name if person is not None else "A former member"


def _payload(
    row: MentoringSession,
    view: View,
    *,
    session: Session,
    with_notes: bool,
    agenda: dict[str, Any] | None,
) -> SessionPublic:
    starts_at = row.starts_at
    ends_at = starts_at + timedelta(minutes=row.duration_minutes)
    data: dict[str, Any] = {
        "id": row.id,
        "relationship_id": row.relationship_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "duration_minutes": row.duration_minutes,
        "modality": row.modality.value,
        "status": row.status.value,
        "local_times": {
            person.name: local_time(starts_at, ends_at, person.timezone or "UTC")
            for person in (view.people[m.participant_id] for m in view.relationship.members)
        },
        # Through the delivery gate: the approved agenda, for its recipients only.
        "agenda": agenda,
        "proposed_by": _name_of(view, row.proposed_by_id),
        "proposed_at": row.proposed_at,
        "confirmed_at": row.confirmed_at,
        "awaiting": [view.people[p].name for p in awaited(view, row)],
        "awaiting_me": view.member is not None and view.member.participant_id in awaited(view, row),
    }
    if with_notes and view.member is not None:
        data["shared_notes"] = row.shared_notes
        note = session.scalars(
            select(PrivateNote).where(
                PrivateNote.session_id == row.id, PrivateNote.author_user_id == view.principal.id
            )
        ).first()
        data["my_private_note"] = note.text if note else ""
        data["action_items"] = [
            action_payload(a, view)
            for a in session.scalars(
                select(ActionItem).where(ActionItem.session_id == row.id).order_by(ActionItem.id)
            )
        ]
    return SessionPublic.model_validate(data)


def list_sessions(
    *, session: Session, view: View, limit: int, offset: int, gate: AgendaGate
) -> tuple[list[SessionPublic], int]:
    query = select(MentoringSession).where(MentoringSession.relationship_id == view.relationship.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(MentoringSession.starts_at.desc()).limit(limit).offset(offset)
    ).all()
    agendas = gate.agendas_for(
        session=session, principal=view.principal, session_ids=[r.id for r in rows]
    )
    return [
        _payload(r, view, session=session, with_notes=False, agenda=agendas.get(r.id)) for r in rows
    ], total


def write_private_note(*, session: Session, view: View, session_id: int, text: str) -> PrivateNote:
    """A note only its author will ever see (not the other member, not coordinators)."""
    view.require_member("Private notes")
    row = get_session(session, view, session_id)
    if len(text) > NOTES_MAX:
        raise _invalid("text", f"at most {NOTES_MAX} characters")
    note = session.scalars(
        select(PrivateNote).where(
            PrivateNote.session_id == row.id, PrivateNote.author_user_id == view.principal.id
        )
    ).first()
    if note is None:
        note = PrivateNote(session_id=row.id, author_user_id=view.principal.id, text=text)
        session.add(note)
    else:
        note.text = text
    session.flush()
    return note


# --- action items ----------------------------------------------------------------------


def action_payload(item: ActionItem, view: View) -> ActionItemPublic:
    today = utcnow().date()
    return ActionItemPublic(
        **{
            "id": item.id,
            "session_id": item.session_id,
            "owner": view.external_id(item.owner_id),
            "owner_name": view.people[item.owner_id].name,
            "text": item.text,
            "due_date": item.due_date,
            "done": item.done_at is not None,
            "done_at": item.done_at,
            "overdue": health.is_overdue(item, today),
            "created_at": item.created_at,
        }
    )


def add_action(
    *,
    session: Session,
    view: View,
    text: str,
    owner: str,
    due_date: date | None = None,
    session_id: int | None = None,
) -> ActionItem:
    view.require_member("Action items")
    if not view.relationship.status.is_open:
        raise Conflict(f"This relationship has ended ({view.relationship.status.value}).")
    text = text.strip()
    if not text:
        raise _invalid("text", "say what is to be done")
    if len(text) > ACTION_MAX:
        raise _invalid("text", f"at most {ACTION_MAX} characters")
    member = view.by_external_id(owner, field="owner")
    if session_id is not None:
        get_session(session, view, session_id)
    item = ActionItem(
        relationship_id=view.relationship.id,
        session_id=session_id,
        owner_id=member.participant_id,
        text=text,
        due_date=due_date,
        created_by=view.actor.label,
    )
    session.add(item)
    session.flush()
    record(view, view.actor, "actions.added", item, owner=owner)
    return item


def update_action(
    *,
    session: Session,
    view: View,
    action_id: int,
    done: bool | None = None,
    text: str | None = None,
    due_date: date | None = None,
) -> ActionItem:
    view.require_member("Action items")
    item = session.get(ActionItem, action_id)
    if item is None or item.relationship_id != view.relationship.id:
        raise NotFound(f"No action item with id {action_id}.")
    if text is not None:
        text = text.strip()
        if not text or len(text) > ACTION_MAX:
            raise _invalid("text", f"1 to {ACTION_MAX} characters")
        item.text = text
    if due_date is not None:
        item.due_date = due_date
    if done is not None and done != (item.done_at is not None):
        item.done_at = utcnow() if done else None
    session.flush()
    record(view, view.actor, "actions.updated", item, done=item.done_at is not None)
    return item


def list_actions(
    *, session: Session, view: View, open_only: bool = False
) -> list[ActionItemPublic]:
    view.require_member("Action items")
    query = select(ActionItem).where(ActionItem.relationship_id == view.relationship.id)
    if open_only:
        query = query.where(ActionItem.done_at.is_(None))
    return [action_payload(a, view) for a in session.scalars(query.order_by(ActionItem.id))]


# --- calendars -------------------------------------------------------------------------


def _event(
    row: MentoringSession,
    relationship: Relationship,
    people: dict[int, Participant],
    agenda_text: str | None,
) -> CalendarEvent:
    names = [people[m.participant_id].name for m in relationship.members]
    title = relationship.name or " & ".join(names)
    modality = row.modality.value.replace("_", " ")
    # A proposed time holds its place as tentative until it is accepted.
    status = {
        SessionStatus.cancelled: "CANCELLED",
        SessionStatus.declined: "CANCELLED",
        SessionStatus.proposed: "TENTATIVE",
    }.get(row.status, "CONFIRMED")
    return CalendarEvent(
        uid=f"session-{row.id}@{UID_DOMAIN}",
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        summary=f"Mentoring: {title}",
        # Facts, and the agenda only once approved and delivered (the delivery gate).
        description="\n\n".join(
            part
            for part in (
                f"Mentoring session ({modality}) with {', '.join(names)}.",
                agenda_text,
            )
            if part
        ),
        status=status,
        sequence=row.sequence,
        updated_at=row.updated_at,
        attendees=tuple(
            (people[m.participant_id].name, people[m.participant_id].email)
            for m in relationship.members
        ),
    )


def session_ics(*, session: Session, view: View, session_id: int, gate: AgendaGate) -> bytes:
    row = get_session(session, view, session_id)
    # The agenda is the members' (it may quote their notes and goals): a coordinator who
    # may read the session gets its time and members, as the session's JSON shows them.
    agenda_text = gate.agenda_texts_for_members(session, [row]).get(row.id) if view.member else None
    return to_ics(
        [_event(row, view.relationship, view.people, agenda_text)],
        calendar_name="Mentoring session",
    )


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(*, session: Session, user: User) -> str:
    """A new secret feed token for the user (the old address stops working)."""
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(24)
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id)).first()
    if feed is None:
        session.add(CalendarFeed(user_id=user.id, token_hash=_feed_hash(token)))
    else:
        feed.token_hash = _feed_hash(token)
        feed.created_at = utcnow()
    session.flush()
    return token


def _revoked_since(session: Session, user_id: int, issued: datetime) -> bool:
    latest = session.scalar(
        select(func.max(ApiToken.revoked_at)).where(ApiToken.user_id == user_id)
    )
    return latest is not None and latest >= issued


def feed_ics(
    *, session: Session, token: str, gate: AgendaGate, now: datetime | None = None
) -> bytes:
    """Every session of the feed owner's relationships from 60 days ago on."""
    feed = session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == _feed_hash(token))
    ).first()
    user = session.get(User, feed.user_id) if feed is not None else None
    # A deactivated account's feed stops with its sign-ins and tokens: it names the members.
    # So does one issued before any of the account's API tokens was revoked: a token that
    # leaked may have issued it, and its owner revoked it (or reset their password).
    if (
        feed is None
        or user is None
        or not user.is_active
        or _revoked_since(session, user.id, feed.created_at)
    ):
        raise NotFound("No calendar feed at this address; issue a new one from your profile.")
    now = now or utcnow()
    ids = access.relationship_ids_of_user(session, user)
    relationships = {
        r.id: r
        for r in session.scalars(
            select(Relationship)
            .where(Relationship.id.in_(ids))
            .options(selectinload(Relationship.members))
        )
    }
    people = access.members_of(session, list(relationships.values()))
    rows = session.scalars(
        select(MentoringSession)
        .where(
            MentoringSession.relationship_id.in_(ids),
            MentoringSession.starts_at >= now - timedelta(days=60),
        )
        .order_by(MentoringSession.starts_at)
    ).all()
    agenda_texts = gate.agenda_texts_for_members(session, list(rows))
    return to_ics(
        [_event(r, relationships[r.relationship_id], people, agenda_texts.get(r.id)) for r in rows],
        calendar_name=f"Mentoring ({user.display_name or user.email})",
    )
