"""The notifications job: audit events and the clock become notifications, and due
notifications become emails and team chat posts in the outbox.

One pass (`run`) does, each step in short transactions of its own:

1. `collect`: reads the audit events after a stored cursor (every change is audited in
   the same transaction as the change itself, whether it came through the API, a page
   or the command line) and records one notification per recipient and occurrence.
2. `schedule`: the time-driven notices: a reminder the day before a session, a stalled
   pair for the program's coordinators.
3. `deliver`: each due notification is claimed, checked again (is the account active,
   is the person still a member, did they turn the kind off?) and queued in the outbox
   as an email of its own, or left for the person's daily digest.
4. `send_digests`: once a day per person, after DIGEST_HOUR on their clock, one email
   with everything they chose to hear about in a digest.

Every notification has a `dedupe_key` with a unique constraint: two server processes, or
a server and `companion outbox send`, that run the job at the same moment never record
(and so never send) the same notice twice. Claims are compare-and-set updates, as in
the outbox.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker

from companion.accounts.models import User
from companion.audit.models import AuditEvent
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.notifications import content as wording
from companion.notifications import policy, preferences
from companion.notifications import render as rendering
from companion.notifications.models import (
    Delivery,
    Kind,
    Notification,
    NotificationCursor,
    NotificationStatus,
    TeamChat,
)
from companion.notifications.render import Content
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import health
from companion.relationships.models import (
    Goal,
    GoalVisibility,
    MentoringSession,
    Message,
    Relationship,
    RelationshipStatus,
    SessionStatus,
)
from companion.review import outbox
from companion.settings import Settings

CURSOR = "audit"
BATCH = 500
# Messages of a thread are told in one email per recipient per window.
THREAD_WINDOW = timedelta(minutes=30)
# A reminder goes out once a session is at most this far ahead.
REMINDER_AHEAD = timedelta(hours=24)
# The daily digest goes out once the recipient's clock has passed this hour.
DIGEST_HOUR = 7
DIGEST = "digest"
TEAM_CHAT = "team_chat"
AWAITING_DIGEST = "awaiting the daily digest"
ACTIONS = (
    "matching.proposal_approved",
    "relationships.circle_formed",
    "sessions.booked",
    "sessions.proposed",
    "sessions.confirmed",
    "sessions.declined",
    "sessions.updated",
    "threads.message_posted",
    "goals.created",
    "goals.shared",
    "matching.run_created",
    "relationships.ended",
)


@dataclass(frozen=True)
class JobReport:
    """What one pass of the job did."""

    recorded: int = 0
    queued: int = 0
    skipped: int = 0
    digests: int = 0


def run(
    *, sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> JobReport:
    """One pass of the whole job; safe to run in several processes at once.

    A job, not a service of a request: it opens sessions of its own (pass writing
    sessions, which begin immediately on SQLite) and commits as it goes.
    """
    now = now or utcnow()
    with sessions() as session:
        recorded = collect(session=session, now=now)
        recorded += schedule(session=session, now=now)
        queued, skipped = deliver(session=session, settings=settings, now=now)
        digests = send_digests(session=session, settings=settings, now=now)
    return JobReport(recorded=recorded, queued=queued, skipped=skipped, digests=digests)


# --- recording -------------------------------------------------------------------------


def _row(
    key: str,
    kind: str,
    *,
    user_id: int | None,
    program_id: int | None,
    relationship_id: int | None,
    context: dict[str, Any],
    due_at: datetime,
) -> dict[str, Any]:
    return {
        "dedupe_key": key[:200],
        "kind": kind,
        "user_id": user_id,
        "program_id": program_id,
        "relationship_id": relationship_id,
        "context": context,
        "status": NotificationStatus.pending,
        "due_at": due_at,
        "outcome": "",
        "created_at": utcnow(),
    }


def _record(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the notifications whose keys are new; a key already taken is left alone,
    whoever took it (this process earlier, or another one at the same moment)."""
    # The clock's passes find the same reminders and stalls every half minute: leave out
    # the keys already taken, so that only new ones (or ones racing another process)
    # reach the insert.
    fresh = {row["dedupe_key"]: row for row in rows}
    if fresh:
        taken = session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(list(fresh)))
        )
        for key in taken:
            del fresh[key]
    if not fresh:
        return 0
    rows = list(fresh.values())
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.scalars(
        insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    ).all()
    return len(inserted)


def collect(*, session: Session, now: datetime) -> int:
    """Turn new audit events into notifications, in batches; each batch and the cursor
    move together, or not at all."""
    recorded = 0
    while True:
        cursor = session.scalars(
            select(NotificationCursor).where(NotificationCursor.name == CURSOR).with_for_update()
        ).first()
        if cursor is None:
            cursor = NotificationCursor(name=CURSOR, last_seq=0)
            session.add(cursor)
            session.flush()
        start = cursor.last_seq
        latest = session.scalar(select(func.max(AuditEvent.seq))) or 0
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > start, AuditEvent.seq <= latest, AuditEvent.action.in_(ACTIONS))
            .order_by(AuditEvent.seq)
            .limit(BATCH)
        ).all()
        upto = events[-1].seq if len(events) == BATCH else latest
        rows: list[dict[str, Any]] = []
        for event in events:
            rows.extend(_from_event(session, event, now))
        recorded += _record(session, rows)
        moved = session.execute(
            update(NotificationCursor)
            .where(NotificationCursor.name == CURSOR, NotificationCursor.last_seq == start)
            .values(last_seq=upto, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()  # another process moved it: it recorded these events
            return recorded
        session.commit()
        if upto >= latest:
            return recorded


def _from_event(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    handler = _HANDLERS.get(event.action)
    return handler(session, event, now) if handler else []


def _members(session: Session, relationship_id: int) -> dict[int, tuple[User, str]]:
    relationship = session.get(Relationship, relationship_id)
    if relationship is None:
        return {}
    return policy.member_users(session, relationship)


def _on_match(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    if event.action == "matching.proposal_approved":
        relationship_id = int(event.data.get("relationship_id") or 0)
    else:
        relationship_id = int(event.subject_id)
    return [
        _row(
            f"{Kind.match_approved}:{relationship_id}:{user_id}",
            Kind.match_approved,
            user_id=user_id,
            program_id=event.program_id,
            relationship_id=relationship_id,
            context={"event": event.seq},
            due_at=now,
        )
        for user_id in _members(session, relationship_id)
    ]


def _on_session(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    """A proposal goes to the members it waits for, its answer back to the others; a
    confirmed session, and each later change of it, goes to every member, since each
    of them has the calendar entry to update."""
    row = session.get(MentoringSession, int(event.subject_id))
    if row is None:
        return []
    members = _members(session, row.relationship_id)
    others = [user_id for user_id in members if user_id != event.actor_id]
    status = event.data.get("status") or {}
    starts_at = event.data.get("starts_at") or row.starts_at.isoformat()

    def tell(kind: Kind, change: str, user_ids: list[int]) -> list[dict[str, Any]]:
        context = {
            "session_id": row.id,
            "change": change,
            "starts_at": starts_at,
            "sequence": int(event.data.get("sequence", row.sequence)),
            "by": event.actor_label,
        }
        return [
            _row(
                f"{kind}:{event.seq}:{user_id}",
                kind,
                user_id=user_id,
                program_id=event.program_id,
                relationship_id=row.relationship_id,
                context=context,
                due_at=now,
            )
            for user_id in user_ids
        ]

    rows: list[dict[str, Any]] = []
    if event.action == "sessions.proposed":
        change = "suggested" if "instead_of" in event.data else "proposed"
        rows.extend(tell(Kind.session_proposed, change, others))
    elif event.action == "sessions.declined":
        rows.extend(tell(Kind.session_proposed, "declined", others))
    elif event.action == "sessions.confirmed":
        rows.extend(tell(Kind.session_confirmed, "confirmed", list(members)))
    elif event.action == "sessions.booked":
        # A coordinator's booking; a session recorded after it happened is news to nobody.
        if datetime.fromisoformat(starts_at) > event.occurred_at:
            rows.extend(tell(Kind.session_confirmed, "booked", list(members)))
    elif status.get("from") == SessionStatus.proposed.value:
        rows.extend(tell(Kind.session_proposed, "withdrawn", others))
    elif status.get("to") == SessionStatus.cancelled.value:
        rows.extend(tell(Kind.session_changes, "cancelled", list(members)))
    elif "starts_at" in event.data:
        rows.extend(tell(Kind.session_changes, "moved", list(members)))
    if status.get("to") == SessionStatus.held.value:
        rows.extend(
            _row(
                f"{Kind.feedback_due}:{row.id}:{user_id}",
                Kind.feedback_due,
                user_id=user_id,
                program_id=event.program_id,
                relationship_id=row.relationship_id,
                context={"session_id": row.id},
                due_at=now,
            )
            for user_id in members
        )
    return rows


def _on_end(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    """Ending a relationship cancels its future sessions: each one's calendar entry goes."""
    if not event.data.get("cancelled_sessions"):
        return []
    relationship_id = int(event.subject_id)
    cancelled = session.scalars(
        select(MentoringSession).where(
            MentoringSession.relationship_id == relationship_id,
            MentoringSession.status == SessionStatus.cancelled,
            MentoringSession.starts_at > event.occurred_at,
            # A time still waiting for an answer was never in anyone's calendar.
            or_(MentoringSession.confirmed_at.is_not(None), MentoringSession.proposed_at.is_(None)),
        )
    ).all()
    members = _members(session, relationship_id)
    return [
        _row(
            f"{Kind.session_changes}:{event.seq}:{row.id}:{user_id}",
            Kind.session_changes,
            user_id=user_id,
            program_id=event.program_id,
            relationship_id=relationship_id,
            context={
                "session_id": row.id,
                "change": "cancelled",
                "starts_at": row.starts_at.isoformat(),
                "sequence": row.sequence,
                "by": event.actor_label,
            },
            due_at=now,
        )
        for row in cancelled
        # Every member has the entry in their calendar, whoever ended the relationship.
        for user_id in members
    ]


def _window_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    windows = (moment - epoch) // THREAD_WINDOW
    return epoch + windows * THREAD_WINDOW


def _on_message(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    message = session.get(Message, int(event.subject_id))
    if message is None:
        return []
    start = _window_start(message.created_at)
    end = start + THREAD_WINDOW
    return [
        _row(
            f"{Kind.thread_messages}:{message.relationship_id}:{user_id}:{start:%Y%m%dT%H%M}",
            Kind.thread_messages,
            user_id=user_id,
            program_id=event.program_id,
            relationship_id=message.relationship_id,
            context={"from": start.isoformat(), "to": end.isoformat()},
            due_at=end,
        )
        for user_id in _members(session, message.relationship_id)
        if user_id != event.actor_id
    ]


def _on_goal(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    shared = {GoalVisibility.mentor.value, GoalVisibility.program.value}
    if event.action == "goals.created":
        if event.data.get("visibility") not in shared:
            return []
    elif event.data.get("from") != GoalVisibility.private.value or event.data.get("to") not in (
        shared
    ):
        return []
    goal = session.get(Goal, int(event.subject_id))
    if goal is None:
        return []
    return [
        _row(
            f"{Kind.goal_shared}:{goal.id}:{event.seq}:{user_id}",
            Kind.goal_shared,
            user_id=user_id,
            program_id=event.program_id,
            relationship_id=goal.relationship_id,
            context={"goal_id": goal.id},
            due_at=now,
        )
        for user_id, (_user, role) in _members(session, goal.relationship_id).items()
        if role == "mentor"
    ]


def _on_run(session: Session, event: AuditEvent, now: datetime) -> list[dict[str, Any]]:
    if not event.data.get("proposals") or event.program_id is None:
        return []
    run_id = int(event.subject_id)
    context = {"run_id": run_id, "proposals": int(event.data["proposals"])}
    rows = [
        _row(
            f"{Kind.matching_runs}:{run_id}:{user.id}",
            Kind.matching_runs,
            user_id=user.id,
            program_id=event.program_id,
            relationship_id=None,
            context=context,
            due_at=now,
        )
        for user in policy.program_coordinators(session, event.program_id)
    ]
    rows.append(
        _row(
            f"{TEAM_CHAT}:{Kind.matching_runs}:{run_id}",
            TEAM_CHAT,
            user_id=None,
            program_id=event.program_id,
            relationship_id=None,
            context={**context, "kind": Kind.matching_runs.value},
            due_at=now,
        )
    )
    return rows


_HANDLERS: dict[str, Callable[[Session, AuditEvent, datetime], list[dict[str, Any]]]] = {
    "matching.proposal_approved": _on_match,
    "relationships.circle_formed": _on_match,
    "sessions.booked": _on_session,
    "sessions.proposed": _on_session,
    "sessions.confirmed": _on_session,
    "sessions.declined": _on_session,
    "sessions.updated": _on_session,
    "threads.message_posted": _on_message,
    "goals.created": _on_goal,
    "goals.shared": _on_goal,
    "matching.run_created": _on_run,
    "relationships.ended": _on_end,
}


# --- the clock -------------------------------------------------------------------------


def schedule(*, session: Session, now: datetime) -> int:
    """Record the reminders and stalled-pair notices that are due by now."""
    rows = _reminders(session, now) + _stalled(session, now)
    recorded = _record(session, rows)
    session.commit()
    return recorded


def _reminders(session: Session, now: datetime) -> list[dict[str, Any]]:
    upcoming = session.execute(
        select(MentoringSession, Relationship)
        .join(Relationship, Relationship.id == MentoringSession.relationship_id)
        .where(
            MentoringSession.status == SessionStatus.scheduled,
            MentoringSession.starts_at > now,
            MentoringSession.starts_at <= now + REMINDER_AHEAD,
            Relationship.status == RelationshipStatus.active,
        )
    ).all()
    members = policy.members_of_many(session, sorted({r.id for _row, r in upcoming}))
    rows: list[dict[str, Any]] = []
    for row, relationship in upcoming:
        if row.confirmed_at is not None and row.starts_at - row.confirmed_at < REMINDER_AHEAD:
            # Confirmed or moved less than a day ahead: that email was the reminder.
            continue
        # A moved session is a new occurrence, with a reminder of its own.
        when = row.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
        rows.extend(
            _row(
                f"{Kind.session_reminder}:{row.id}:{when}:{user_id}",
                Kind.session_reminder,
                user_id=user_id,
                program_id=relationship.program_id,
                relationship_id=relationship.id,
                context={"session_id": row.id, "starts_at": row.starts_at.isoformat()},
                due_at=now,
            )
            for user_id in members.get(relationship.id, {})
        )
    return rows


def _stalled(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for program in session.scalars(select(Program).order_by(Program.id)):
        stalled = list(
            session.scalars(
                select(Relationship)
                .where(
                    Relationship.program_id == program.id,
                    health.stalled_clause(program=program, now=now),
                )
                .options(selectinload(Relationship.members))
                .order_by(Relationship.id)
            )
        )
        if not stalled:
            continue
        found = health.assess(session=session, program=program, relationships=stalled, now=now)
        coordinators = policy.program_coordinators(session, program.id)
        for relationship in stalled:
            assessed = found[relationship.id]
            # One notice per stall: a pair that meets and then stalls again is told anew.
            since = (assessed.last_held_at or health.start_of(relationship)).date().isoformat()
            context = {"reasons": assessed.reasons, "since": since}
            rows.extend(
                _row(
                    f"{Kind.stalled_pairs}:{relationship.id}:{since}:{user.id}",
                    Kind.stalled_pairs,
                    user_id=user.id,
                    program_id=program.id,
                    relationship_id=relationship.id,
                    context=context,
                    due_at=now,
                )
                for user in coordinators
            )
            rows.append(
                _row(
                    f"{TEAM_CHAT}:{Kind.stalled_pairs}:{relationship.id}:{since}",
                    TEAM_CHAT,
                    user_id=None,
                    program_id=program.id,
                    relationship_id=relationship.id,
                    context={**context, "kind": Kind.stalled_pairs.value},
                    due_at=now,
                )
            )
    return rows


# --- delivering ------------------------------------------------------------------------


def _claim(session: Session, notification_id: int) -> Notification | None:
    """Take a pending notification; None if another process took or settled it first."""
    claimed = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id, Notification.status == NotificationStatus.pending
        )
        .values(status=NotificationStatus.queued),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get_one(Notification, notification_id, populate_existing=True)


def _settle(
    notification: Notification, status: NotificationStatus, outcome: str, now: datetime
) -> None:
    notification.status = status
    notification.outcome = outcome
    notification.settled_at = now


def deliver(*, session: Session, settings: Settings, now: datetime) -> tuple[int, int]:
    """Queue each due notification in the outbox, or leave it for the digest, or skip it."""
    due = session.scalars(
        select(Notification.id)
        .where(
            Notification.status == NotificationStatus.pending,
            Notification.due_at <= now,
            Notification.kind != DIGEST,
            Notification.outcome != AWAITING_DIGEST,
        )
        .order_by(Notification.id)
    ).all()
    session.commit()
    queued = skipped = 0
    for notification_id in due:
        notification = _claim(session, notification_id)
        if notification is None:
            session.commit()
            continue
        if notification.user_id is None:
            done = _deliver_team_chat(session, notification, settings, now)
        else:
            done = _deliver_personal(session, notification, settings, now)
        session.commit()
        queued += done == NotificationStatus.queued
        skipped += done == NotificationStatus.skipped
    return queued, skipped


def _deliver_team_chat(
    session: Session, notification: Notification, settings: Settings, now: datetime
) -> NotificationStatus | None:
    kind = Kind(notification.context["kind"])
    chat = session.scalars(
        select(TeamChat).where(TeamChat.program_id == notification.program_id)
    ).first()
    if chat is None or not policy.may_reach_team_chat(kind):
        _settle(notification, NotificationStatus.skipped, "no team chat for the program", now)
        return NotificationStatus.skipped
    channel = wording.TeamChannel(program_id=notification.program_id or 0)
    content = wording.build(session, notification, kind, channel, settings)
    if content is None:
        _settle(notification, NotificationStatus.skipped, "nothing to tell any more", now)
        return NotificationStatus.skipped
    message = outbox.enqueue_notice(
        session=session, webhook_url=chat.webhook_url, text=rendering.team_chat(content), now=now
    )
    notification.outbox_id = message.id
    _settle(notification, NotificationStatus.queued, "posted to the team chat", now)
    return NotificationStatus.queued


def _deliver_personal(
    session: Session, notification: Notification, settings: Settings, now: datetime
) -> NotificationStatus | None:
    kind = Kind(notification.kind)
    user = session.get(User, notification.user_id)
    content = _personal_content(session, notification, kind, user, settings)
    if isinstance(content, str):
        _settle(notification, NotificationStatus.skipped, content, now)
        return NotificationStatus.skipped
    choice = preferences.delivery_for(session, user.id, kind)
    if choice == Delivery.off:
        _settle(notification, NotificationStatus.skipped, "turned off by the recipient", now)
        return NotificationStatus.skipped
    if choice == Delivery.digest:
        notification.status = NotificationStatus.pending
        notification.outcome = AWAITING_DIGEST
        return None
    try:
        message = _enqueue(session, user, rendering.email(content), content, settings, now)
    except InvalidInput:
        _settle(notification, NotificationStatus.skipped, "email is not configured", now)
        return NotificationStatus.skipped
    notification.outbox_id = message.id
    _settle(notification, NotificationStatus.queued, "emailed", now)
    return NotificationStatus.queued


def _personal_content(
    session: Session,
    notification: Notification,
    kind: Kind,
    user: User | None,
    settings: Settings,
) -> Content | str:
    """What to tell the person now, or why nothing is told."""
    if user is None or not user.is_active:
        return "the account is deactivated"
    personal = kind not in policy.COORDINATOR_KINDS
    if (
        personal
        and notification.relationship_id is not None
        and not policy.is_current_member(session, notification.relationship_id, user.id)
    ):
        return "no longer a member of the relationship"
    if kind in policy.COORDINATOR_KINDS and not policy.is_current_coordinator(
        session, notification.program_id or 0, user.id
    ):
        return "no longer a coordinator of the program"
    content = wording.build(session, notification, kind, user, settings)
    return content if content is not None else "nothing to tell any more"


def _enqueue(
    session: Session,
    user: User,
    email: rendering.Email,
    content: Content,
    settings: Settings,
    now: datetime,
    *,
    unsubscribe_url: str | None = None,
) -> Any:
    link = unsubscribe_url or (content.unsubscribe[1] if content.unsubscribe else None)
    headers = (
        {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if link
        else None
    )
    return outbox.enqueue_account_email(
        session=session,
        user=user,
        subject=email.subject,
        body=email.text,
        html=email.html,
        headers=headers,
        calendar=content.calendar,
        settings=settings,
        now=now,
    )


# --- the daily digest ------------------------------------------------------------------


def _timezone_of(session: Session, user_id: int) -> zoneinfo.ZoneInfo:
    """The person's clock: the time zone of their newest participant record, else UTC."""
    name = session.scalar(
        select(Participant.timezone)
        .where(Participant.user_id == user_id)
        .order_by(Participant.id.desc())
        .limit(1)
    )
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def send_digests(*, session: Session, settings: Settings, now: datetime) -> int:
    """One digest per person per day (on their clock), once it is past DIGEST_HOUR there."""
    waiting = session.scalars(
        select(Notification.user_id)
        .where(
            Notification.status == NotificationStatus.pending,
            Notification.outcome == AWAITING_DIGEST,
        )
        .distinct()
    ).all()
    session.commit()
    sent = 0
    for user_id in waiting:
        zone = _timezone_of(session, user_id)
        local = now.astimezone(zone)
        if local.time() < time(DIGEST_HOUR):
            continue
        key = f"{DIGEST}:{user_id}:{local.date().isoformat()}"
        if not _record(
            session,
            [
                _row(
                    key,
                    DIGEST,
                    user_id=user_id,
                    program_id=None,
                    relationship_id=None,
                    context={"date": local.date().isoformat(), "timezone": str(zone)},
                    due_at=now,
                )
            ],
        ):
            session.commit()
            continue  # today's digest was sent, here or by another process
        digest = session.scalars(select(Notification).where(Notification.dedupe_key == key)).one()
        sent += _send_digest(session, digest, user_id, settings, now)
        session.commit()
    return sent


def _send_digest(
    session: Session, digest: Notification, user_id: int, settings: Settings, now: datetime
) -> int:
    user = session.get(User, user_id)
    items: list[Content] = []
    for notification in session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.status == NotificationStatus.pending,
            Notification.outcome == AWAITING_DIGEST,
        )
        .order_by(Notification.id)
        .with_for_update()
    ):
        kind = Kind(notification.kind)
        content = _personal_content(session, notification, kind, user, settings)
        if isinstance(content, str):
            _settle(notification, NotificationStatus.skipped, content, now)
            continue
        if preferences.delivery_for(session, user_id, kind) == Delivery.off:
            _settle(notification, NotificationStatus.skipped, "turned off by the recipient", now)
            continue
        notification.digest_id = digest.id
        _settle(notification, NotificationStatus.queued, "in the daily digest", now)
        items.append(content)
    if not items or user is None:
        _settle(digest, NotificationStatus.skipped, "nothing left to tell", now)
        return 0
    count = len(items)
    email = rendering.digest(
        subject=f"Your mentoring digest: {count} update{'s' if count != 1 else ''}",
        greeting_name=wording.first_name(user),
        items=items,
        settings_url=wording.url(settings, "/account/notifications"),
    )
    token = preferences.unsubscribe_token(
        secret=settings.signing_key(),
        user_id=user.id,
        kind=preferences.DIGEST,
    )
    try:
        message = _enqueue(
            session,
            user,
            email,
            Content(subject=email.subject, greeting_name="", sections=()),
            settings,
            now,
            unsubscribe_url=wording.url(settings, f"/notifications/unsubscribe/{token}"),
        )
    except InvalidInput:
        _settle(digest, NotificationStatus.skipped, "email is not configured", now)
        return 0
    digest.outbox_id = message.id
    _settle(digest, NotificationStatus.queued, f"{count} items", now)
    return 1
