"""Create, read, update, list and delete programs, each checked against the acting principal."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db import fetch_page
from companion.errors import Conflict, InvalidInput, NotFound
from companion.programs import ai, policy
from companion.programs.models import Program, ProgramKind
from companion.programs.schemas import AIFeaturePublic, AISwitchesPublic

NAME_MAX = 200


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("Program name must not be empty.", field="name")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(f"Program name must be at most {NAME_MAX} characters.", field="name")
    return cleaned


def get(*, session: Session, program_id: int) -> Program:
    program = session.get(Program, program_id)
    if program is None:
        raise policy.program_not_found(program_id)
    return program


def read(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program, for whoever may read it; everyone else is told it does not exist."""
    return policy.readable_program(session=session, program_id=program_id, principal=principal)


def get_by_name(*, session: Session, name: str) -> Program | None:
    return session.scalars(select(Program).where(Program.name == _clean_name(name))).first()


def require_by_name(*, session: Session, name: str) -> Program:
    program = get_by_name(session=session, name=name)
    if program is None:
        raise NotFound(f"No program named {name!r}. List programs with `companion programs list`.")
    return program


EDITABLE = {
    "name",
    "description",
    "kind",
    "values",
    "cadence_days",
    "session_minutes",
    "duration_weeks",
    "stalled_after_days",
    "overdue_after_days",
    "feedback_reveal_days",
    "feedback_questions",
    "four_eyes",
    "matching",
}


def merged_matching(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial change to matching settings; what it does not name stays."""
    from companion.matching.config import MatchingSettings

    merged = MatchingSettings.model_validate(current).model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    try:
        return MatchingSettings.model_validate(merged).model_dump()
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(["matching", *(str(p) for p in error["loc"])]),
                "message": error["msg"].removeprefix("Value error, "),
            }
            for error in exc.errors()
        ]
        shown = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise InvalidInput(shown, details=details) from None


def create(
    *,
    session: Session,
    name: str,
    kind: ProgramKind = ProgramKind.one_on_one,
    description: str = "",
    principal: Principal,
    **settings: Any,
) -> Program:
    """Create a program (administrators only); `settings` are other EDITABLE fields."""
    accounts_policy.require_admin(principal)
    actor = actor_of(principal)
    cleaned = _clean_name(name)
    if get_by_name(session=session, name=cleaned) is not None:
        raise Conflict(f"A program named {cleaned!r} already exists.")
    unknown = set(settings) - EDITABLE
    if unknown:
        raise InvalidInput(
            f"Unknown program fields: {', '.join(sorted(unknown))}.", field="settings"
        )
    if "matching" in settings:
        settings["matching"] = merged_matching({}, settings["matching"])
    program = Program(
        name=cleaned,
        kind=kind,
        description=description.strip(),
        created_by_id=actor.id,
        **settings,
    )
    session.add(program)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="program.created",
        subject_type="program",
        subject_id=program.id,
        program_id=program.id,
        data={"name": cleaned, "kind": str(kind)},
    )
    return program


def update(
    *, session: Session, program_id: int, changes: dict[str, Any], principal: Principal
) -> Program:
    """Apply the given field changes (only those present) and audit them; coordinators only."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    applied: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "name":
            value = _clean_name(value)
            other = get_by_name(session=session, name=value)
            if other is not None and other.id != program.id:
                raise Conflict(f"A program named {value!r} already exists.")
        if field not in EDITABLE:
            raise InvalidInput(f"Field {field!r} cannot be changed.", field="field")
        if field == "matching":
            value = merged_matching(program.matching or {}, value)
        if getattr(program, field) != value:
            setattr(program, field, value)
            applied[field] = value if isinstance(value, dict | int | bool) else str(value)
    if applied:
        session.flush()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="program.updated",
            subject_type="program",
            subject_id=program.id,
            program_id=program.id,
            data=applied,
        )
    return program


def list_programs(
    *,
    session: Session,
    principal: Principal,
    coordinated_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Program], int]:
    """A page of the programs the principal may read (or coordinates), and the total count."""
    if coordinated_only:
        accounts_policy.require_any_coordinator(principal)
        only_ids = _coordinated_ids(principal)
    else:
        only_ids = policy.readable_program_ids(principal=principal)
    query = select(Program)
    if only_ids is not None:
        query = query.where(Program.id.in_(only_ids))
    return fetch_page(session, query, order_by=Program.name, limit=limit, offset=offset)


def _coordinated_ids(principal: Principal) -> set[int] | None:
    """The programs a principal coordinates; None means all of them."""
    if accounts_policy.is_org_coordinator(principal):
        return None
    return {a.program_id for a in principal.roles if a.role == Role.coordinator and a.program_id}


def delete(*, session: Session, program_id: int, principal: Principal) -> None:
    """Delete a program with its participants, runs and relationships (not its audit trail).

    Administrators only: a program's coordinators run it but do not remove it.
    """
    accounts_policy.require_admin(principal)
    program = get(session=session, program_id=program_id)
    name = program.name
    session.delete(program)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="program.deleted",
        subject_type="program",
        subject_id=program_id,
        program_id=program_id,
        data={"name": name},
    )


def switch_ai(
    *,
    session: Session,
    program_id: int,
    principal: Principal,
    off: list[str] | tuple[str, ...] = (),
    on: list[str] | tuple[str, ...] = (),
) -> Program:
    """Turn AI features of a program off or on (administrators only); audited when it changes.

    A feature named in both lists is refused: the request would mean two things.
    """
    program = policy.switchable_program(session=session, program_id=program_id, principal=principal)
    turn_off = ai.checked(off, field="off")
    turn_on = ai.checked(on, field="on")
    both = sorted(set(turn_off) & set(turn_on))
    if both:
        raise InvalidInput(f"on: {', '.join(both)} is named both off and on.", field="on")
    before = list(program.ai_off or [])
    after = [f for f in ai.FEATURES if (f in before or f in turn_off) and f not in turn_on]
    if after != before:
        program.ai_off = after
        session.flush()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="program.ai_switched",
            subject_type="program",
            subject_id=program.id,
            program_id=program.id,
            data={
                "turned_off": [f for f in after if f not in before],
                "turned_on": [f for f in before if f not in after],
                "off": after,
            },
        )
    return program


def ai_switches_of(program: Program) -> AISwitchesPublic:
    off = list(program.ai_off or [])
    return AISwitchesPublic(
        program_id=program.id,
        off=off,
        features=[
            AIFeaturePublic(
                name=name, label=ai.LABELS[name], on=name not in off, fallback=ai.FALLBACKS[name]
            )
            for name in ai.FEATURES
        ],
    )


def read_ai_switches(
    *, session: Session, program_id: int, principal: Principal
) -> AISwitchesPublic:
    """Which AI features the program uses: anyone who may read the program may know."""
    return ai_switches_of(read(session=session, program_id=program_id, principal=principal))


def list_ai_switches(
    *, session: Session, principal: Principal
) -> list[tuple[str, AISwitchesPublic]]:
    """Every program's name and AI switches, for the administrators who turn them."""
    accounts_policy.require_admin(principal)
    rows = session.scalars(select(Program).order_by(Program.name)).all()
    return [(program.name, ai_switches_of(program)) for program in rows]
