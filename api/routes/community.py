"""Community questions, answers, and safety (reports, moderation, blocks) over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.community import conduct, guides, moderation
from companion.community import service as community
from companion.community.models import ReportStatus
from companion.community.schemas import (
    AnswerCreate,
    AnswerPublic,
    BlockCreate,
    BlockPublic,
    ConductPublic,
    ConductUpdate,
    GuideDraftPublic,
    GuidePublish,
    HelperPublic,
    HelperUpdate,
    HelpfulMark,
    ModerationDecision,
    QuestionCreate,
    QuestionDetail,
    QuestionPublic,
    ReportCreate,
    ReportPublic,
    ReportReceipt,
    SimilarQuestion,
    WarningPublic,
)
from companion.pagination import Page

router = APIRouter(prefix="/api/v1/community", tags=["community"])


@router.get("/questions", response_model=Page[QuestionPublic])
def list_questions(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    program_id: int | None = None,
    mine: bool = False,
) -> Page[QuestionPublic]:
    items, total = community.list_questions(
        session=session,
        principal=user,
        limit=page.limit,
        offset=page.offset,
        topic=topic,
        program_id=program_id,
        mine=mine,
    )
    return Page[QuestionPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/questions/similar", response_model=list[SimilarQuestion])
def similar_questions(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=5200, description="The question you mean to ask.")],
    program_id: int | None = None,
) -> list[SimilarQuestion]:
    """Asked before? Questions close to yours in meaning or in words."""
    return community.similar(
        session=session, encoder=services.encoder, principal=user, text=q, program_id=program_id
    )


@router.post("/questions", response_model=QuestionDetail, status_code=status.HTTP_201_CREATED)
def ask(
    body: QuestionCreate, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> QuestionDetail:
    row = community.ask(
        session=session,
        encoder=services.encoder,
        settings=services.settings,
        principal=user,
        question=body,
    )
    return community.get(session=session, principal=user, question_id=row.id)


@router.get("/questions/{question_id}", response_model=QuestionDetail)
def get_question(question_id: int, session: SessionDep, user: CurrentUser) -> QuestionDetail:
    return community.get(session=session, principal=user, question_id=question_id)


@router.post(
    "/questions/{question_id}/answers",
    response_model=AnswerPublic,
    status_code=status.HTTP_201_CREATED,
)
def answer(
    question_id: int,
    body: AnswerCreate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> AnswerPublic:
    row = community.answer(
        session=session,
        settings=services.settings,
        principal=user,
        question_id=question_id,
        reply=body,
    )
    detail = community.get(session=session, principal=user, question_id=question_id)
    return next(a for a in detail.answer_list if a.id == row.id)


@router.put("/questions/{question_id}/helpful", response_model=QuestionDetail)
def mark_helpful(
    question_id: int, body: HelpfulMark, session: SessionDep, user: CurrentUser
) -> QuestionDetail:
    return community.mark_helpful(
        session=session, principal=user, question_id=question_id, answer_id=body.answer_id
    )


@router.post(
    "/questions/{question_id}/guide-drafts",
    response_model=GuideDraftPublic,
    status_code=status.HTTP_201_CREATED,
)
def draft_guide_answer(
    question_id: int, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> GuideDraftPublic:
    """Moderators: draft "what our guides say"; it waits in your review queue."""
    draft = guides.request(
        services=services, session=session, principal=user, question_id=question_id
    )
    return GuideDraftPublic(draft_id=draft.id, status=draft.status.value)


@router.post(
    "/questions/{question_id}/guide-answers",
    response_model=AnswerPublic,
    status_code=status.HTTP_201_CREATED,
)
def publish_guide_answer(
    question_id: int, body: GuidePublish, session: SessionDep, user: CurrentUser
) -> AnswerPublic:
    """Moderators: publish an approved guide answer to the question."""
    row = guides.publish(
        session=session, principal=user, question_id=question_id, draft_id=body.draft_id
    )
    detail = community.get(session=session, principal=user, question_id=question_id)
    return next(a for a in detail.answer_list if a.id == row.id)


@router.get("/conduct", response_model=ConductPublic)
def read_conduct(session: SessionDep, user: CurrentUser) -> ConductPublic:
    return conduct.read(session=session, principal=user)


@router.patch("/conduct", response_model=ConductPublic)
def update_conduct(body: ConductUpdate, session: SessionDep, user: CurrentUser) -> ConductPublic:
    return conduct.update(session=session, principal=user, change=body)


@router.get("/me/helper", response_model=HelperPublic)
def my_helper(session: SessionDep, user: CurrentUser) -> HelperPublic:
    return community.helper_status(session=session, principal=user)


@router.put("/me/helper", response_model=HelperPublic)
def set_my_helper(body: HelperUpdate, session: SessionDep, user: CurrentUser) -> HelperPublic:
    return community.set_helper(session=session, principal=user, change=body)


@router.post("/reports", response_model=ReportReceipt, status_code=status.HTTP_201_CREATED)
def report(body: ReportCreate, session: SessionDep, user: CurrentUser) -> ReportReceipt:
    row = moderation.report(session=session, principal=user, filed=body)
    return ReportReceipt(id=row.id, status=row.status.value)


@router.get("/moderation", response_model=Page[ReportPublic])
def moderation_queue(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    report_status: Annotated[ReportStatus, Query(alias="status")] = ReportStatus.open,
) -> Page[ReportPublic]:
    items, total = moderation.queue(
        session=session,
        principal=user,
        limit=page.limit,
        offset=page.offset,
        status=report_status,
    )
    return Page[ReportPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/moderation/{report_id}", response_model=ReportPublic)
def decide(
    report_id: int, body: ModerationDecision, session: SessionDep, user: CurrentUser
) -> ReportPublic:
    return moderation.decide(session=session, principal=user, report_id=report_id, decision=body)


@router.get("/me/warnings", response_model=list[WarningPublic])
def my_warnings(session: SessionDep, user: CurrentUser) -> list[WarningPublic]:
    return moderation.my_warnings(session=session, principal=user)


@router.get("/me/blocks", response_model=list[BlockPublic])
def my_blocks(session: SessionDep, user: CurrentUser) -> list[BlockPublic]:
    return moderation.blocks(session=session, principal=user)


@router.post("/me/blocks", response_model=BlockPublic, status_code=status.HTTP_201_CREATED)
def block(body: BlockCreate, session: SessionDep, user: CurrentUser) -> BlockPublic:
    return moderation.block(session=session, principal=user, request=body)


@router.delete("/me/blocks/{block_id}", status_code=status.HTTP_204_NO_CONTENT)
def unblock(block_id: int, session: SessionDep, user: CurrentUser) -> None:
    moderation.unblock(session=session, principal=user, block_id=block_id)
