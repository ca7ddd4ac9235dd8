"""A person's leadership data, for their copy and their erasure (companion.rights calls these).

Theirs: the stories they wrote (with any suggested text and group consent), their
progress on training paths with their private reflections, and their completions.
Erasing a person removes all of it, takes their published stories out of the
knowledge base, and names the placeholder where a shared record names them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.leadership import stories, training
from companion.leadership.models import (
    AccountabilitySetting,
    PathCompletion,
    StepProgress,
    Story,
    TrainingPath,
    TrainingStep,
)


def stories_of(session: Session, user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "title": s.title,
            "text": s.body,
            "form": s.form.value,
            "status": s.status.value,
            "approved_at": s.approved_at,
            "published_at": s.published_at,
            "suggested_text": s.suggested_body,
            "suggestion_note": s.suggestion_note,
            "listed_under": s.consented_group,
            "listing_consented_at": s.group_consented_at,
            "created_at": s.created_at,
        }
        for s in session.scalars(select(Story).where(Story.author_id == user_id).order_by(Story.id))
    ]


def training_of(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(StepProgress, TrainingStep, TrainingPath)
        .join(TrainingStep, TrainingStep.id == StepProgress.step_id)
        .join(TrainingPath, TrainingPath.id == TrainingStep.path_id)
        .where(StepProgress.user_id == user_id)
        .order_by(TrainingPath.id, TrainingStep.position)
    ).all()
    completed = dict(
        session.execute(
            select(PathCompletion.path_id, PathCompletion.completed_at).where(
                PathCompletion.user_id == user_id
            )
        ).all()
    )
    return [
        {
            "path": path.title,
            "step": step.position + 1,
            "guide": step.doc_id,
            "question": step.question,
            "your_reflection": progress.reflection,
            "done_at": progress.done_at,
            "path_completed_at": completed.get(path.id),
        }
        for progress, step, path in rows
    ]


def erase(session: Session, *, user_id: int, labels: set[str], placeholder: str) -> dict[str, int]:
    """Remove the person's stories (and their documents), progress and reflections."""
    deleted = {
        "leader_stories": stories.erase_author(session=session, user_id=user_id),
        "training_progress": training.erase_person(session=session, user_id=user_id),
    }
    for column in (
        Story.published_by,
        Story.suggested_by,
        TrainingPath.created_by,
        AccountabilitySetting.changed_by,
    ):
        session.execute(
            update(column.class_).where(column.in_(labels)).values({column.key: placeholder})
        )
    return deleted
