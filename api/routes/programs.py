"""Programs: administrators create and delete them, coordinators edit them, members see theirs."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, PageDep, SessionDep
from companion.pagination import Page, page_of
from companion.programs import service as programs
from companion.programs.schemas import (
    AISwitchesPublic,
    AISwitchesUpdate,
    ProgramCreate,
    ProgramPublic,
    ProgramTemplatePublic,
    ProgramUpdate,
)

router = APIRouter(prefix="/api/v1/programs", tags=["programs"])


@router.get("", response_model=Page[ProgramPublic])
def list_programs(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[ProgramPublic]:
    rows, total = programs.list_programs(
        session=session, principal=user, limit=page.limit, offset=page.offset
    )
    return page_of(ProgramPublic, rows, total, limit=page.limit, offset=page.offset)


@router.get("/templates", response_model=list[ProgramTemplatePublic])
def list_templates(user: CurrentUser) -> list[ProgramTemplatePublic]:
    """Templates for common kinds of program, with every value each fills in."""
    return programs.list_templates(principal=user)


@router.post("", response_model=ProgramPublic, status_code=status.HTTP_201_CREATED)
def create_program(body: ProgramCreate, session: SessionDep, user: CurrentUser) -> ProgramPublic:
    """Create a program (administrators); with `template`, from that template's values."""
    if body.template is not None:
        program = programs.create_from_template(
            session=session,
            name=body.name,
            template=body.template,
            principal=user,
            **body.model_dump(exclude_unset=True, exclude={"name", "template"}),
        )
        return ProgramPublic.model_validate(program)
    program = programs.create(
        session=session,
        name=body.name,
        kind=body.kind,
        description=body.description,
        principal=user,
        values=body.values,
        cadence_days=body.cadence_days,
        session_minutes=body.session_minutes,
        duration_weeks=body.duration_weeks,
        stalled_after_days=body.stalled_after_days,
        overdue_after_days=body.overdue_after_days,
        feedback_reveal_days=body.feedback_reveal_days,
        feedback_questions=body.feedback_questions,
        four_eyes=body.four_eyes,
        matching=body.matching.model_dump(),
    )
    return ProgramPublic.model_validate(program)


@router.get("/{program_id}", response_model=ProgramPublic)
def get_program(program_id: int, session: SessionDep, user: CurrentUser) -> ProgramPublic:
    return ProgramPublic.model_validate(
        programs.read(session=session, program_id=program_id, principal=user)
    )


@router.patch("/{program_id}", response_model=ProgramPublic)
def update_program(
    program_id: int, body: ProgramUpdate, session: SessionDep, user: CurrentUser
) -> ProgramPublic:
    program = programs.update(
        session=session,
        program_id=program_id,
        changes=body.model_dump(exclude_unset=True, exclude_none=True),
        principal=user,
    )
    return ProgramPublic.model_validate(program)


@router.delete("/{program_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_program(program_id: int, session: SessionDep, user: CurrentUser) -> None:
    """Delete a program and everything in it; the audit trail keeps its history."""
    programs.delete(session=session, program_id=program_id, principal=user)


@router.get("/{program_id}/ai", response_model=AISwitchesPublic)
def get_ai_switches(program_id: int, session: SessionDep, user: CurrentUser) -> AISwitchesPublic:
    """Which AI features the program uses, and what each falls back to while off."""
    return programs.read_ai_switches(session=session, program_id=program_id, principal=user)


@router.put("/{program_id}/ai", response_model=AISwitchesPublic)
def switch_ai(
    program_id: int, body: AISwitchesUpdate, session: SessionDep, user: CurrentUser
) -> AISwitchesPublic:
    """Turn AI features off or on (administrators only); every change is audited."""
    program = programs.switch_ai(
        session=session, program_id=program_id, principal=user, off=body.off, on=body.on
    )
    return programs.ai_switches_of(program)
