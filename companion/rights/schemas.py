"""Schemas of data rights: a person's data as they download it, erasure and retention."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from companion.review.schemas import DeliveredDraftPublic

# EU AI Act (Regulation 2024/1689) Art. 26(6): a deployer keeps the logs of a high-risk
# system for at least six months. Six months, counted generously.
LOG_MINIMUM_DAYS = 183


# --- my data ---------------------------------------------------------------------------


class AccountData(BaseModel):
    id: int
    email: str
    display_name: str
    created_at: datetime
    roles: list[dict[str, Any]] = Field(description="Role and program (None: every program).")
    password_set: bool
    sign_in_links: list[dict[str, Any]] = Field(description="Identity providers linked.")
    api_tokens: list[dict[str, Any]] = Field(description="Names and prefixes, never secrets.")


class ProfileData(BaseModel):
    program: str
    fields: dict[str, Any] = Field(description="Every field of the profile, as stored.")


class RelationshipData(BaseModel):
    id: int
    program: str
    kind: str
    status: str
    your_role: str
    with_: list[str] = Field(alias="with", description="The other members, by name.")
    start_date: date | None
    ended_at: datetime | None
    your_expectations: str
    your_closing_reflection: str
    match_reasons: list[str] = Field(description="Why the approved match was proposed.")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class SessionData(BaseModel):
    id: int
    relationship_id: int
    starts_at: datetime
    duration_minutes: int
    modality: str
    status: str
    shared_notes: str
    proposed_by_you: bool = False  # whether you proposed the time it has (or had)
    proposed_at: datetime | None = None
    confirmed_at: datetime | None = None


class NoteData(BaseModel):
    session_id: int
    text: str
    updated_at: datetime


class GoalData(BaseModel):
    id: int
    relationship_id: int
    title: str
    smart: dict[str, str]
    status: str
    visibility: str
    progress: int
    target_date: date | None
    milestones: list[dict[str, Any]]
    check_ins: list[dict[str, Any]]


class MessageData(BaseModel):
    relationship_id: int
    body: str
    created_at: datetime


class FeedbackData(BaseModel):
    session_id: int
    answers: list[dict[str, Any]]
    submitted_at: datetime


class AuditData(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]


class PersonalData(BaseModel):
    """Everything the service holds about one person, as they download it."""

    generated_at: datetime
    account: AccountData
    profiles: list[ProfileData]
    relationships: list[RelationshipData]
    sessions: list[SessionData]
    private_notes: list[NoteData]
    goals: list[GoalData]
    messages: list[MessageData] = Field(description="The messages you wrote.")
    feedback_given: list[FeedbackData]
    drafts_delivered: list[DeliveredDraftPublic] = Field(
        description="Drafted texts a person approved and delivered to you."
    )
    audit_events: list[AuditData] = Field(description="What you did, and what was done to you.")
    match_review_requests: list[dict[str, Any]] = Field(
        default_factory=list, description="Your requests that a coordinator look at your match."
    )
    notification_settings: dict[str, str] = Field(
        default_factory=dict, description="How you chose to hear of each kind of notice."
    )
    notifications: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The notices prepared for you: their kind, when, and what became of them.",
    )
    community: dict[str, Any] = Field(
        default_factory=dict,
        description="Your community questions (anonymous ones too), answers, reports you "
        "filed, people you blocked, warnings you received, and whether you may be asked.",
    )
    leader_stories: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The stories you wrote: text, status, suggestions and group consent.",
    )
    training: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Your steps on training paths, with your private reflections.",
    )
    jobs: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The long actions you started (matching, imports, uploads) and how they ended.",
    )


# --- erasure ---------------------------------------------------------------------------


class ErasureReport(BaseModel):
    """What an erasure removed or replaced, in counts: it names no one."""

    user_id: int
    programs: list[int]
    deleted: dict[str, int]
    anonymised: dict[str, int]
    vectors_deleted: int
    audit_events_redacted: int


# --- retention -------------------------------------------------------------------------

PLACES = {
    "closed_relationships_days": "relationships that ended (with their sessions, goals, "
    "messages and drafts)",
    "drafts_days": "drafts that were decided (delivered, rejected, withdrawn or failed)",
    "messages_days": "messages of relationship threads",
    "audit_days": "who and data of audit events (the chain itself is kept)",
}
# Settings that remove the log of AI use or the audit trail: not below the minimum.
LOGS = ("closed_relationships_days", "drafts_days", "audit_days")


class RetentionSettings(BaseModel):
    """Days to keep each kind of record after it closed; None keeps it."""

    model_config = ConfigDict(extra="forbid")

    closed_relationships_days: int | None = Field(default=None, ge=1, le=36500)
    drafts_days: int | None = Field(default=None, ge=1, le=36500)
    messages_days: int | None = Field(default=None, ge=1, le=36500)
    audit_days: int | None = Field(default=None, ge=1, le=36500)


class RetentionItem(BaseModel):
    program_id: int
    program: str
    what: str
    older_than_days: int
    count: int


class RetentionReport(BaseModel):
    dry_run: bool
    items: list[RetentionItem]


class DataRightsUpdate(BaseModel):
    """A program's retention periods (all of them: one left out keeps its records), and
    whether its participants may erase their own account (left out: unchanged)."""

    model_config = ConfigDict(extra="forbid")

    retention: RetentionSettings
    allow_self_erasure: bool | None = None


class DataRightsPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    program_id: int
    retention: RetentionSettings
    allow_self_erasure: bool
    updated_by: str | None = None
    updated_at: datetime | None = None
