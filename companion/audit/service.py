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


# What an event's hash covers. The personal fields (who by name, and the event's data)
# enter only through their digest: erasing them keeps the chain verifiable, while any
# change to the digest, or to anything else, still shows as an edit.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "program_id",
    "personal_digest",
    "prev_hash",
)
PERSONAL_FIELDS = ("actor_label", "data")
# What an erased event shows in place of its personal fields.
REDACTED_LABEL = "erased"
REDACTED_DATA: dict[str, Any] = {"erased": "personal data removed on request"}
# The event that erases personal fields names the events it redacted under this key.
ERASURE_ACTION = "account.erased"
# Events that may name redacted events: an erasure, and retention's removal of old content.
REDACTING_ACTIONS = (ERASURE_ACTION, "retention.applied")
REDACTED_SEQS = "redacted_events"


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def personal_digest(*, actor_label: str, data: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical({"actor_label": actor_label, "data": data})).hexdigest()


def _event_hash(fields: dict[str, Any]) -> str:
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["occurred_at"] = fields["occurred_at"].isoformat(timespec="microseconds")
    return hashlib.sha256(_canonical(canonical)).hexdigest()


def _new_fields(*, seq: int, prev_hash: str, actor: Actor, new: NewEvent) -> dict[str, Any]:
    # Round-trip through JSON so the digest covers exactly what is stored.
    data = json.loads(json.dumps(new.data or {}, default=str))
    return {
        "seq": seq,
        "occurred_at": utcnow(),
        "actor_id": actor.id,
        "actor_label": actor.label,
        "action": new.action,
        "subject_type": new.subject_type,
        "subject_id": str(new.subject_id),
        "program_id": new.program_id,
        "data": data,
        "personal_digest": personal_digest(actor_label=actor.label, data=data),
        "prev_hash": prev_hash,
    }


@dataclass(frozen=True)
class NewEvent:
    """One event for `record_many`: what `record` takes, less the session and actor."""

    action: str
    subject_type: str
    subject_id: str | int
    program_id: int | None = None
    data: dict[str, Any] | None = None


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
    fields = _new_fields(
        seq=1 if last is None else last.seq + 1,
        prev_hash=GENESIS_HASH if last is None else last.hash,
        actor=actor,
        new=NewEvent(action, subject_type, subject_id, program_id, data),
    )
    event = AuditEvent(**fields, hash=_event_hash(fields))
    session.add(event)
    session.flush()
    return event


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
        fields = _new_fields(seq=seq, prev_hash=prev_hash, actor=actor, new=new)
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
    """Walk the chain in order; report edited, missing or reordered events.

    An event whose personal fields were erased is checked through the digest it
    kept, and must be named by a later erasure event: erasing fields outside an
    erasure shows as an edit.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    # Redacted events not yet named by an erasure event.
    unexplained: set[int] = set()
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
        if event.redacted_at is None:
            digest = personal_digest(actor_label=event.actor_label, data=event.data)
            if digest != event.personal_digest:
                problems.append(
                    ChainProblem(event.seq, "who or data does not match its digest: edited")
                )
        else:
            unexplained.add(event.seq)
        if event.action in REDACTING_ACTIONS:
            unexplained -= set((event.data or {}).get(REDACTED_SEQS, []))
        expected_prev = event.hash
        expected_seq += 1
    problems.extend(
        ChainProblem(seq, "personal fields removed without an erasure event naming it: edited")
        for seq in sorted(unexplained)
    )
    problems.sort(key=lambda p: p.seq)
    return problems


def redact(*, session: Session, events: Sequence[AuditEvent]) -> list[int]:
    """Erase the personal fields of events, keeping their digests; the seqs redacted.

    The caller records an `account.erased` event naming these seqs (`REDACTED_SEQS`)
    in the same transaction, or `verify` reports them as edited.
    """
    now = utcnow()
    redacted = []
    for event in events:
        if event.redacted_at is not None:
            continue
        event.actor_label = REDACTED_LABEL
        # A redacting event's data is only counts and the seqs it redacted (verify needs them).
        if event.action not in REDACTING_ACTIONS:
            event.data = dict(REDACTED_DATA)
        event.redacted_at = now
        redacted.append(event.seq)
    session.flush()
    return sorted(redacted)


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
                "personal_digest": event.personal_digest,
                "redacted": event.redacted_at is not None,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
