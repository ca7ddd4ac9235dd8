"""Reading drafts: reviewers see everything with provenance; recipients only what was delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.db import fetch_page
from companion.db.base import utcnow
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.errors import NotFound
from companion.participants.models import Participant
from companion.relationships.models import Relationship, RelationshipMember
from companion.review import delivery, policy, workflow
from companion.review.schemas import DraftPublic, DraftReviewPublic, StoryDraftPublic
from prompts.schemas import DraftKind


def review_payload(session: Session, draft: Draft) -> DraftReviewPublic:
    """A draft as its reviewers see it: content, provenance, the edit and its diff."""
    return DraftReviewPublic.model_validate(
        {
            **drafting.payload(draft),
            "given_sources": draft.sources,
            "edited": draft.edited,
            "edited_by": draft.edited_by,
            "original_text": draft.original_text,
            "original_content": draft.original_content,
            "diff": workflow.diff(draft),
            "approvals": draft.approvals or [],
            "waiting_for": _waiting_for(session, draft),
            "review_note": draft.review_note or None,
            "decided_by": draft.decided_by,
            "decided_at": draft.decided_at,
            "delivered_at": draft.delivered_at,
        }
    )


def _waiting_for(session: Session, draft: Draft) -> list[str]:
    if draft.status == DraftStatus.pending_review:
        if draft.approvals and not policy.approvals_complete(session, draft):
            return ["a coordinator (four eyes)"]
        return ["a reviewer"]
    if draft.status == DraftStatus.approved:
        return policy.story_approvals_missing(session, draft)
    return []


def get_for(*, session: Session, draft_id: int, principal: Principal) -> DraftPublic:
    """Reviewers get the review payload; recipients the delivered text; others 404."""
    draft = session.get(Draft, draft_id)
    if draft is not None:
        if policy.may_review(session=session, draft=draft, principal=principal):
            return review_payload(session, draft)
        if draft.status == DraftStatus.delivered and policy.is_recipient(
            session=session, draft=draft, principal=principal
        ):
            return delivery.view_of(draft)
        if policy.may_approve_story_as_member(
            session=session, draft=draft, principal=principal
        ) and draft.status in (
            DraftStatus.approved,
            DraftStatus.delivered,
        ):
            # Members named in a story read it to approve it; it was approved by a
            # coordinator already.
            return StoryDraftPublic(
                **delivery.final_text_of(draft).model_dump(),
                waiting_for=_waiting_for(session, draft),
            )
    raise NotFound(f"No draft with id {draft_id}.")


def may_review_draft(*, session: Session, draft_id: int, principal: Principal) -> bool:
    """Whether `principal` reviews this draft (and so sees its provenance and history)."""
    draft = session.get(Draft, draft_id)
    return draft is not None and policy.may_review(
        session=session, draft=draft, principal=principal
    )


def decisions_on(*, session: Session, draft_id: int, principal: Principal) -> list[str]:
    """The decisions `principal` may take on a draft now; none on one they may not decide."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return []
    return workflow.decisions(session=session, draft=draft, principal=principal)


def pending_for(
    *,
    session: Session,
    principal: Principal,
    kind: DraftKind | None = None,
    program_id: int | None = None,
    relationship_id: int | None = None,
    older_than_hours: float | None = None,
    search: str | None = None,
    newest_first: bool = False,
    show_superseded: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DraftReviewPublic], int]:
    """The review queue of one person: drafts waiting for their decision, oldest first.

    `search` keeps drafts whose text, or the name of a member of whose pair, holds it;
    only drafts the person decides on are searched, so it reveals nothing else.
    `show_superseded` adds the drafts a newer one replaced (they wait for nobody, but a
    reviewer may want to compare)."""
    query = _queue_query(
        session,
        principal,
        kind=kind,
        program_id=program_id,
        relationship_id=relationship_id,
        older_than_hours=older_than_hours,
        search=search,
        show_superseded=show_superseded,
    )
    page, total = fetch_page(
        session, query, order_by=_queue_order(newest_first), limit=limit, offset=offset
    )
    return [review_payload(session, d) for d in page], total


def next_after(
    *,
    session: Session,
    principal: Principal,
    draft_id: int,
    kind: DraftKind | None = None,
    search: str | None = None,
    newest_first: bool = False,
    show_superseded: bool = False,
) -> tuple[int | None, int]:
    """Where a reviewer goes after deciding on `draft_id`: the draft that follows it in
    their queue (with these filters), and how many rows of the queue come before that one
    (the whole queue's length when nothing follows). Only their own queue is read."""
    decided = session.get(Draft, draft_id)
    query = _queue_query(
        session, principal, kind=kind, search=search, show_superseded=show_superseded
    )
    later = None
    if decided is not None:
        at = (decided.created_at, decided.id)
        if newest_first:
            after = (Draft.created_at < at[0]) | ((Draft.created_at == at[0]) & (Draft.id < at[1]))
        else:
            after = (Draft.created_at > at[0]) | ((Draft.created_at == at[0]) & (Draft.id > at[1]))
        later = session.scalars(
            query.where(after).order_by(*_queue_order(newest_first)).limit(1)
        ).first()
    if later is None:
        return None, session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    if newest_first:
        before = (Draft.created_at > later.created_at) | (
            (Draft.created_at == later.created_at) & (Draft.id > later.id)
        )
    else:
        before = (Draft.created_at < later.created_at) | (
            (Draft.created_at == later.created_at) & (Draft.id < later.id)
        )
    rows = session.scalar(query.where(before).with_only_columns(func.count()).order_by(None))
    return later.id, rows or 0


def _queue_order(newest_first: bool) -> tuple[Any, ...]:
    if newest_first:
        return (Draft.created_at.desc(), Draft.id.desc())
    return (Draft.created_at, Draft.id)


def _queue_query(
    session: Session,
    principal: Principal,
    *,
    kind: DraftKind | None = None,
    program_id: int | None = None,
    relationship_id: int | None = None,
    older_than_hours: float | None = None,
    search: str | None = None,
    show_superseded: bool = False,
) -> Select[Any]:
    """The drafts of one person's queue with these filters, unordered."""
    waiting = _waiting_on(principal)
    if show_superseded:
        waiting = or_(
            waiting,
            (Draft.status == DraftStatus.superseded) & policy.reviewable_by(principal=principal),
        )
    query = select(Draft).where(waiting)
    if kind is not None:
        query = query.where(Draft.kind == kind.value)
    if program_id is not None:
        query = query.where(Draft.program_id == program_id)
    if relationship_id is not None:
        query = query.where(Draft.relationship_id == relationship_id)
    if older_than_hours is not None:
        cutoff: datetime = utcnow() - timedelta(hours=older_than_hours)
        query = query.where(Draft.created_at <= cutoff)
    if search and search.strip():
        words = f"%{_escape_like(search.strip().casefold())}%"
        named = (
            select(RelationshipMember.relationship_id)
            .join(Participant, Participant.id == RelationshipMember.participant_id)
            .where(func.lower(Participant.name).like(words, escape="\\"))
        )
        query = query.where(
            or_(
                func.lower(Draft.text).like(words, escape="\\"),
                Draft.relationship_id.in_(named),
            )
        )
    decided = _approved_already(session, query, principal)
    if decided:
        query = query.where(Draft.id.not_in(decided))
    return query


def _waiting_on(principal: Principal) -> Any:
    """Drafts that wait for this person's decision: the queue, and what it may name."""
    return or_(
        (Draft.status == DraftStatus.pending_review) & policy.reviewable_by(principal=principal),
        (Draft.status == DraftStatus.approved) & policy.story_member(principal=principal),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pair_names(
    *, session: Session, principal: Principal, items: Sequence[DraftReviewPublic]
) -> dict[int, str]:
    """ "Maya Berg and Eli Park" for the pairs of queue items; circles by their name.

    Only pairs with a draft waiting for this person's decision are named."""
    asked = [d.id for d in items if d.relationship_id is not None]
    if not asked:
        return {}
    ids = set(
        session.scalars(
            select(Draft.relationship_id).where(Draft.id.in_(asked), _waiting_on(principal))
        )
    )
    if not ids:
        return {}
    names: dict[int, list[str]] = {i: [] for i in ids}
    rows = session.execute(
        select(RelationshipMember.relationship_id, RelationshipMember.role, Participant.name)
        .join(Participant, Participant.id == RelationshipMember.participant_id)
        .where(RelationshipMember.relationship_id.in_(ids))
        .order_by(RelationshipMember.relationship_id, Participant.name)
    ).all()
    # Mentors first: "Maya Berg and Eli Brooks" reads as mentor and mentee.
    for relationship_id, _, name in sorted(rows, key=lambda r: (r[0], r[1] != "mentor")):
        names[relationship_id].append(name)
    circles = dict(
        session.execute(
            select(Relationship.id, Relationship.name).where(
                Relationship.id.in_(ids), Relationship.name != ""
            )
        ).all()
    )
    return {
        i: circles.get(i) or " and ".join(people) or f"relationship {i}"
        for i, people in names.items()
    }


def _approved_already(session: Session, query: Select[Any], principal: Principal) -> list[int]:
    """Drafts of the queue that `principal` approved already: under four eyes they wait for
    someone else; a success story waits only for the members who have not approved it.

    Only drafts with approvals are read, two columns each: drafts in flight, not history.
    """
    rows = session.execute(
        query.with_only_columns(Draft.id, Draft.status, Draft.approvals).where(
            Draft.approvals.is_not(None), cast(Draft.approvals, Text) != "[]"
        )
    ).all()
    decided = []
    for draft_id, status, approvals in rows:
        mine = [a for a in approvals or [] if a.get("user_id") == principal.id]
        if (status == DraftStatus.pending_review and mine) or (
            status == DraftStatus.approved and any(a.get("as_member") for a in mine)
        ):
            decided.append(draft_id)
    return decided


def reviewable(
    *,
    session: Session,
    principal: Principal,
    kind: DraftKind | None = None,
    status: DraftStatus | None = None,
    relationship_id: int | None = None,
    show_superseded: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DraftReviewPublic], int]:
    """Every draft `principal` may review, newest first, whatever its state; drafts a newer
    one superseded only if asked for (`show_superseded`, or that status)."""
    query = select(Draft).where(policy.reviewable_by(principal=principal))
    if not show_superseded and status != DraftStatus.superseded:
        query = query.where(Draft.status != DraftStatus.superseded)
    if relationship_id is not None:
        query = query.where(Draft.relationship_id == relationship_id)
    if kind is not None:
        query = query.where(Draft.kind == kind.value)
    if status is not None:
        query = query.where(Draft.status == status)
    page, total = fetch_page(session, query, order_by=Draft.id.desc(), limit=limit, offset=offset)
    return [review_payload(session, d) for d in page], total
