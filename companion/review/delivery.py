"""The delivery gate: the one way participant-facing code reads drafted text.

Only drafts in `delivered` are returned, only to their recipients, and only
their final text (a human's edit, never the AI original it replaced).
Pending, rejected, changes-requested and withdrawn drafts do not exist here.
Every participant-facing endpoint, calendar entry and notification reads
drafted text through `delivered_to` / `view_of` / `agenda_for`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.drafting.kinds import KINDS
from companion.drafting.models import Draft, DraftStatus
from companion.relationships.models import (
    MentoringSession,
)
from companion.review import policy
from prompts.schemas import DraftKind


def headline(draft: Draft) -> str:
    return KINDS[DraftKind(draft.kind)].headline


def view_of(draft: Draft) -> dict[str, Any]:
    """A delivered draft as its recipients see it: the final version, nothing else."""
    assert draft.status == DraftStatus.delivered, "only delivered drafts are ever shown"
    return {
        "id": draft.id,
        "kind": draft.kind,
        "status": draft.status.value,
        "headline": headline(draft),
        "content": draft.content,
        "text": draft.text,
        "relationship_id": draft.relationship_id,
        "session_id": draft.session_id,
        "delivered_at": draft.delivered_at,
    }


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
) -> dict | None:
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
    """What delivery changes besides visibility, as the draft's kind declares it (an
    agenda on its session, feedback questions on theirs, a goal adopted)."""
    deliver = KINDS[DraftKind(draft.kind)].deliver
    if deliver is not None:
        deliver(session, draft)
