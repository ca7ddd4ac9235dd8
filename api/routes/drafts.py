"""Drafts: request one (it waits for review), read it with its provenance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.drafting import service as drafting
from companion.drafting.models import DraftStatus
from companion.pagination import Page
from companion.relationships import access
from companion.relationships import service as relationships
from companion.review import queue
from companion.review.schemas import (
    Consent,
    DraftPublic,
    DraftRequest,
    DraftReviewPublic,
    StoryConsentPublic,
)
from prompts.schemas import DraftKind

router = APIRouter(prefix="/api/v1", tags=["drafts"])


@router.post("/drafts", response_model=DraftPublic, status_code=status.HTTP_201_CREATED)
def request_draft(
    body: DraftRequest, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> DraftPublic:
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


@router.get("/drafts", response_model=Page[DraftReviewPublic])
def list_drafts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[DraftKind | None, Query()] = None,
    status_: Annotated[DraftStatus | None, Query(alias="status")] = None,
    superseded: Annotated[
        bool, Query(description="Include drafts a newer one for the same subject superseded.")
    ] = False,
) -> Page[DraftReviewPublic]:
    """Drafts you may review, in any state (recipients use /me/deliveries); drafts a newer
    one superseded only with `superseded=true` or `status=superseded`."""
    items, total = queue.reviewable(
        session=session,
        principal=user,
        kind=kind,
        status=status_,
        show_superseded=superseded,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[DraftReviewPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/drafts/{draft_id}", response_model=DraftPublic)
def get_draft(draft_id: int, session: SessionDep, user: CurrentUser) -> DraftPublic:
    """Reviewers see the draft with its provenance; recipients only a delivered draft."""
    return queue.get_for(session=session, draft_id=draft_id, principal=user)


@router.put("/relationships/{relationship_id}/story-consent", response_model=StoryConsentPublic)
def story_consent(
    relationship_id: int, body: Consent, session: SessionDep, user: CurrentUser
) -> StoryConsentPublic:
    """A member agrees (or stops agreeing) to a success story about the relationship."""
    view = access.view(session=session, relationship_id=relationship_id, principal=user)
    member = relationships.set_story_consent(view=view, consent=body.consent)
    return StoryConsentPublic(relationship_id=relationship_id, consent=member.story_consent)


@router.post(
    "/sessions/{session_id}/prepare",
    response_model=list[DraftPublic],
    status_code=status.HTTP_201_CREATED,
)
def prepare_session(
    session_id: int, services: ServicesDep, session: SessionDep, user: CurrentUser
) -> list[DraftPublic]:
    """The mentor's brief and agenda for the relationship's next session, both for review.

    Only the relationship's mentor prepares (403 for anyone else who may see the
    session), and only the next upcoming session (409); both drafts or neither.
    """
    view = access.view_of_session(session=session, session_id=session_id, principal=user)
    drafts = drafting.prepare_session(
        services=services,
        session=session,
        principal=user,
        relationship_id=view.relationship.id,
        session_id=session_id,
    )
    return [queue.get_for(session=session, draft_id=d.id, principal=user) for d in drafts]
