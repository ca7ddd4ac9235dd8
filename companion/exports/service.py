"""Export a program's participants, pairs, sessions, feedback, fairness and audit trail.

Every export is a table with fixed columns, written as CSV or JSON Lines. What
leaves is what a coordinator already sees: no session notes, no thread, no
feedback text (ratings in aggregate only), no demographic answers (the fairness
export carries the groups the report shows, of at least MIN_GROUP people). Each
export is recorded in the audit trail: who took which table of which program.

The rows are read in the request's transaction, before the first byte is sent,
so an export refused or failing half-way sends nothing; the text is then
written out line by line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.errors import InvalidInput
from companion.exports.policy import exportable_program
from companion.matching.models import MatchRun
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import feedback
from companion.relationships.models import MentoringSession, Relationship, SessionStatus

FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "jsonl": ("application/x-ndjson", "jsonl")}
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    lines: Iterator[str]
    rows: int


def _participants(session: Session, program: Program) -> Table:
    columns = (
        "external_id", "name", "email", "role", "title", "department", "location",
        "timezone", "languages", "skills", "capacity", "expertise", "goals", "added_at",
    )  # fmt: skip
    people = session.scalars(
        select(Participant).where(Participant.program_id == program.id).order_by(Participant.name)
    )
    return Table(
        columns,
        [
            {
                **{c: getattr(p, c) for c in columns if c != "added_at"},
                "added_at": p.created_at,
            }
            for p in people
        ],
    )


def _pair_names(session: Session, program: Program) -> Any:
    mentor, mentee = aliased(Participant), aliased(Participant)
    return (
        select(Relationship, mentor.name, mentor.email, mentee.name, mentee.email)
        .join(mentor, mentor.id == Relationship.mentor_id)
        .outerjoin(mentee, mentee.id == Relationship.mentee_id)
        .where(Relationship.program_id == program.id)
    )


def _pairs(session: Session, program: Program) -> Table:
    columns = (
        "relationship_id", "kind", "status", "mentor", "mentor_email", "mentee",
        "mentee_email", "start_date", "planned_end_date", "sessions_held", "created_at",
    )  # fmt: skip
    held = dict(
        session.execute(
            select(MentoringSession.relationship_id, func.count())
            .join(Relationship, Relationship.id == MentoringSession.relationship_id)
            .where(
                Relationship.program_id == program.id,
                MentoringSession.status == SessionStatus.held,
            )
            .group_by(MentoringSession.relationship_id)
        ).all()
    )
    rows = []
    for pair, mentor, mentor_email, mentee, mentee_email in session.execute(
        _pair_names(session, program).order_by(Relationship.id)
    ):
        rows.append(
            {
                "relationship_id": pair.id,
                "kind": pair.kind,
                "status": pair.status,
                "mentor": mentor,
                "mentor_email": mentor_email,
                "mentee": mentee or pair.name,
                "mentee_email": mentee_email or "",
                "start_date": pair.start_date,
                "planned_end_date": pair.planned_end_date,
                "sessions_held": held.get(pair.id, 0),
                "created_at": pair.created_at,
            }
        )
    return Table(columns, rows)


def _sessions(session: Session, program: Program) -> Table:
    columns = (
        "session_id", "relationship_id", "mentor", "mentee", "starts_at",
        "duration_minutes", "modality", "status",
    )  # fmt: skip
    query = (
        _pair_names(session, program)
        .add_columns(MentoringSession)
        .join(MentoringSession, MentoringSession.relationship_id == Relationship.id)
        .order_by(MentoringSession.starts_at, MentoringSession.id)
    )
    rows = [
        {
            "session_id": meeting.id,
            "relationship_id": pair.id,
            "mentor": mentor,
            "mentee": mentee or pair.name,
            "starts_at": meeting.starts_at,
            "duration_minutes": meeting.duration_minutes,
            "modality": meeting.modality,
            "status": meeting.status,
        }
        for pair, mentor, _, mentee, _, meeting in session.execute(query)
    ]
    return Table(columns, rows)


def _feedback(session: Session, program: Program, principal: Principal) -> Table:
    summary = feedback.aggregate(session=session, program=program, principal=principal)
    rows = [
        {
            "scope": "all",
            "question": "",
            "responses": summary.responses,
            "mean_rating": summary.mean_rating,
        }
    ]
    rows += [
        {
            "scope": "question",
            "question": q.question,
            "responses": q.responses,
            "mean_rating": q.mean_rating,
        }
        for q in summary.by_question
    ]
    rows += [
        {"scope": f"role: {role}", "question": "", "responses": "", "mean_rating": mean}
        for role, mean in summary.by_role.model_dump().items()
    ]
    return Table(("scope", "question", "responses", "mean_rating"), rows)


def _fairness(session: Session, program: Program) -> Table:
    columns = ("run_id", "attribute", "group", "people", "share_matched", "mean_score")
    run = session.scalars(
        select(MatchRun).where(MatchRun.program_id == program.id).order_by(MatchRun.id.desc())
    ).first()
    rows = []
    if run is not None:
        for attribute, groups in (run.fairness.get("by_group") or {}).items():
            rows += [
                {
                    "run_id": run.id,
                    "attribute": attribute,
                    "group": g["group"],
                    "people": g["people"],
                    "share_matched": g["coverage"],
                    "mean_score": g["mean_score"],
                }
                for g in groups
                if g.get("shown")
            ]
    return Table(columns, rows)


def _audit(session: Session, program: Program) -> Table:
    columns = (
        "seq", "occurred_at", "actor", "action", "subject_type", "subject_id", "data",
        "prev_hash", "hash",
    )  # fmt: skip
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.program_id == program.id).order_by(AuditEvent.seq)
    )
    return Table(
        columns,
        [
            {
                "seq": e.seq,
                "occurred_at": e.occurred_at,
                "actor": e.actor_label,
                "action": e.action,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
    )


TABLES: dict[str, Callable[[Session, Program, Principal], Table]] = {
    "participants": lambda s, p, _: _participants(s, p),
    "pairs": lambda s, p, _: _pairs(s, p),
    "sessions": lambda s, p, _: _sessions(s, p),
    "feedback": _feedback,
    "fairness": lambda s, p, _: _fairness(s, p),
    "audit": lambda s, p, _: _audit(s, p),
}
DATASETS = tuple(TABLES)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> str:
    """A value as a CSV cell; text a spreadsheet would run as a formula starts with `'`."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_lines(table: Table) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[str]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(table.columns)  # the mark tells spreadsheets the file is UTF-8
    for row in table.rows:
        yield line([csv_cell(row[c]) for c in table.columns])


def _jsonl_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        plain = {c: _plain(row[c]) for c in table.columns}
        yield json.dumps(plain, ensure_ascii=False, default=str) + "\n"


def export(
    *, session: Session, program_id: int, dataset: str, fmt: str, principal: Principal
) -> Export:
    """One table of a program, ready to stream; recorded in the audit trail."""
    program = exportable_program(session=session, program_id=program_id, principal=principal)
    if dataset not in TABLES:
        raise InvalidInput(f"Choose one of {', '.join(DATASETS)}.", field="dataset")
    if fmt not in FORMATS:
        raise InvalidInput("Choose csv or jsonl.", field="format")
    table = TABLES[dataset](session, program, principal)
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="program.exported",
        subject_type="program",
        subject_id=str(program.id),
        program_id=program.id,
        data={"dataset": dataset, "format": fmt, "rows": len(table.rows)},
    )
    media_type, extension = FORMATS[fmt]
    lines = _csv_lines(table) if fmt == "csv" else _jsonl_lines(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    filename = f"program-{program.id}-{dataset}-{stamp}.{extension}"
    return Export(filename, media_type, lines, len(table.rows))
