"""Record audit events and verify that the chain is intact."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from companion.audit.models import AuditEvent
from companion.db import fetch_page
from companion.db.base import utcnow

GENESIS_HASH = "0" * 64
# Any fixed number, the same in every process: PostgreSQL's advisory lock on the chain.
AUDIT_APPEND_LOCK = 0x6D63_6175


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a user, or the system itself (id None)."""

    id: int | None
    label: str


SYSTEM = Actor(id=None, label="system")


HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "program_id",
    "data",
    "prev_hash",
)


def _event_hash(fields: dict[str, Any]) -> str:
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["occurred_at"] = fields["occurred_at"].isoformat(timespec="microseconds")
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | int,
    program_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction, chained to the latest one."""
    _serialise_appends(session)
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    fields: dict[str, Any] = {
        "seq": 1 if last is None else last.seq + 1,
        "occurred_at": utcnow(),
        "actor_id": actor.id,
        "actor_label": actor.label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "program_id": program_id,
        # Round-trip through JSON so the hash covers exactly what is stored.
        "data": json.loads(json.dumps(data or {}, default=str)),
        "prev_hash": GENESIS_HASH if last is None else last.hash,
    }
    event = AuditEvent(**fields, hash=_event_hash(fields))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class NewEvent:
    """One event for `record_many`: what `record` takes, less the session and actor."""

    action: str
    subject_type: str
    subject_id: str | int
    program_id: int | None = None
    data: dict[str, Any] | None = None


def record_many(*, session: Session, actor: Actor, events: Sequence[NewEvent]) -> None:
    """Append events in order, chained exactly as one `record` call each would chain them.

    One read of the latest event and one flush for all of them: an import of
    thousands of people records an event per account it creates.
    """
    if not events:
        return
    _serialise_appends(session)
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (0, GENESIS_HASH) if last is None else (last.seq, last.hash)
    for new in events:
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "occurred_at": utcnow(),
            "actor_id": actor.id,
            "actor_label": actor.label,
            "action": new.action,
            "subject_type": new.subject_type,
            "subject_id": str(new.subject_id),
            "program_id": new.program_id,
            "data": json.loads(json.dumps(new.data or {}, default=str)),
            "prev_hash": prev_hash,
        }
        prev_hash = _event_hash(fields)
        session.add(AuditEvent(**fields, hash=prev_hash))
    session.flush()


def _serialise_appends(session: Session) -> None:
    """Let one transaction at a time append, until it ends.

    The next event's seq and prev_hash come from the latest one, so two overlapping
    appends would both claim the same seq. SQLite already admits one writer at a
    time; on PostgreSQL a transaction-level advisory lock does the same for the
    audit chain only, and is released at commit or rollback.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_APPEND_LOCK})


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify(*, session: Session) -> list[ChainProblem]:
    """Walk the chain in order; report edited, missing or reordered events."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for event in _iter_events(session):
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(
                    event.seq, f"expected event #{expected_seq} here: removed or reordered"
                )
            )
            expected_seq = event.seq
        if event.prev_hash != expected_prev:
            problems.append(
                ChainProblem(event.seq, "does not follow the event before it: removed or reordered")
            )
        recomputed = _event_hash({name: getattr(event, name) for name in HASHED_FIELDS})
        if recomputed != event.hash:
            problems.append(ChainProblem(event.seq, "content does not match its hash: edited"))
        expected_prev = event.hash
        expected_seq += 1
    return problems


def _iter_events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def list_events(
    *, session: Session, program_id: int | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent)
    if program_id is not None:
        query = query.where(AuditEvent.program_id == program_id)
    return fetch_page(session, query, order_by=AuditEvent.seq.desc(), limit=limit, offset=offset)


def export_lines(*, session: Session, program_id: int | None) -> Iterator[str]:
    """The trail as JSON Lines, in chain order; each line carries its hash and the previous.

    With a program, only that program's events: their `prev_hash` then points
    at events outside the export, so verify a full trail with `verify`, and use
    the export as the evidence file for one program.
    """
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if program_id is not None:
        query = query.where(AuditEvent.program_id == program_id)
    for event in session.scalars(query.execution_options(yield_per=500)):
        yield json.dumps(
            {
                "seq": event.seq,
                "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
                "actor_id": event.actor_id,
                "actor": event.actor_label,
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "program_id": event.program_id,
                "data": event.data,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
