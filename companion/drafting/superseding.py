"""Older drafts for the same subject: marked superseded when a newer one is made or approved.

A reviewer who approves last week's agenda for a session after a newer one was drafted
would send the pair the wrong text. So when a draft is stored, or approved, every older
draft of the same kind for the same subject that still waits for a decision is marked
`superseded` (naming the newer draft), leaves the queue and can no longer be approved.

The subject of a draft is the session it is for; without one, the goal; without one,
the relationship (for kinds drafted once per pair at a time). A SMART goal drafted from
an aspiration has no such subject: two aspirations are two goals.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.audit import service as audit
from companion.audit.service import Actor
from companion.drafting.models import Draft, DraftStatus
from prompts.schemas import DraftKind

# Still waiting for a person: these are the ones a newer draft makes obsolete.
OPEN = (DraftStatus.pending_review, DraftStatus.changes_requested)
# Kinds a pair has one of at a time even before a session is booked.
PER_RELATIONSHIP = {
    DraftKind.agenda.value,
    DraftKind.brief.value,
    DraftKind.feedback_prompts.value,
    DraftKind.nudge.value,
    DraftKind.success_story.value,
}


def _same_subject(draft: Draft) -> list[Any] | None:
    """SQL conditions for drafts about the same thing as `draft`; None if it has none."""
    same = [
        Draft.kind == draft.kind,
        Draft.subject_participant_id.is_not_distinct_from(draft.subject_participant_id),
    ]
    if draft.session_id is not None:
        return [*same, Draft.session_id == draft.session_id]
    if draft.goal_id is not None:
        return [*same, Draft.goal_id == draft.goal_id]
    if draft.relationship_id is not None and draft.kind in PER_RELATIONSHIP:
        return [
            *same,
            Draft.relationship_id == draft.relationship_id,
            Draft.session_id.is_(None),
            Draft.goal_id.is_(None),
        ]
    return None


def supersede_older(*, session: Session, draft: Draft, actor: Actor) -> list[Draft]:
    """Mark the older open drafts for `draft`'s subject superseded by it, each audited."""
    same = _same_subject(draft)
    if same is None or draft.id is None:
        return []
    older = list(
        session.scalars(
            select(Draft)
            .where(*same, Draft.id < draft.id, Draft.status.in_(OPEN))
            .order_by(Draft.id)
        )
    )
    for old in older:
        before = old.status
        old.status = DraftStatus.superseded
        old.superseded_by_id = draft.id
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="review.supersede",
            subject_type="draft",
            subject_id=old.id,
            program_id=old.program_id,
            data={
                "kind": old.kind,
                "from": before.value,
                "to": DraftStatus.superseded.value,
                "version": old.version,
                "superseded_by": draft.id,
            },
        )
    return older
