"""The delivery gate: the one way participant-facing code reads drafted text.

Only drafts in `delivered` are returned, only to their recipients, and only
their final text (a human's edit, never the AI original it replaced).
Pending, rejected, changes-requested and withdrawn drafts do not exist here.
Every participant-facing endpoint, calendar entry and notification reads
drafted text through `delivered_to` / `view_of` / `agenda_for`, as `DeliveredDraftPublic`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.drafting.models import Draft, DraftStatus
from companion.relationships.models import (
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MemberRole,
    MentoringSession,
    Milestone,
)
from companion.review import policy
from companion.review.schemas import DeliveredDraftPublic
from prompts.schemas import DraftKind

HEADLINES = {
    DraftKind.agenda: "An agenda for your next mentoring session",
    DraftKind.brief: "Your brief for the next session",
    DraftKind.smart_goal: "Your SMART goal",
    DraftKind.smart_check: "A SMART check of your goal",
    DraftKind.feedback_prompts: "Questions to reflect on after your session",
    DraftKind.answer: "An answer from the knowledge base",
    DraftKind.nudge: "A note from your program coordinator",
    DraftKind.success_story: "A success story from your mentoring program",
}


def headline(draft: Draft) -> str:
    return HEADLINES[DraftKind(draft.kind)]


def view_of(draft: Draft) -> DeliveredDraftPublic:
    """A delivered draft as its recipients see it: the final version, nothing else."""
    assert draft.status == DraftStatus.delivered, "only delivered drafts are ever shown"
    return final_text_of(draft)


def final_text_of(draft: Draft) -> DeliveredDraftPublic:
    """The draft's current text and nothing of how it was made (no provenance, no original).

    Recipients read it once delivered (`view_of`); members named in a success story
    read it this way to approve it being shared.
    """
    return DeliveredDraftPublic(
        id=draft.id,
        kind=DraftKind(draft.kind),
        status=draft.status,
        version=draft.version,
        headline=headline(draft),
        content=draft.content,
        text=draft.text,
        relationship_id=draft.relationship_id,
        session_id=draft.session_id,
        delivered_at=draft.delivered_at,
    )


def delivered_to(
    *,
    session: Session,
    principal: Principal,
    kind: DraftKind | None = None,
    relationship_id: int | None = None,
    session_id: int | None = None,
) -> list[Draft]:
    """The delivered drafts whose recipients include `principal`, newest first."""
    query = select(Draft).where(Draft.status == DraftStatus.delivered)
    narrowed = policy.candidates(session=session, principal=principal)
    if narrowed is not None:
        query = query.where(narrowed)
    if kind is not None:
        query = query.where(Draft.kind == kind.value)
    if relationship_id is not None:
        query = query.where(Draft.relationship_id == relationship_id)
    if session_id is not None:
        query = query.where(Draft.session_id == session_id)
    rows = session.scalars(query.order_by(Draft.delivered_at.desc(), Draft.id.desc())).all()
    return [d for d in rows if policy.is_recipient(session=session, draft=d, principal=principal)]


def agenda_for(
    *, session: Session, principal: Principal, mentoring_session: MentoringSession
) -> DeliveredDraftPublic | None:
    """The approved agenda of one session, if `principal` may read it."""
    found = delivered_to(
        session=session,
        principal=principal,
        kind=DraftKind.agenda,
        session_id=mentoring_session.id,
    )
    return view_of(found[0]) if found else None


def agenda_text_for_members(session: Session, mentoring_session: MentoringSession) -> str | None:
    """The approved agenda's text for a calendar entry that every member receives."""
    if mentoring_session.agenda_draft_id is None:
        return None
    draft = session.get(Draft, mentoring_session.agenda_draft_id)
    if draft is None or draft.status != DraftStatus.delivered:
        return None
    return draft.text


def apply_effects(session: Session, draft: Draft) -> None:
    """What delivery changes besides visibility: an agenda on its session, feedback
    questions on theirs, a goal adopted."""
    kind = DraftKind(draft.kind)
    if kind == DraftKind.agenda and draft.session_id is not None:
        target = session.get(MentoringSession, draft.session_id)
        if target is not None:
            target.agenda_draft_id = draft.id
    if kind == DraftKind.feedback_prompts and draft.session_id is not None:
        target = session.get(MentoringSession, draft.session_id)
        answered = session.scalars(
            select(Feedback.id).where(Feedback.session_id == draft.session_id).limit(1)
        ).first()
        # Once someone has answered, the questions stay those they answered.
        if target is not None and answered is None:
            content = draft.content or {}
            target.feedback_questions = {
                MemberRole.mentor.value: list(content.get("for_mentor") or []),
                MemberRole.mentee.value: list(content.get("for_mentee") or []),
            }
    if kind == DraftKind.smart_goal and draft.relationship_id and draft.subject_participant_id:
        content = draft.content or {}
        goal = Goal(
            relationship_id=draft.relationship_id,
            mentee_id=draft.subject_participant_id,
            title=content["goal"][:300],
            specific=content["specific"],
            measurable=content["measurable"],
            achievable=content["achievable"],
            relevant=content["relevant"],
            time_bound=content["time_bound"],
            target_date=_date(content.get("target_date")),
            status=GoalStatus.active,
            # The mentee approved it to be shared with their mentor.
            visibility=GoalVisibility.mentor,
            milestones=[
                Milestone(text=m["text"], due_date=_date(m.get("due_date")))
                for m in content.get("milestones", [])
            ],
        )
        session.add(goal)
        session.flush()
        draft.goal_id = goal.id


def _date(value: Any):
    from datetime import date

    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))
