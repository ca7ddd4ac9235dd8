"""The review queue and decisions, and what has been delivered to me."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.review import delivery, queue, stats, workflow
from prompts.schemas import DraftKind

router = APIRouter(prefix="/api/v1", tags=["review"])


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: workflow.Action
    version: int = Field(ge=1, description="The version of the draft you saw.")
    content: dict[str, Any] | None = Field(
        default=None, description="Your edited version (edit, or approve with an edit)."
    )
    note: str = Field(default="", max_length=2000)


class BulkItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    version: int = Field(ge=1)


class BulkApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drafts: list[BulkItem] = Field(min_length=1, max_length=200)


@router.get("/review/stats")
def review_stats(
    session: SessionDep,
    user: CurrentUser,
    program_id: Annotated[int | None, Query()] = None,
) -> dict[str, Any]:
    """Per draft kind: how often reviewers approved drafts as drafted, and how much they
    changed the others (normalised edit distance, 0 = unchanged, 1 = rewritten)."""
    rows = stats.review_by_kind(session=session, principal=user, program_id=program_id)
    return {
        "kinds": [
            {
                "kind": r.kind,
                "decided": r.decided,
                "approved": r.approved,
                "approved_unedited": r.approved_unedited,
                "rejected": r.rejected,
                "changes_requested": r.changes_requested,
                "unedited_rate": r.unedited_rate,
                "mean_change": r.mean_change,
            }
            for r in rows
        ],
        "min_decided": stats.MIN_DECIDED,
    }


@router.get("/review/queue")
def review_queue(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    program_id: Annotated[int | None, Query()] = None,
    older_than_hours: Annotated[float | None, Query(ge=0, le=24 * 366 * 10)] = None,
) -> dict[str, Any]:
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
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.post("/review/drafts/{draft_id}/decisions")
def decide(
    draft_id: int, body: Decision, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
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


@router.post("/review/bulk-approve")
def bulk_approve(
    body: BulkApprove, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Coordinators approve many drafts at once; each succeeds or fails on its own."""
    results = workflow.bulk_approve(
        session=session,
        items=[(item.id, item.version) for item in body.drafts],
        principal=user,
        services=services,
    )
    return {"results": results, "approved": sum(r["ok"] for r in results)}


@router.get("/me/deliveries")
def my_deliveries(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    relationship_id: Annotated[int | None, Query()] = None,
) -> dict[str, Any]:
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
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}
