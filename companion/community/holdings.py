"""What the community holds about one person: its copy for them, and its erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from companion.community.models import (
    Answer,
    Block,
    ConductAcceptance,
    Helper,
    ModeratorWarning,
    Question,
    Report,
    Suggestion,
)


def copy_of(session: Session, user_id: int) -> dict[str, Any]:
    """Their questions (anonymous ones too: they are theirs), answers, reports, blocks,
    warnings, whether they may be asked, and which code of conduct they accepted."""
    helper = session.scalar(select(Helper).where(Helper.user_id == user_id))
    accepted = session.scalar(select(ConductAcceptance).where(ConductAcceptance.user_id == user_id))
    return {
        "questions": [
            {
                "id": q.id,
                "program_id": q.program_id,
                "title": q.title,
                "body": q.body,
                "topic": q.topic,
                "anonymous": q.anonymous,
                "status": q.status.value,
                "asked_at": q.created_at,
            }
            for q in session.scalars(
                select(Question).where(Question.author_id == user_id).order_by(Question.id)
            )
        ],
        "answers": [
            {
                "question_id": a.question_id,
                "body": a.body,
                "status": a.status.value,
                "at": a.created_at,
            }
            for a in session.scalars(
                select(Answer).where(Answer.author_id == user_id).order_by(Answer.id)
            )
        ],
        "reports_filed": [
            {
                "target": r.target.value,
                "target_id": r.target_id,
                "reason": r.reason,
                "status": r.status.value,
                "at": r.created_at,
            }
            for r in session.scalars(
                select(Report).where(Report.reporter_id == user_id).order_by(Report.id)
            )
        ],
        "warnings_received": [
            {"note": w.note, "at": w.created_at}
            for w in session.scalars(
                select(ModeratorWarning)
                .where(ModeratorWarning.user_id == user_id)
                .order_by(ModeratorWarning.id)
            )
        ],
        "blocked_by_you": [
            b.blocked_id
            for b in session.scalars(
                select(Block).where(Block.blocker_id == user_id).order_by(Block.id)
            )
        ],
        "suggested_to_answer": [
            s.question_id
            for s in session.scalars(
                select(Suggestion).where(Suggestion.user_id == user_id).order_by(Suggestion.id)
            )
        ],
        "may_be_asked": helper is not None,
        "helps_with": helper.helps_with if helper else "",
        "code_of_conduct_accepted": accepted.version if accepted else None,
    }


def erase(session: Session, user_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Remove what is only theirs; keep their posts readable under "a former member"
    (threads others answered in stay whole). Returns (deleted, anonymised) counts."""
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    for name, table, condition in (
        ("community_helpers", Helper, Helper.user_id == user_id),
        ("community_conduct_acceptances", ConductAcceptance, ConductAcceptance.user_id == user_id),
        ("community_warnings", ModeratorWarning, ModeratorWarning.user_id == user_id),
        ("community_suggestions", Suggestion, Suggestion.user_id == user_id),
        (
            "community_blocks",
            Block,
            or_(Block.blocker_id == user_id, Block.blocked_id == user_id),
        ),
    ):
        deleted[name] = session.execute(delete(table).where(condition)).rowcount or 0
    for name, column in (
        ("community_questions", Question.author_id),
        ("community_answers", Answer.author_id),
    ):
        table = column.class_
        anonymised[name] = (
            session.execute(update(table).where(column == user_id).values(author_id=None)).rowcount
            or 0
        )
    for column in (Report.reporter_id, Report.offender_id, Report.resolved_by):
        changed = session.execute(
            update(Report).where(column == user_id).values({column.key: None})
        ).rowcount
        anonymised["community_reports"] = anonymised.get("community_reports", 0) + (changed or 0)
    session.flush()
    return deleted, anonymised
