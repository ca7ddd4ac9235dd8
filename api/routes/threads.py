"""A relationship's private thread and session feedback; coordinators see ratings only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, PageDep, SessionDep
from companion.community import moderation
from companion.relationships import access, feedback, threads
from companion.relationships import service as relationships
from companion.relationships.schemas import (
    FeedbackCreate,
    FeedbackSummary,
    MessageCreate,
    MessagePage,
    MessagePublic,
    SessionFeedback,
    UnreadSummary,
)

router = APIRouter(prefix="/api/v1", tags=["threads"])


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
        items=thread.items,
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
    message = moderation.post_message(view, body.body)
    return threads.message_of(view, message)


@router.get("/me/unread", response_model=UnreadSummary)
def my_unread(session: SessionDep, user: CurrentUser) -> UnreadSummary:
    counts = threads.unread_for_user(session=session, user=user)
    return UnreadSummary(relationships=counts, total=sum(c.unread for c in counts))


@router.get("/sessions/{session_id}/feedback", response_model=SessionFeedback)
def get_feedback(session_id: int, session: SessionDep, user: CurrentUser) -> SessionFeedback:
    view = access.view_of_session(session=session, session_id=session_id, principal=user)
    return feedback.for_session(view, session_id)


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
    return feedback.for_session(view, session_id)


@router.get("/programs/{program_id}/feedback", response_model=FeedbackSummary)
def program_feedback(program_id: int, session: SessionDep, user: CurrentUser) -> FeedbackSummary:
    program = relationships.get_program(session=session, program_id=program_id, principal=user)
    return feedback.aggregate(session=session, program=program, principal=user)
