"""The delivery gate: the one way participant-facing code reads drafted text.

Only drafts in `delivered` are returned, only to their recipients, and only
their final text (a human's edit, never the AI original it replaced).
Pending, rejected, changes-requested and withdrawn drafts do not exist here.
Every participant-facing endpoint, calendar entry and notification reads
drafted text through `delivered_to` / `view_of` / `agendas_for`, as `DeliveredDraftPublic`;
the meetings of relationships are handed this module as their `AgendaGate`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.db import fetch_page
from companion.drafting.blank import BLANK_MODEL
from companion.drafting.kinds import KINDS
from companion.drafting.models import Draft, DraftStatus
from companion.relationships.models import (
    MentoringSession,
)
from companion.review import policy
from companion.review.schemas import DeliveredDraftPublic
from prompts.schemas import DraftKind


def headline(draft: Draft) -> str:
    return KINDS[DraftKind(draft.kind)].headline


def view_of(draft: Draft) -> DeliveredDraftPublic:
    """A delivered draft as its recipients see it: the final version, nothing else."""
    assert draft.status == DraftStatus.delivered, "only delivered drafts are ever shown"
    return final_text_of(draft)


def disclosure(draft: Draft) -> str:
    """What recipients read under a drafted text: how it was made and who approved it."""
    reviewers = [a for a in draft.approvals or [] if not a.get("as_member")]
    names = list(dict.fromkeys(a.get("name") or a["by"] for a in reviewers))
    who = " and ".join(names) if names else "a reviewer"
    at = max((a["at"] for a in reviewers), default=None)
    day = _day(datetime.fromisoformat(at)) if at else None
    on = f" on {day}" if day else ""
    if draft.model == BLANK_MODEL:
        return (
            f"Written by a person from a blank template (AI drafting was switched off), "
            f"approved by {who}{on}."
        )
    verb = "edited and approved" if draft.edited else "reviewed and approved"
    return f"Drafted with AI assistance, {verb} by {who}{on}."


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment.strftime('%B %Y')}"


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
        disclosure=disclosure(draft),
    )


def _delivered(
    principal: Principal,
    kind: DraftKind | None,
    relationship_id: int | None,
    session_id: int | None,
) -> Select[tuple[Draft]]:
    """The delivered drafts whose recipients include `principal`, as one SQL query."""
    query = select(Draft).where(
        Draft.status == DraftStatus.delivered, policy.received_by(principal=principal)
    )
    if kind is not None:
        query = query.where(Draft.kind == kind.value)
    if relationship_id is not None:
        query = query.where(Draft.relationship_id == relationship_id)
    if session_id is not None:
        query = query.where(Draft.session_id == session_id)
    return query


# Explicit about drafts without a delivery time, which SQLite and PostgreSQL would
# otherwise sort at opposite ends.
NEWEST_FIRST = (Draft.delivered_at.desc().nulls_last(), Draft.id.desc())


def delivered_to(
    *,
    session: Session,
    principal: Principal,
    kind: DraftKind | None = None,
    relationship_id: int | None = None,
    session_id: int | None = None,
) -> list[Draft]:
    """The delivered drafts whose recipients include `principal`, newest first."""
    query = _delivered(principal, kind, relationship_id, session_id)
    return list(session.scalars(query.order_by(*NEWEST_FIRST)).all())


def delivered_page(
    *,
    session: Session,
    principal: Principal,
    kind: DraftKind | None = None,
    relationship_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Draft], int]:
    """One page of `delivered_to`, newest first, and how many there are in all."""
    return fetch_page(
        session,
        _delivered(principal, kind, relationship_id, None),
        order_by=NEWEST_FIRST,
        limit=limit,
        offset=offset,
    )


def position_of(*, session: Session, draft: Draft, principal: Principal) -> int | None:
    """Where `draft` stands among the drafts of its kind delivered to `principal`, newest
    first (0 for the newest), or None if the delivery gate does not let them read it."""
    same_kind = _delivered(principal, DraftKind(draft.kind), None, None)
    readable = session.scalar(same_kind.with_only_columns(func.count()).where(Draft.id == draft.id))
    if not readable:
        return None
    if draft.delivered_at is None:
        newer = Draft.delivered_at.is_not(None) | (
            Draft.delivered_at.is_(None) & (Draft.id > draft.id)
        )
    else:
        newer = or_(
            Draft.delivered_at > draft.delivered_at,
            (Draft.delivered_at == draft.delivered_at) & (Draft.id > draft.id),
        )
    return session.scalar(same_kind.with_only_columns(func.count()).where(newer)) or 0


def agendas_for(
    *, session: Session, principal: Principal, session_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Session id -> its approved agenda, for the sessions `principal` may read it of."""
    if not session_ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    query = _delivered(principal, DraftKind.agenda, None, None).where(
        Draft.session_id.in_(session_ids)
    )
    for draft in session.scalars(query.order_by(*NEWEST_FIRST)):
        found.setdefault(draft.session_id, view_of(draft))
    return found


def agenda_for(
    *, session: Session, principal: Principal, mentoring_session: MentoringSession
) -> DeliveredDraftPublic | None:
    """The approved agenda of one session, if `principal` may read it."""
    return agendas_for(
        session=session, principal=principal, session_ids=[mentoring_session.id]
    ).get(mentoring_session.id)


def agenda_texts_for_members(
    session: Session, mentoring_sessions: list[MentoringSession]
) -> dict[int, str]:
    """Session id -> its approved agenda's text, for calendar entries every member receives,
    with the line that says AI helped draft it and who approved it."""
    draft_ids = {s.agenda_draft_id for s in mentoring_sessions if s.agenda_draft_id is not None}
    if not draft_ids:
        return {}
    texts = {
        draft.id: f"{draft.text}\n\n{disclosure(draft)}"
        for draft in session.scalars(
            select(Draft).where(Draft.id.in_(draft_ids), Draft.status == DraftStatus.delivered)
        )
    }
    return {
        s.id: texts[s.agenda_draft_id] for s in mentoring_sessions if s.agenda_draft_id in texts
    }


def agenda_text_for_members(session: Session, mentoring_session: MentoringSession) -> str | None:
    """The approved agenda's text for a calendar entry that every member receives."""
    return agenda_texts_for_members(session, [mentoring_session]).get(mentoring_session.id)


def apply_effects(session: Session, draft: Draft) -> None:
    """What delivery changes besides visibility, as the draft's kind declares it (an
    agenda on its session, feedback questions on theirs, a goal adopted)."""
    deliver = KINDS[DraftKind(draft.kind)].deliver
    if deliver is not None:
        deliver(session, draft)
