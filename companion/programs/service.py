"""Create, read, update, list and delete programs, each checked against the acting principal."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.db import fetch_page
from companion.errors import Conflict, InvalidInput, NotFound
from companion.programs import ai, policy
from companion.programs import settings as program_settings
from companion.programs import templates as program_templates
from companion.programs.models import Program, ProgramKind
from companion.programs.schemas import (
    AIFeaturePublic,
    AISwitchesPublic,
    ProgramCreate,
    ProgramTemplatePublic,
)

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
    return program_settings.merged_matching(current, changes)


def _refuse_unknown(fields: set[str]) -> None:
    unknown = fields - EDITABLE
    if unknown:
        raise InvalidInput(
            f"Unknown program settings: {', '.join(sorted(unknown))}; "
            "`companion programs show NAME` lists every setting.",
            details=[
                {"field": name, "message": "There is no such setting."} for name in sorted(unknown)
            ],
        )


def create(
    *,
    session: Session,
    name: str,
    kind: ProgramKind | str = ProgramKind.one_on_one,
    description: str = "",
    principal: Principal,
    template: str | None = None,
    **settings: Any,
) -> Program:
    """Create a program (administrators only); `settings` are other EDITABLE fields,
    checked as a change of settings is (`programs.settings.checked`). `template` names
    the template the values came from, for the audit trail."""
    accounts_policy.require_admin(principal)
    actor = actor_of(principal)
    _refuse_unknown(set(settings))
    values = program_settings.checked(
        {"name": name, "kind": kind, "description": description, **settings}, matching_now={}
    )
    cleaned = _clean_name(values.pop("name"))
    if get_by_name(session=session, name=cleaned) is not None:
        raise Conflict(
            f"A program named {cleaned!r} already exists.",
            details=[{"field": "name", "message": "Another program already has this name."}],
        )
    values["description"] = values["description"].strip()
    program = Program(name=cleaned, created_by_id=actor.id, **values)
    session.add(program)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="program.created",
        subject_type="program",
        subject_id=program.id,
        program_id=program.id,
        data={"name": cleaned, "kind": str(program.kind)}
        | ({"template": template} if template else {}),
    )
    return program


def create_from_template(
    *,
    session: Session,
    name: str,
    template: str,
    principal: Principal,
    **changes: Any,
) -> Program:
    """Create a program with a template's values, `changes` (any EDITABLE field) made to them."""
    accounts_policy.require_admin(principal)
    chosen = program_templates.get(template)
    values = chosen.values()
    # Laid over the template's unchecked: `create` checks every value at once.
    matching = program_settings.overlaid(
        values.get("matching") or {}, changes.pop("matching", None) or {}
    )
    return create(
        session=session,
        name=name,
        principal=principal,
        template=chosen.key,
        **(values | changes | {"matching": matching}),
    )


def _shown(value: Any) -> Any:
    """A setting's value as the audit trail keeps it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return list(value)
    return value


def update(
    *, session: Session, program_id: int, changes: dict[str, Any], principal: Principal
) -> Program:
    """Apply the given setting changes (see `change_settings`); the program as it now is.
    Its own participants, who may read the program, are refused (403) as before; anyone
    else is told it does not exist."""
    policy.require_manager_of_readable(program_id=program_id, principal=principal)
    return change_settings(
        session=session, program_id=program_id, changes=changes, principal=principal
    )[0]


def change_settings(
    *, session: Session, program_id: int, changes: dict[str, Any], principal: Principal
) -> tuple[Program, dict[str, dict[str, Any]]]:
    """Apply the given setting changes (only those present) and audit each as from -> to;
    the program and what changed (`{"cadence_days": {"from": 14, "to": 7}}`).

    For the program's coordinators and the organisation's administrators; to anyone
    else the program does not exist. Every bad value is refused at once, each named
    by its setting, and nothing is changed.
    """
    program = policy.managed_program(session=session, program_id=program_id, principal=principal)
    _refuse_unknown(set(changes))
    values = program_settings.checked(changes, matching_now=program.matching or {})
    if "name" in values:
        values["name"] = _clean_name(values["name"])
        other = get_by_name(session=session, name=values["name"])
        if other is not None and other.id != program.id:
            raise Conflict(
                f"A program named {values['name']!r} already exists.",
                details=[{"field": "name", "message": "Another program already has this name."}],
            )
    changed: dict[str, dict[str, Any]] = {}
    for field, value in values.items():
        before = getattr(program, field)
        if field == "matching":
            old = program_settings.flat(program_settings.merged_matching(before or {}, {}))
            new = program_settings.flat(value)
            changed |= {
                path: {"from": old.get(path), "to": new[path]}
                for path in new
                if old.get(path) != new[path]
            }
            if before != value:
                program.matching = value
        elif before != value:
            setattr(program, field, value)
            changed[field] = {"from": _shown(before), "to": _shown(value)}
    if changed:
        session.flush()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="program.updated",
            subject_type="program",
            subject_id=program.id,
            program_id=program.id,
            data=changed,
        )
    return program, changed


def list_templates(*, principal: Principal, to_create: bool = False) -> list[ProgramTemplatePublic]:
    """The program templates, for those who create or manage programs (administrators and
    coordinators; with `to_create`, administrators alone, who create programs): every
    setting each fills in, by the paths the settings use."""
    if to_create:
        accounts_policy.require_admin(principal)
    elif not accounts_policy.is_admin(principal):
        accounts_policy.require_any_coordinator(principal)
    return [
        ProgramTemplatePublic(
            key=template.key,
            title=template.title,
            when_to_use=template.when_to_use,
            kind=template.kind,
            description=template.description,
            settings={
                path: _shown(value)
                for path, value in program_settings.current(
                    ProgramCreate(name="template", **template.values()).model_dump()
                ).items()
                if path != "name"
            },
        )
        for template in program_templates.TEMPLATES
    ]


def read_settings(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program with its settings, for those who manage it; NotFound for anyone else."""
    return policy.managed_program(session=session, program_id=program_id, principal=principal)


def settings_history(
    *, session: Session, program_id: int, principal: Principal, limit: int = 10
) -> list[AuditEvent]:
    """The latest changes of the program's settings (and its creation), newest first, from
    the audit trail: for those who manage the program, like the settings themselves."""
    policy.managed_program(session=session, program_id=program_id, principal=principal)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.program_id == program_id,
                AuditEvent.subject_type == "program",
                AuditEvent.action.in_(("program.created", "program.updated")),
            )
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )


def list_managed(
    *, session: Session, principal: Principal, limit: int = 50, offset: int = 0
) -> tuple[list[Program], int]:
    """A page of the programs whose settings the principal may change, and the total count:
    every program for an administrator, the coordinated ones for a coordinator."""
    if accounts_policy.is_admin(principal):
        only_ids = None
    else:
        accounts_policy.require_any_coordinator(principal)
        only_ids = _coordinated_ids(principal)
    query = select(Program)
    if only_ids is not None:
        query = query.where(Program.id.in_(only_ids))
    return fetch_page(session, query, order_by=Program.name, limit=limit, offset=offset)


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
