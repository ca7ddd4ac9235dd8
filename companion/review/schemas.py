"""Schemas of review: the decisions people send, and drafts as reviewers and recipients see them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from companion.drafting.models import DraftStatus
from prompts.schemas import DraftKind

NOTE_MAX = 2000


class Action(enum.StrEnum):
    """What can happen to a draft; `review.workflow.TRANSITIONS` says when."""

    approve = "approve"
    reject = "reject"
    request_changes = "request_changes"
    edit = "edit"
    regenerate = "regenerate"
    deliver = "deliver"
    withdraw = "withdraw"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests --------------------------------------------------------------------------


class Decision(Strict):
    action: Action
    version: int = Field(ge=1, description="The version of the draft you saw.")
    content: dict[str, Any] | None = Field(
        default=None, description="Your edited version (edit, or approve with an edit)."
    )
    note: str = Field(
        default="",
        max_length=NOTE_MAX,
        description="Why; required when you request changes (what should change).",
    )


class BulkItem(Strict):
    id: int
    version: int = Field(ge=1)


class BulkApprove(Strict):
    drafts: list[BulkItem] = Field(min_length=1, max_length=200)


class DraftRequest(Strict):
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


class Consent(Strict):
    consent: bool


# --- read models -----------------------------------------------------------------------


class BulkResult(BaseModel):
    """One draft of a bulk approval: `status` when it succeeded, `error` and `message` if not."""

    id: int
    ok: bool
    status: DraftStatus | None = None
    error: str | None = None
    message: str | None = None


class BulkApproveResult(BaseModel):
    results: list[BulkResult]
    approved: int


class DeliveredDraftPublic(BaseModel):
    """A draft as its recipients read it: the final text, nothing of how it was made."""

    id: int
    kind: DraftKind
    status: DraftStatus
    version: int
    headline: str
    content: dict[str, Any] | None
    text: str
    relationship_id: int | None
    session_id: int | None
    delivered_at: datetime | None
    disclosure: str = Field(
        description="How the text was made and who approved it, shown wherever it is read: "
        "'Drafted with AI assistance, reviewed and approved by <name> on <day>.'"
    )


class StoryDraftPublic(DeliveredDraftPublic):
    """A success story as a member it names reads it, to approve it being shared."""

    waiting_for: list[str] = Field(description="Who still has to approve it.")


class DraftUsage(BaseModel):
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    latency_ms: float | None
    attempts: int


class DraftReviewPublic(BaseModel):
    """A draft as its reviewers read it: content, provenance, the human edit and its diff."""

    id: int
    kind: DraftKind
    status: DraftStatus
    version: int = Field(description="Counts every change; a decision names the one it saw.")
    shown_version: int = Field(
        default=1,
        description="The version people read: 1 as drafted, one more for each decision or "
        "edit a person made.",
    )
    superseded_by: int | None = Field(
        default=None,
        description="The newer draft for the same subject that superseded this one.",
    )
    model: str
    prompt: str = Field(description="name@version of the prompt it was drafted with.")
    content: dict[str, Any] | None
    text: str
    sources: list[dict[str, Any]] = Field(description="The sources the draft cites.")
    given_sources: list[dict[str, Any]] = Field(description="Every source it was given.")
    program_id: int | None
    relationship_id: int | None
    goal_id: int | None
    members_only: bool = Field(
        description="Made from the pair's notes, actions or mentor-only goals: "
        "no coordinator reviews it."
    )
    requested_by: str
    usage: DraftUsage
    error: str | None
    revision: dict[str, Any] | None = Field(
        default=None,
        description="After request changes and draft it again: the reviewer's note and what "
        "the drafter did with it (the built-in drafter says when it could not follow it).",
    )
    created_at: datetime
    edited: bool
    edited_by: str | None
    original_text: str | None
    original_content: dict[str, Any] | None
    diff: str | None
    approvals: list[dict[str, Any]]
    waiting_for: list[str]
    review_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    delivered_at: datetime | None


DraftPublic = DraftReviewPublic | StoryDraftPublic | DeliveredDraftPublic
"""What `GET /drafts/{id}` answers: reviewers, members named in a story, recipients."""


class StoryConsentPublic(BaseModel):
    relationship_id: int
    consent: bool


class KindReviewPublic(BaseModel):
    """Review outcomes of one draft kind; rates only from `min_decided` decided drafts."""

    kind: str
    decided: int
    approved: int
    approved_unedited: int
    rejected: int
    changes_requested: int
    unedited_rate: float | None = Field(description="Approved drafts approved as drafted.")
    mean_change: float | None = Field(
        description="Mean normalised edit distance of approved drafts: 0 unchanged, 1 rewritten."
    )


class ReviewStatsPublic(BaseModel):
    kinds: list[KindReviewPublic]
    min_decided: int
