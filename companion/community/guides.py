"""'What our guides say': a cited answer drafted from the knowledge base for a community
question. Like every draft it waits in the review queue; only its approved text, read
through the delivery gate, is published to the question, with who approved it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.community import policy
from companion.community.models import Answer, GuideDraft, PostStatus
from companion.drafting import service as drafting
from companion.drafting.models import Draft
from companion.errors import Conflict, NotFound
from companion.review import delivery
from prompts.schemas import DraftKind

if TYPE_CHECKING:
    from companion.runtime import Services


def request(
    *, services: Services, session: Session, principal: Principal, question_id: int
) -> Draft:
    """A moderator of the question asks for a drafted answer from the guides; it goes to
    their review queue, and nobody else sees it."""
    question = policy.readable_question(
        session=session, question_id=question_id, principal=principal
    )
    policy.require_moderator(principal, question.program_id)
    if question.status == PostStatus.hidden:
        raise Conflict("This question is hidden: draft no answer to it.")
    draft = drafting.request_draft(
        services=services,
        session=session,
        kind=DraftKind.answer,
        principal=principal,
        text=f"{question.title}\n{question.body}".strip(),
    )
    session.add(GuideDraft(question_id=question.id, draft_id=draft.id))
    session.flush()
    return draft


def pending(*, session: Session, principal: Principal, question_id: int) -> list[int]:
    """The drafts this principal asked for on the question and has not published yet."""
    if principal.id is None:
        return []
    return list(
        session.scalars(
            select(GuideDraft.draft_id)
            .join(Draft, Draft.id == GuideDraft.draft_id)
            .where(
                GuideDraft.question_id == question_id,
                Draft.requested_by_id == principal.id,
                GuideDraft.draft_id.not_in(
                    select(Answer.draft_id).where(Answer.draft_id.is_not(None))
                ),
            )
            .order_by(GuideDraft.id)
        )
    )


def publish(*, session: Session, principal: Principal, question_id: int, draft_id: int) -> Answer:
    """Publish an approved draft as the question's "what our guides say" answer."""
    question = policy.readable_question(
        session=session, question_id=question_id, principal=principal
    )
    policy.require_moderator(principal, question.program_id)
    linked = session.scalar(
        select(GuideDraft).where(
            GuideDraft.question_id == question.id, GuideDraft.draft_id == draft_id
        )
    )
    if linked is None:
        raise NotFound(f"No drafted answer with id {draft_id} for this question.")
    approved = next(
        (
            d
            for d in delivery.delivered_to(
                session=session, principal=principal, kind=DraftKind.answer
            )
            if d.id == draft_id
        ),
        None,
    )
    if approved is None:
        raise Conflict(
            "Approve the drafted answer in the review queue first: only approved text "
            "is published to a question."
        )
    if session.scalar(select(Answer.id).where(Answer.draft_id == draft_id)) is not None:
        raise Conflict("This drafted answer is already published.")
    shown = delivery.view_of(approved)
    row = Answer(
        question_id=question.id,
        author_id=principal.id,
        body=shown.text,
        draft_id=draft_id,
        disclosure=shown.disclosure[:300],
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.guide_answer_published",
        subject_type="community_answer",
        subject_id=row.id,
        program_id=question.program_id,
        data={"question_id": question.id, "draft_id": draft_id},
    )
    return row
