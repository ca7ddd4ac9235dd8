"""Where a notification's link leads: the page that shows the delivered draft, after sign-in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from api.deps import SessionDep
from api.web.core import WebUser, redirect
from api.web.inbox import INBOX_PAGE
from companion.review import outbox
from prompts.schemas import DraftKind

router = APIRouter(include_in_schema=False)

SESSION_KINDS = {DraftKind.agenda.value: "h-agenda", DraftKind.feedback_prompts.value: "feedback"}
GOAL_KINDS = {DraftKind.smart_goal.value, DraftKind.smart_check.value}


@router.get("/drafts/{draft_id:int}", response_model=None)
def open_draft(draft_id: int, session: SessionDep, user: WebUser) -> RedirectResponse:
    """A signed-in reader goes on to the draft; anyone else gets the 404 of a missing id."""
    linked = outbox.linked_draft(session=session, user=user, draft_id=draft_id)
    draft = linked.draft
    relationship = f"/relationships/{draft.relationship_id}"
    if draft.kind in SESSION_KINDS and draft.relationship_id and draft.session_id:
        return redirect(f"{relationship}/sessions/{draft.session_id}#{SESSION_KINDS[draft.kind]}")
    if draft.kind in GOAL_KINDS and draft.relationship_id and draft.goal_id:
        return redirect(f"{relationship}/goals#goal-{draft.goal_id}")
    offset = linked.position - linked.position % INBOX_PAGE
    return redirect(f"/inbox?kind={draft.kind}&offset={offset}#h-item-{draft.id}")
