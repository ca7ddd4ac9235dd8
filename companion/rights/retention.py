"""How long a program keeps what: per-program settings, and the job that applies them.

Nothing is removed by default. An administrator sets, per program, days after which
closed relationships (with everything in them), decided drafts and thread messages
go, and after which audit events lose who and data (the events themselves and the
chain stay). Settings that remove the log of AI use or the audit trail's content
cannot go below six months (`LOG_MINIMUM_DAYS`, EU AI Act Art. 26(6)).

`run` removes what is due, program by program, and records what it did in the audit
trail; with `dry_run` it only counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.db.base import utcnow
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput, NotFound
from companion.programs.models import Program
from companion.relationships.models import Message, Relationship, RelationshipStatus
from companion.rights import policy
from companion.rights.models import DataRightsSettings
from companion.rights.schemas import (
    LOG_MINIMUM_DAYS,
    LOGS,
    PLACES,
    RetentionItem,
    RetentionReport,
    RetentionSettings,
)

RETENTION_ACTION = "retention.applied"
DECIDED = (DraftStatus.delivered, DraftStatus.rejected, DraftStatus.withdrawn, DraftStatus.failed)
CLOSED = (RelationshipStatus.completed, RelationshipStatus.ended_early)


def check(settings: RetentionSettings) -> None:
    """Refuse a period shorter than the logs' minimum, naming the field."""
    for name in LOGS:
        days = getattr(settings, name)
        if days is not None and days < LOG_MINIMUM_DAYS:
            raise InvalidInput(
                f"{name} is {days} days: the log of AI use and the audit trail are kept at "
                f"least {LOG_MINIMUM_DAYS} days (six months, EU AI Act Art. 26(6)), so "
                f"{PLACES[name]} cannot be removed sooner.",
                field=name,
            )


def _program(session: Session, program_id: int) -> Program:
    program = session.get(Program, program_id)
    if program is None:
        raise NotFound("No such program.")
    return program


def settings_of(*, session: Session, principal: Principal, program_id: int) -> DataRightsSettings:
    policy.require_may_set_retention(principal=principal)
    _program(session, program_id)
    found = session.get(DataRightsSettings, program_id)
    return found or DataRightsSettings(
        program_id=program_id, retention={}, allow_self_erasure=False
    )


def configure(
    *,
    session: Session,
    principal: Principal,
    program_id: int,
    retention: RetentionSettings,
    allow_self_erasure: bool | None = None,
) -> DataRightsSettings:
    """Set a program's retention periods (all of them: None keeps), and optionally whether
    its participants may erase their own account."""
    policy.require_may_set_retention(principal=principal)
    _program(session, program_id)
    check(retention)
    row = session.get(DataRightsSettings, program_id)
    if row is None:
        row = DataRightsSettings(program_id=program_id, allow_self_erasure=False)
        session.add(row)
    before = dict(row.retention or {})
    row.retention = retention.model_dump()
    if allow_self_erasure is not None:
        row.allow_self_erasure = allow_self_erasure
    row.updated_by = actor_of(principal).label
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="retention.configured",
        subject_type="program",
        subject_id=program_id,
        program_id=program_id,
        data={
            "from": before,
            "to": row.retention,
            "allow_self_erasure": row.allow_self_erasure,
        },
    )
    return row


@dataclass(frozen=True)
class _Rule:
    setting: str
    what: str
    # The rows of a program older than a cutoff.
    due: Callable[[int, datetime], ColumnElement[bool]]
    model: type


RULES = (
    _Rule(
        "closed_relationships_days",
        "closed relationships",
        lambda program_id, cutoff: (
            (Relationship.program_id == program_id)
            & Relationship.status.in_(CLOSED)
            & Relationship.ended_at.is_not(None)
            & (Relationship.ended_at < cutoff)
        ),
        Relationship,
    ),
    _Rule(
        "drafts_days",
        "decided drafts",
        lambda program_id, cutoff: (
            (Draft.program_id == program_id)
            & Draft.status.in_(DECIDED)
            & (Draft.updated_at < cutoff)
        ),
        Draft,
    ),
    _Rule(
        "messages_days",
        "thread messages",
        lambda program_id, cutoff: (
            Message.relationship_id.in_(
                select(Relationship.id).where(Relationship.program_id == program_id)
            )
            & (Message.created_at < cutoff)
        ),
        Message,
    ),
)


def _audit_due(program_id: int, cutoff: datetime) -> Select[tuple[AuditEvent]]:
    return select(AuditEvent).where(
        AuditEvent.program_id == program_id,
        AuditEvent.occurred_at < cutoff,
        AuditEvent.redacted_at.is_(None),
        AuditEvent.action.not_in(audit.REDACTING_ACTIONS),
    )


def run(
    *, session: Session, principal: Principal, dry_run: bool, now: datetime | None = None
) -> RetentionReport:
    """Remove what each program's settings say is due; with `dry_run`, only count it."""
    policy.require_may_set_retention(principal=principal)
    now = now or utcnow()
    items: list[RetentionItem] = []
    rows = session.execute(
        select(DataRightsSettings, Program.name)
        .join(Program, Program.id == DataRightsSettings.program_id)
        .order_by(Program.name)
    ).all()
    for row, name in rows:
        retention = RetentionSettings.model_validate(row.retention or {})
        done: dict[str, int] = {}
        for rule in RULES:
            days = getattr(retention, rule.setting)
            if days is None:
                continue
            condition = rule.due(row.program_id, now - timedelta(days=days))
            count = session.scalar(select(func.count()).select_from(rule.model).where(condition))
            if count and not dry_run:
                session.execute(
                    delete(rule.model).where(condition).execution_options(synchronize_session=False)
                )
            items.append(
                RetentionItem(
                    program_id=row.program_id,
                    program=name,
                    what=rule.what,
                    older_than_days=days,
                    count=count or 0,
                )
            )
            done[rule.setting] = count or 0
        redacted: list[int] = []
        if retention.audit_days is not None:
            events = list(
                session.scalars(
                    _audit_due(row.program_id, now - timedelta(days=retention.audit_days))
                )
            )
            if not dry_run:
                redacted = audit.redact(session=session, events=events)
            items.append(
                RetentionItem(
                    program_id=row.program_id,
                    program=name,
                    what="audit events (who and data removed)",
                    older_than_days=retention.audit_days,
                    count=len(events),
                )
            )
            done["audit_days"] = len(events)
        if not dry_run and any(done.values()):
            session.flush()
            audit.record(
                session=session,
                actor=actor_of(principal),
                action=RETENTION_ACTION,
                subject_type="program",
                subject_id=row.program_id,
                program_id=row.program_id,
                data={"removed": done, audit.REDACTED_SEQS: redacted},
            )
    return RetentionReport(dry_run=dry_run, items=items)
