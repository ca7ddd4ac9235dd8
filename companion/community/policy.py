"""Who may read, post, answer and moderate in the community, and who may reach whom.

- A program's questions are read and answered by whoever may read the program (its
  participants and coordinators, organisation coordinators, administrators);
  organisation-wide questions by every signed-in person. Anyone else gets the same
  NotFound as for a question that does not exist.
- Moderators of a program's questions are its coordinators, the organisation's
  coordinators and administrators; of organisation-wide questions, the organisation's
  coordinators and administrators.
- An anonymous question's author is shown to moderators and to the author only.
- A hidden post is read by its author and by moderators only; to everyone else it does
  not exist.
- The asker alone marks the answer that helped.
- Only administrators change the code of conduct and how wide questions reach.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal, System
from companion.community.models import Block, PostStatus, Question
from companion.errors import NotFound, PermissionDenied
from companion.programs import policy as program_policy


def question_not_found(question_id: int) -> NotFound:
    return NotFound(f"No question with id {question_id}.")


def may_read_scope(principal: Principal, program_id: int | None) -> bool:
    if program_id is None:
        return True  # the whole organisation: every signed-in person and the System
    return program_policy.may_read(program_id=program_id, principal=principal)


def may_moderate(principal: Principal, program_id: int | None) -> bool:
    if isinstance(principal, System) or accounts_policy.is_admin(principal):
        return True
    if program_id is None:
        return accounts_policy.is_org_coordinator(principal)
    return accounts_policy.has_role(principal, Role.coordinator, program_id)


def is_author(principal: Principal, author_id: int | None) -> bool:
    return author_id is not None and principal.id == author_id


def may_see(principal: Principal, *, program_id: int | None, author_id: int | None, status) -> bool:
    """Whether a post (question or answer) exists for this principal."""
    if not may_read_scope(principal, program_id):
        return False
    if status == PostStatus.visible:
        return True
    return is_author(principal, author_id) or may_moderate(principal, program_id)


def readable_question(*, session: Session, question_id: int, principal: Principal) -> Question:
    question = session.get(Question, question_id)
    if question is None or not may_see(
        principal,
        program_id=question.program_id,
        author_id=question.author_id,
        status=question.status,
    ):
        raise question_not_found(question_id)
    return question


def sees_author(principal: Principal, question: Question) -> bool:
    """Whether this reader is shown who asked (always, unless the question is anonymous)."""
    return (
        not question.anonymous
        or is_author(principal, question.author_id)
        or may_moderate(principal, question.program_id)
    )


def require_moderator(principal: Principal, program_id: int | None) -> None:
    if not may_moderate(principal, program_id):
        raise PermissionDenied("Only a coordinator of this program may moderate it.")


def require_asker(principal: Principal, question: Question) -> None:
    if not is_author(principal, question.author_id):
        raise PermissionDenied("Only the person who asked marks the answer that helped.")


def require_admin(principal: Principal) -> None:
    if isinstance(principal, System):
        return
    accounts_policy.require_admin(principal)


def readable_program_filter(principal: Principal):
    """SQL: the questions whose scope the principal may read (hidden ones aside)."""
    programs = program_policy.readable_program_ids(principal=principal)
    if programs is None or isinstance(principal, System):
        return None
    return or_(Question.program_id.is_(None), Question.program_id.in_(programs))


def visible_filter(principal: Principal, model):
    """SQL: visible posts, plus the principal's own hidden ones, plus all for moderators
    of every program (administrators, organisation coordinators)."""
    if isinstance(principal, System) or accounts_policy.is_admin(principal):
        return None
    moderated = {
        a.program_id
        for a in principal.roles
        if a.role == Role.coordinator and a.program_id is not None
    }
    clauses = [model.status == PostStatus.visible, model.author_id == principal.id]
    if accounts_policy.is_org_coordinator(principal):
        return None
    if moderated:
        clauses.append(Question.program_id.in_(moderated))
    return or_(*clauses)


def blocked_between(session: Session, one: int | None, other: int | None) -> bool:
    """Whether either of the two people blocked the other."""
    if one is None or other is None:
        return False
    return (
        session.scalar(
            select(Block.id)
            .where(
                or_(
                    (Block.blocker_id == one) & (Block.blocked_id == other),
                    (Block.blocker_id == other) & (Block.blocked_id == one),
                )
            )
            .limit(1)
        )
        is not None
    )


def blocked_by(session: Session, blocker: int | None, blocked: int | None) -> bool:
    """Whether `blocker` blocked `blocked` (one direction only)."""
    if blocker is None or blocked is None:
        return False
    return (
        session.scalar(
            select(Block.id)
            .where(Block.blocker_id == blocker, Block.blocked_id == blocked)
            .limit(1)
        )
        is not None
    )


def blocked_ids(session: Session, user_id: int | None) -> set[int]:
    """Everyone this person blocked or was blocked by."""
    if user_id is None:
        return set()
    rows = session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
        )
    ).all()
    return {a if b == user_id else b for a, b in rows}
