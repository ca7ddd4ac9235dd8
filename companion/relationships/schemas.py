"""Schemas of relationships: what the API, the pages and scripts send, and what they read.

Requests are strict (an unknown field is refused). Read models name every key a
reader may get; keys that only members get (notes, expectations, unread counts,
the text of a goal) are optional, and the routes leave out what was not given
(`response_model_exclude_unset`), so a coordinator's answer has no empty slot
where a member's private text would be.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from companion.db.base import column_lengths
from companion.pagination import Page
from companion.relationships.models import (
    GoalOutcome,
    GoalStatus,
    GoalVisibility,
    Modality,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    SessionStatus,
)

TITLE_MAX = 300
NAME_MAX = column_lengths(Relationship)["name"]  # what the column holds
SMART_MAX = 2000
MILESTONES_MAX = 10
MILESTONE_TEXT_MAX = 500
NOTE_MAX = 4000
ASSESSMENT_MAX = 4000


class DeliveredAgendaPublic(BaseModel):
    """A session's approved agenda as its recipients read it, from the review delivery
    gate (the same fields as review's `DeliveredDraftPublic`, which sits above this)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    version: int
    headline: str
    content: dict[str, Any] | None
    text: str
    relationship_id: int | None
    session_id: int | None
    delivered_at: datetime | None
    disclosure: str = Field(default="", description="How the agenda was made and who approved it.")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests: relationships and sessions ----------------------------------------------


class CircleCreate(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    mentor: str = Field(description="The leading mentor's id as imported.")
    mentees: list[str] = Field(description="The mentees' ids as imported (2 to 12).")


class AgreementUpdate(Strict):
    cadence_days: int | None = Field(default=None, ge=1, le=90)
    modalities: list[Modality] | None = None
    expectations: str | None = Field(default=None, max_length=4000)


class StatusChange(Strict):
    status: Literal["active", "paused"]


class EndRequest(Strict):
    outcome: Literal["completed", "ended_early"]
    reason: str = Field(default="", max_length=2000)


class Reflection(Strict):
    text: str = Field(min_length=1, max_length=8000)


class Booking(Strict):
    starts_at: datetime = Field(description="With an offset, e.g. 2026-03-03T08:00:00Z.")
    duration_minutes: int | None = Field(default=None, ge=10, le=240)
    modality: Modality = Modality.video


class SessionSuggestion(Strict):
    """Another time for a proposed session, which then waits for the other member."""

    starts_at: datetime = Field(description="With an offset, e.g. 2026-03-03T08:00:00Z.")
    duration_minutes: int | None = Field(default=None, ge=10, le=240)


class SessionUpdate(Strict):
    status: SessionStatus | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=10, le=240)
    modality: Modality | None = None
    shared_notes: str | None = Field(default=None, max_length=20_000)


class PrivateNoteBody(Strict):
    text: str = Field(max_length=20_000)


class ActionCreate(Strict):
    text: str = Field(min_length=1, max_length=1000)
    owner: str = Field(description="The owner's participant id as imported.")
    due_date: date | None = None
    session_id: int | None = None


class ActionUpdate(Strict):
    done: bool | None = None
    text: str | None = Field(default=None, min_length=1, max_length=1000)
    due_date: date | None = None


# --- requests: goals -------------------------------------------------------------------


class MilestoneCreate(Strict):
    text: str = Field(min_length=1, max_length=MILESTONE_TEXT_MAX)
    due_date: date | None = None


class GoalCreate(Strict):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    specific: str = Field(default="", max_length=SMART_MAX)
    measurable: str = Field(default="", max_length=SMART_MAX)
    achievable: str = Field(default="", max_length=SMART_MAX)
    relevant: str = Field(default="", max_length=SMART_MAX)
    time_bound: str = Field(default="", max_length=SMART_MAX)
    target_date: date | None = None
    milestones: list[MilestoneCreate] = Field(default_factory=list, max_length=MILESTONES_MAX)
    visibility: GoalVisibility = GoalVisibility.private
    status: GoalStatus = Field(default=GoalStatus.draft, description="draft or active.")
    mentee: str | None = Field(
        default=None, description="The mentee's participant id; only ever the caller's own."
    )


class GoalUpdate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    specific: str | None = Field(default=None, max_length=SMART_MAX)
    measurable: str | None = Field(default=None, max_length=SMART_MAX)
    achievable: str | None = Field(default=None, max_length=SMART_MAX)
    relevant: str | None = Field(default=None, max_length=SMART_MAX)
    time_bound: str | None = Field(default=None, max_length=SMART_MAX)
    target_date: date | None = Field(default=None, description="null clears it.")
    status: GoalStatus | None = None
    visibility: GoalVisibility | None = Field(
        default=None, description="Who besides the mentee may read the goal: sharing."
    )


class CheckInCreate(Strict):
    progress: int = Field(ge=0, le=100, description="Percent of the way to the goal.")
    note: str = Field(default="", max_length=NOTE_MAX)


class MilestoneUpdate(Strict):
    done: bool


class AssessmentCreate(Strict):
    outcome: GoalOutcome
    assessment: str = Field(default="", max_length=ASSESSMENT_MAX)


# --- requests: the thread and feedback -------------------------------------------------


class MessageCreate(BaseModel):
    body: str = Field(description="Plain text, 1 to 5000 characters; no markup is rendered.")


class AnswerCreate(BaseModel):
    rating: int = Field(strict=True, description="1 (not at all) to 5 (very much).")
    text: str = ""


class FeedbackCreate(BaseModel):
    answers: list[AnswerCreate] = Field(description="One answer per question, in order.")


# --- read models: relationships --------------------------------------------------------


class MemberPublic(BaseModel):
    participant_id: str
    name: str
    role: str
    timezone: str | None


class AgreementPublic(BaseModel):
    cadence_days: int
    modalities: list[str]
    expectations: dict[str, str] | None = Field(
        default=None, description="Members only: each member's expectations, by participant id."
    )


class NextSessionPublic(BaseModel):
    id: int
    starts_at: datetime
    modality: Modality


class RelationshipPublic(BaseModel):
    """A relationship as a member or a coordinator of its program sees it."""

    id: int
    program_id: int
    kind: RelationshipKind
    name: str | None
    status: RelationshipStatus
    mentor_name: str | None
    mentee_name: str | None
    members: list[MemberPublic]
    start_date: date | None
    planned_end_date: date | None
    ended_at: datetime | None
    end_reason: str | None
    agreement: AgreementPublic
    sessions: dict[str, int] = Field(description="Sessions by status.")
    next_session: NextSessionPublic | None
    created_at: datetime
    my_role: str | None = Field(default=None, description="Members only.")
    unread_messages: int | None = Field(default=None, description="Members only.")
    closing_reflections: dict[str, str] | None = Field(default=None, description="Members only.")
    stalled: bool | None = None
    stalled_reasons: list[str] | None = None


class ProposedTime(BaseModel):
    starts_at: datetime
    ends_at: datetime
    local: dict[str, str] = Field(description="The time on each member's clock, by name.")


class ProposedTimesPublic(BaseModel):
    earliest: datetime
    cadence_days: int
    duration_minutes: int
    explanation: str
    times: list[ProposedTime]


class ActionItemPublic(BaseModel):
    id: int
    session_id: int | None
    owner: str
    owner_name: str
    text: str
    due_date: date | None
    done: bool
    done_at: datetime | None
    overdue: bool
    created_at: datetime


class SessionPublic(BaseModel):
    """A mentoring session; notes and action items only for members."""

    id: int
    relationship_id: int
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    modality: Modality
    status: SessionStatus
    local_times: dict[str, str]
    agenda: DeliveredAgendaPublic | None = Field(
        description="The approved agenda, for its recipients only."
    )
    proposed_by: str | None = Field(
        description="The member who proposed the time it has now; null if a coordinator "
        "booked it or it was recorded after it happened."
    )
    proposed_at: datetime | None
    confirmed_at: datetime | None = Field(
        description="When the time it has now was agreed; null while it is proposed."
    )
    awaiting: list[str] = Field(
        description="While proposed: the members whose answer it waits for (any one of them)."
    )
    awaiting_me: bool = Field(description="Whether it waits for your answer.")
    shared_notes: str | None = Field(default=None, description="Members only.")
    my_private_note: str | None = Field(default=None, description="Your own; nobody else's.")
    action_items: list[ActionItemPublic] | None = Field(default=None, description="Members only.")


class PrivateNotePublic(BaseModel):
    session_id: int
    text: str
    updated_at: datetime


class CalendarFeedPublic(BaseModel):
    url: str
    note: str


# --- read models: goals ----------------------------------------------------------------


class MilestonePublic(BaseModel):
    id: int
    text: str
    due_date: date | None
    done: bool
    done_at: datetime | None


class CheckInPublic(BaseModel):
    id: int
    progress: int
    created_at: datetime
    note: str | None = Field(default=None, description="The mentee's own note: the mentee only.")


class GoalPublic(BaseModel):
    """A goal; who reads it decides how much (its status only, or its text too)."""

    id: int
    status: GoalStatus
    progress: int
    visibility: GoalVisibility
    target_date: date | None
    created_at: datetime
    updated_at: datetime
    final_outcome: GoalOutcome | None
    relationship_id: int | None = None
    mentee_id: str | None = None
    title: str | None = None
    specific: str | None = None
    measurable: str | None = None
    achievable: str | None = None
    relevant: str | None = None
    time_bound: str | None = None
    milestones: list[MilestonePublic] | None = None
    check_ins: list[CheckInPublic] | None = None
    final_assessment: str | None = None


# --- read models: program health -------------------------------------------------------


class GoalProgress(BaseModel):
    id: int
    status: GoalStatus
    progress: int


class RelationshipHealth(BaseModel):
    id: int
    kind: RelationshipKind
    name: str | None
    members: list[str]
    status: RelationshipStatus
    sessions: dict[str, int]
    last_held_at: datetime | None
    stalled: bool
    stalled_reasons: list[str]
    goals: list[GoalProgress]
    mean_goal_progress: float | None


class UpcomingSession(BaseModel):
    session_id: int
    relationship_id: int
    members: list[str]
    starts_at: datetime
    duration_minutes: int
    modality: Modality


# --- read models: the thread and feedback ----------------------------------------------


class MessagePublic(BaseModel):
    id: int
    author: str = Field(description="The author's participant id.")
    author_name: str
    body: str
    created_at: datetime
    mine: bool
    links: list[str] = Field(description="The http(s) addresses in the body.")


class MessagePage(Page[MessagePublic]):
    unread: int = Field(description="Messages by others still unread after reading this page.")


class RelationshipUnread(BaseModel):
    relationship_id: int
    unread: int


class UnreadSummary(BaseModel):
    relationships: list[RelationshipUnread]
    total: int


class Answer(BaseModel):
    question: str
    rating: int
    text: str


class MemberAnswers(BaseModel):
    participant_id: str
    name: str
    answers: list[Answer]


class HiddenAnswers(BaseModel):
    participant_id: str
    name: str
    reveal_on: date


class SessionFeedback(BaseModel):
    session_id: int
    questions: list[str]
    mine: list[Answer] | None
    others: list[MemberAnswers]
    hidden: list[HiddenAnswers] = Field(
        description="Members who have answered, whose answers are revealed on this date "
        "or once everyone has answered."
    )


class QuestionSummary(BaseModel):
    question: str
    responses: int
    mean_rating: float | None


class RoleMeans(BaseModel):
    mentor: float | None
    mentee: float | None


class FeedbackSummary(BaseModel):
    responses: int = Field(description="Submissions, each answering every question.")
    mean_rating: float | None
    by_question: list[QuestionSummary]
    by_role: RoleMeans


class ProgramHealthPublic(BaseModel):
    """Program-level data for coordinators: never notes, threads or unshared goal text."""

    program_id: int
    as_of: datetime
    relationships: dict[str, int] = Field(description="Relationships by status.")
    sessions: dict[str, int] = Field(description="Sessions by status.")
    stalled: list[RelationshipHealth]
    upcoming_sessions: list[UpcomingSession]
    per_relationship: list[RelationshipHealth]
    feedback: FeedbackSummary
