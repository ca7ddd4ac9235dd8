"""A relationship's private thread and session feedback; coordinators see ratings only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import CurrentUser, PageDep, SessionDep
from companion.pagination import Page
from companion.relationships import access, feedback, threads
from companion.relationships import service as relationships

router = APIRouter(prefix="/api/v1", tags=["threads"])


class MessageCreate(BaseModel):
    body: str = Field(description="Plain text, 1 to 5000 characters; no markup is rendered.")


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


class AnswerCreate(BaseModel):
    rating: int = Field(strict=True, description="1 (not at all) to 5 (very much).")
    text: str = ""


class FeedbackCreate(BaseModel):
    answers: list[AnswerCreate] = Field(description="One answer per question, in order.")


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


@router.get("/relationships/{relationship_id}/messages", response_model=MessagePage)
def list_messages(
    relationship_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    mark_read: Annotated[
        bool, Query(description="Move your read marker forward past this page.")
    ] = True,
) -> MessagePage:
    view = access.view(session=session, relationship_id=relationship_id, principal=user)
    thread = threads.list_messages(view, limit=page.limit, offset=page.offset, mark_read=mark_read)
    return MessagePage(
        items=[MessagePublic(**item) for item in thread.items],
        total=thread.total,
        limit=page.limit,
        offset=page.offset,
        unread=thread.unread,
    )


@router.post(
    "/relationships/{relationship_id}/messages",
    response_model=MessagePublic,
    status_code=status.HTTP_201_CREATED,
)
def post_message(
    relationship_id: int, body: MessageCreate, session: SessionDep, user: CurrentUser
) -> MessagePublic:
    view = access.view(session=session, relationship_id=relationship_id, principal=user)
    message = threads.post(view, body.body)
    return MessagePublic(**threads.message_of(view, message))


@router.get("/me/unread", response_model=UnreadSummary)
def my_unread(session: SessionDep, user: CurrentUser) -> UnreadSummary:
    counts = threads.unread_for_user(session=session, user=user)
    return UnreadSummary(
        relationships=[RelationshipUnread(**c) for c in counts],
        total=sum(c["unread"] for c in counts),
    )


@router.get("/sessions/{session_id}/feedback", response_model=SessionFeedback)
def get_feedback(session_id: int, session: SessionDep, user: CurrentUser) -> SessionFeedback:
    view = access.view_of_session(session=session, session_id=session_id, principal=user)
    return SessionFeedback(**feedback.for_session(view, session_id))


@router.put(
    "/sessions/{session_id}/feedback",
    response_model=SessionFeedback,
    status_code=status.HTTP_201_CREATED,
)
def submit_feedback(
    session_id: int, body: FeedbackCreate, session: SessionDep, user: CurrentUser
) -> SessionFeedback:
    """Answer once; the response shows the other members' answers if already revealed."""
    view = access.view_of_session(session=session, session_id=session_id, principal=user)
    feedback.submit(view, session_id, [a.model_dump() for a in body.answers])
    return SessionFeedback(**feedback.for_session(view, session_id))


@router.get("/programs/{program_id}/feedback", response_model=FeedbackSummary)
def program_feedback(program_id: int, session: SessionDep, user: CurrentUser) -> FeedbackSummary:
    program = relationships.get_program(session=session, program_id=program_id, principal=user)
    return FeedbackSummary(**feedback.aggregate(session=session, program=program, principal=user))
