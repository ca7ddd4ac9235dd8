"""The review queue and decisions, and what has been delivered to me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.pagination import Page
from companion.review import delivery, queue, stats, workflow
from companion.review.schemas import (
    BulkApprove,
    BulkApproveResult,
    Decision,
    DeliveredDraftPublic,
    DraftPublic,
    DraftReviewPublic,
    KindReviewPublic,
    ReviewStatsPublic,
)
from prompts.schemas import DraftKind

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get("/review/stats", response_model=ReviewStatsPublic)
def review_stats(
    session: SessionDep,
    user: CurrentUser,
    program_id: Annotated[int | None, Query()] = None,
) -> ReviewStatsPublic:
    """Per draft kind: how often reviewers approved drafts as drafted, and how much they
    changed the others (normalised edit distance, 0 = unchanged, 1 = rewritten)."""
    rows = stats.review_by_kind(session=session, principal=user, program_id=program_id)
    kinds = [KindReviewPublic(**vars(r), unedited_rate=r.unedited_rate) for r in rows]
    return ReviewStatsPublic(kinds=kinds, min_decided=stats.MIN_DECIDED)


@router.get("/review/queue", response_model=Page[DraftReviewPublic])
def review_queue(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    program_id: Annotated[int | None, Query()] = None,
    older_than_hours: Annotated[float | None, Query(ge=0, le=24 * 366 * 10)] = None,
) -> Page[DraftReviewPublic]:
    """Drafts waiting for your decision, oldest first, with their provenance."""
    items, total = queue.pending_for(
        session=session,
        principal=user,
        kind=kind,
        program_id=program_id,
        older_than_hours=older_than_hours,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[DraftReviewPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/review/drafts/{draft_id}/decisions", response_model=DraftPublic)
def decide(
    draft_id: int, body: Decision, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> DraftPublic:
    draft = workflow.decide(
        session=session,
        draft_id=draft_id,
        action=body.action,
        version=body.version,
        principal=user,
        content=body.content,
        note=body.note,
        services=services,
    )
    return queue.get_for(session=session, draft_id=draft.id, principal=user)


@router.post(
    "/review/bulk-approve", response_model=BulkApproveResult, response_model_exclude_unset=True
)
def bulk_approve(
    body: BulkApprove, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> BulkApproveResult:
    """Coordinators approve many drafts at once; each succeeds or fails on its own."""
    results = workflow.bulk_approve(
        session=session,
        items=[(item.id, item.version) for item in body.drafts],
        principal=user,
        services=services,
    )
    return BulkApproveResult(results=results, approved=sum(r.ok for r in results))


@router.get("/me/deliveries", response_model=Page[DeliveredDraftPublic])
def my_deliveries(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    relationship_id: Annotated[int | None, Query()] = None,
) -> Page[DeliveredDraftPublic]:
    """What has been approved and delivered to you: the only drafted text you ever see."""
    rows, total = delivery.delivered_page(
        session=session,
        principal=user,
        kind=kind,
        relationship_id=relationship_id,
        limit=page.limit,
        offset=page.offset,
    )
    items = [delivery.view_of(d) for d in rows]
    return Page[DeliveredDraftPublic](
        items=items, total=total, limit=page.limit, offset=page.offset
    )
