"""Mentor training paths: guides to read in order, each with a reflection question.

A program's coordinators assemble a path from the knowledge base's guides; the
program's mentors read each step at its guide's section, write an optional private
reflection and mark it done. Finishing every step records the completion once.
Coordinators see who has done how much, never what anyone reflected.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.accounts.models import Role, RoleAssignment, User
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import InvalidInput, NotFound
from companion.guidance.models import KbDocument
from companion.leadership import policy
from companion.leadership.models import PathCompletion, StepProgress, TrainingPath, TrainingStep
from companion.leadership.schemas import (
    PathProgressRow,
    StepUpdate,
    TrainingPathCreate,
    TrainingPathPublic,
    TrainingStepPublic,
)
from companion.programs import policy as program_policy
from companion.programs.models import Program
from knowledge.render import HEADING_SEPARATOR


def _record(session: Session, principal: Principal, action: str, path: TrainingPath, **data):
    audit.record(
        session=session,
        actor=actor_of(principal),
        action=action,
        subject_type="training_path",
        subject_id=path.id,
        program_id=path.program_id,
        data=data,
    )


def sections_of(document: KbDocument) -> list[str]:
    """A guide's sections as a step names them (the headings below its title)."""
    found = []
    for chunk in document.chunks:
        parts = [p.strip() for p in chunk.heading.split(HEADING_SEPARATOR) if p.strip()]
        if len(parts) > 1:
            found.append(HEADING_SEPARATOR.join(parts[1:]))
    return list(dict.fromkeys(found))


def create_path(
    *, session: Session, program_id: int, principal: Principal, data: TrainingPathCreate
) -> TrainingPath:
    policy.require_path_builder(principal, program_id)
    program_policy.readable_program(session=session, program_id=program_id, principal=principal)
    documents = {
        d.doc_id: d
        for d in session.scalars(
            select(KbDocument).where(KbDocument.doc_id.in_({s.doc_id for s in data.steps}))
        )
    }
    for i, step in enumerate(data.steps):
        document = documents.get(step.doc_id)
        if document is None or document.retired_at is not None:
            raise InvalidInput(
                f"Step {i + 1}: no guide in the knowledge base has the id {step.doc_id!r}.",
                field=f"steps.{i}.doc_id",
            )
        sections = sections_of(document)
        if step.section and step.section not in sections:
            raise InvalidInput(
                f"Step {i + 1}: {document.title!r} has no section {step.section!r}; "
                f"its sections are: {'; '.join(sections[:12])}.",
                field=f"steps.{i}.section",
            )
    path = TrainingPath(
        program_id=program_id,
        title=data.title,
        description=data.description,
        created_by=actor_of(principal).label,
        steps=[
            TrainingStep(position=i, doc_id=s.doc_id, section=s.section, question=s.question)
            for i, s in enumerate(data.steps)
        ],
    )
    session.add(path)
    session.flush()
    _record(session, principal, "training.path_created", path, steps=len(data.steps))
    return path


def get_path(*, session: Session, path_id: int, principal: Principal) -> TrainingPath:
    path = session.get(TrainingPath, path_id)
    if path is None:
        raise policy.path_not_found(path_id)
    policy.require_path_reader(principal, path_id, path.program_id)
    return path


def paths_of(*, session: Session, principal: Principal) -> list[TrainingPath]:
    """The paths a principal reads: their programs' as a mentor, and those they coordinate."""
    query = select(TrainingPath).order_by(TrainingPath.program_id, TrainingPath.id)
    paths = list(session.scalars(query))
    return [p for p in paths if policy.may_read_path(principal, p.program_id)]


def _progress(session: Session, path: TrainingPath, user_id: int) -> dict[int, StepProgress]:
    rows = session.scalars(
        select(StepProgress).where(
            StepProgress.user_id == user_id,
            StepProgress.step_id.in_([s.id for s in path.steps]),
        )
    )
    return {r.step_id: r for r in rows}


def view(*, session: Session, path: TrainingPath, principal: Principal) -> TrainingPathPublic:
    """The path with the reader's own progress and reflections (nobody else's)."""
    policy.require_path_reader(principal, path.id, path.program_id)
    titles = dict(
        session.execute(
            select(KbDocument.doc_id, KbDocument.title).where(
                KbDocument.doc_id.in_([s.doc_id for s in path.steps])
            )
        ).all()
    )
    mine = {} if isinstance(principal, System) else _progress(session, path, principal.id)
    steps = []
    for step in path.steps:
        progress = mine.get(step.id)
        steps.append(
            TrainingStepPublic(
                id=step.id,
                position=step.position,
                doc_id=step.doc_id,
                guide_title=titles.get(step.doc_id, step.doc_id),
                section=step.section,
                question=step.question,
                done=bool(progress and progress.done_at),
                reflection=progress.reflection if progress else None,
            )
        )
    completion = (
        None
        if isinstance(principal, System)
        else session.scalars(
            select(PathCompletion).where(
                PathCompletion.path_id == path.id, PathCompletion.user_id == principal.id
            )
        ).first()
    )
    return TrainingPathPublic(
        id=path.id,
        program_id=path.program_id,
        title=path.title,
        description=path.description,
        steps=steps,
        steps_done=sum(s.done for s in steps),
        completed_at=completion.completed_at if completion else None,
    )


def save_step(
    *, session: Session, step_id: int, principal: Principal, data: StepUpdate
) -> TrainingStep:
    """A mentor's step: their reflection kept, done or not; the last step done completes."""
    step = session.get(TrainingStep, step_id)
    if step is None or not policy.may_read_path(principal, step.path.program_id):
        raise NotFound(f"No training step with id {step_id}.")
    path = step.path
    policy.require_trainee(principal, path.id, path.program_id)
    progress = session.scalars(
        select(StepProgress).where(
            StepProgress.step_id == step.id, StepProgress.user_id == principal.id
        )
    ).first()
    if progress is None:
        progress = StepProgress(step_id=step.id, user_id=principal.id, reflection="")
        session.add(progress)
    was_done = progress.done_at is not None
    progress.reflection = data.reflection.strip()
    progress.done_at = (progress.done_at or utcnow()) if data.done else None
    progress.updated_at = utcnow()
    session.flush()
    if data.done != was_done:
        # The step and what happened to it; never the reflection.
        _record(
            session,
            principal,
            "training.step_done" if data.done else "training.step_reopened",
            path,
            step=step.position + 1,
        )
    _complete_if_done(session, path, principal)
    return step


def _complete_if_done(session: Session, path: TrainingPath, principal: Principal) -> None:
    progress = _progress(session, path, principal.id)
    if not all(progress.get(s.id) and progress[s.id].done_at for s in path.steps):
        return
    exists = session.scalar(
        select(func.count())
        .select_from(PathCompletion)
        .where(PathCompletion.path_id == path.id, PathCompletion.user_id == principal.id)
    )
    if exists:
        return
    session.add(PathCompletion(path_id=path.id, user_id=principal.id))
    session.flush()
    _record(session, principal, "training.path_completed", path)


def progress_table(
    *, session: Session, path_id: int, principal: Principal
) -> list[PathProgressRow]:
    """For the program's coordinators: each mentor's steps done and completion, no reflections."""
    path = get_path(session=session, path_id=path_id, principal=principal)
    policy.require_path_builder(principal, path.program_id)
    mentors = session.execute(
        select(User.id, User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.mentor, RoleAssignment.program_id == path.program_id)
        .order_by(User.display_name)
    ).all()
    done = dict(
        session.execute(
            select(StepProgress.user_id, func.count())
            .where(
                StepProgress.step_id.in_([s.id for s in path.steps]),
                StepProgress.done_at.is_not(None),
            )
            .group_by(StepProgress.user_id)
        ).all()
    )
    completed = dict(
        session.execute(
            select(PathCompletion.user_id, PathCompletion.completed_at).where(
                PathCompletion.path_id == path.id
            )
        ).all()
    )
    return [
        PathProgressRow(name=name, steps_done=done.get(uid, 0), completed_at=completed.get(uid))
        for uid, name in mentors
    ]


def erase_person(*, session: Session, user_id: int) -> int:
    """A person's progress, reflections and completions (for an erasure)."""
    rows = list(session.scalars(select(StepProgress).where(StepProgress.user_id == user_id)))
    rows += list(session.scalars(select(PathCompletion).where(PathCompletion.user_id == user_id)))
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def buildable_programs(*, session: Session, principal: Principal) -> list[Program]:
    """The programs in which `principal` may assemble paths."""
    programs = session.scalars(select(Program).order_by(Program.name))
    return [p for p in programs if policy.may_coordinate(principal, p.id)]


def may_build(principal: Principal, program_id: int) -> bool:
    return policy.may_coordinate(principal, program_id)


def is_trainee(principal: Principal, program_id: int) -> bool:
    return policy.is_mentor_in(principal, program_id)
