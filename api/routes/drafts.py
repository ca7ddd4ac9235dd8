"""Drafts: request one (it waits for review), read it with its provenance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.drafting import service as drafting
from companion.drafting.models import DraftStatus
from companion.relationships import access
from companion.relationships import service as relationships
from companion.review import queue
from prompts.schemas import DraftKind

router = APIRouter(prefix="/api/v1", tags=["drafts"])


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DraftKind
    relationship_id: int | None = Field(
        default=None,
        description="agenda, brief, feedback_prompts, nudge, success_story, smart_goal",
    )
    goal_id: int | None = Field(default=None, description="smart_check, success_story")
    text: str | None = Field(
        default=None,
        max_length=2000,
        description="smart_goal: the aspiration; answer: the question",
    )


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent: bool


@router.post("/drafts", status_code=status.HTTP_201_CREATED)
def request_draft(
    body: DraftRequest, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Draft something for human review; nothing reaches a participant until approved."""
    draft = drafting.request_draft(
        services=services,
        session=session,
        kind=body.kind,
        principal=user,
        relationship_id=body.relationship_id,
        goal_id=body.goal_id,
        text=body.text,
    )
    return queue.get_for(session=session, draft_id=draft.id, principal=user)


@router.get("/drafts")
def list_drafts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    status_: Annotated[DraftStatus | None, Query(alias="status")] = None,
) -> dict[str, Any]:
    """Drafts you may review, in any state (recipients use /me/deliveries)."""
    items, total = queue.reviewable(
        session=session,
        principal=user,
        kind=kind,
        status=status_,
        limit=page.limit,
        offset=page.offset,
    )
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/drafts/{draft_id}")
def get_draft(draft_id: int, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Reviewers see the draft with its provenance; recipients only a delivered draft."""
    return queue.get_for(session=session, draft_id=draft_id, principal=user)


@router.put("/relationships/{relationship_id}/story-consent")
def story_consent(
    relationship_id: int, body: Consent, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """A member agrees (or stops agreeing) to a success story about the relationship."""
    view = access.view(session=session, relationship_id=relationship_id, principal=user)
    member = relationships.set_story_consent(view=view, consent=body.consent)
    return {"relationship_id": relationship_id, "consent": member.story_consent}
