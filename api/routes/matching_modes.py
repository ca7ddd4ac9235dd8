"""Matching modes beyond one-to-one: self-match, circles, speed rounds, boards, quick questions.

Every endpoint here is a read-only proposal: it creates nothing and notifies nobody.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, MatcherDep, SessionDep
from companion.matching import modes_service as modes
from companion.matching.schemas import (
    AnswerersPublic,
    AssignmentPublic,
    BoardsPublic,
    CirclesPublic,
    Question,
    RecommendationsPublic,
    ShortlistsPublic,
    SpeedRanks,
)

router = APIRouter(prefix="/api/v1/programs/{program_id}/matching", tags=["matching modes"])


@router.get(
    "/recommendations",
    response_model=RecommendationsPublic,
    summary="Mentors a mentee may choose from (read-only proposal)",
)
def recommendations(
    program_id: int,
    matcher: MatcherDep,
    mentee_id: Annotated[str, Query(min_length=1)],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> RecommendationsPublic:
    """Self-match: the best mentors for one mentee. Creates nothing and notifies nobody.

    A coordinator of the program may ask for any mentee; a mentee only for themselves.
    """
    return matcher(
        modes.recommendations,
        program_id=program_id,
        mentee_id=mentee_id,
        limit=limit,
    )


@router.post(
    "/circles",
    response_model=CirclesPublic,
    summary="Propose mentoring circles (read-only proposal)",
)
def circles(program_id: int, matcher: MatcherDep) -> CirclesPublic:
    """Group unmatched mentees into circles led by one mentor. Creates nothing, notifies nobody."""
    return matcher(
        modes.circles,
        program_id=program_id,
    )


@router.post(
    "/speed/shortlists",
    response_model=ShortlistsPublic,
    summary="Speed-mentoring shortlists (read-only proposal)",
)
def speed_shortlists(program_id: int, matcher: MatcherDep) -> ShortlistsPublic:
    """For each unmatched mentee, good but diverse mentors to meet. Creates nothing, notifies
    nobody."""
    return matcher(
        modes.speed_shortlists,
        program_id=program_id,
    )


@router.post(
    "/speed/assignment",
    response_model=AssignmentPublic,
    summary="Pairs from speed-round rankings (read-only proposal)",
)
def speed_assignment(
    program_id: int, body: SpeedRanks, session: SessionDep, user: CurrentUser
) -> AssignmentPublic:
    """Stable, mentee-optimal pairs from both sides' rankings; a pair is only proposed when
    both ranked each other. Creates nothing and notifies nobody."""
    return modes.speed_assignment(
        session=session,
        program_id=program_id,
        principal=user,
        mentee_ranks=body.mentee_ranks,
        mentor_ranks=body.mentor_ranks,
    )


@router.post(
    "/advisory-boards",
    response_model=BoardsPublic,
    summary="Advisory boards per mentee (read-only proposal)",
)
def advisory_boards(program_id: int, matcher: MatcherDep) -> BoardsPublic:
    """For each unmatched mentee, mentors each covering a different need. Creates nothing,
    notifies nobody."""
    return matcher(
        modes.advisory_boards,
        program_id=program_id,
    )


@router.post(
    "/ask",
    response_model=AnswerersPublic,
    summary="Who could answer a question now (read-only proposal)",
)
def ask(program_id: int, body: Question, matcher: MatcherDep) -> AnswerersPublic:
    """Mentors of the moment: the few people best placed to answer, never the asker.
    Creates nothing and notifies nobody."""
    return matcher(
        modes.ask,
        program_id=program_id,
        question=body.question,
    )
