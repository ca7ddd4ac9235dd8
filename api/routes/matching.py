"""Participants and matching: coordinators import, run, and decide; members see their pairs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile, status

from api.deps import CurrentUser, MatcherDep, PageDep, SessionDep
from companion.errors import InvalidInput
from companion.matching import manual, rebalance
from companion.matching import service as matching
from companion.matching.models import MatchProposal
from companion.matching.schemas import (
    ApproveAllPublic,
    ManualPairRequest,
    PairingOptionsPublic,
    ProposalListed,
    ProposalPublic,
    RebalancePublic,
    RunPayload,
    RunSummary,
    SwapRequest,
)
from companion.pagination import Page, page_of
from companion.participants import service as participants
from companion.participants.schemas import ImportPreview, ImportResult, ParticipantPublic
from companion.relationships import access
from companion.relationships import service as relationships
from companion.relationships.schemas import RelationshipPublic

router = APIRouter(prefix="/api/v1", tags=["matching"])

MAX_FILE_BYTES = 10 * 1024 * 1024


@router.post(
    "/programs/{program_id}/participants:import",
    response_model=ImportResult | ImportPreview,
)
def import_participants(
    program_id: int,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="CSV or JSON Lines (.csv, .jsonl).")],
    dry_run: Annotated[bool, Form(description="Check only; save nothing.")] = False,
) -> ImportResult | ImportPreview:
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{file.filename or 'The file'} is larger than 10 MB, the limit for one import; "
            "split it into several imports.",
            field="file",
        )
    call = participants.preview if dry_run else participants.import_participants
    return call(
        session=session,
        program_id=program_id,
        data=data,
        filename=file.filename or "participants.csv",
        principal=user,
    )


@router.get("/programs/{program_id}/participants", response_model=Page[ParticipantPublic])
def list_participants(
    program_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    role: Literal["mentor", "mentee"] | None = None,
) -> Page[ParticipantPublic]:
    rows, total = participants.list_participants(
        session=session,
        program_id=program_id,
        principal=user,
        role=role,
        limit=page.limit,
        offset=page.offset,
    )
    return page_of(ParticipantPublic, rows, total, limit=page.limit, offset=page.offset)


@router.post(
    "/programs/{program_id}/matching/runs",
    response_model=RunPayload,
    status_code=status.HTTP_201_CREATED,
)
def run_matching(
    program_id: int, session: SessionDep, user: CurrentUser, matcher: MatcherDep
) -> RunPayload:
    match_run = matcher(
        matching.run,
        program_id=program_id,
    )
    return matching.run_payload(session=session, run_id=match_run.id, principal=user)


@router.get("/programs/{program_id}/matching/runs", response_model=Page[RunSummary])
def list_runs(
    program_id: int, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[RunSummary]:
    rows, total = matching.list_runs(
        session=session, program_id=program_id, principal=user, limit=page.limit, offset=page.offset
    )
    return page_of(
        RunSummary, rows, total, limit=page.limit, offset=page.offset, convert=RunSummary.from_run
    )


@router.get("/matching/runs/{run_id}", response_model=RunPayload)
def get_run(run_id: int, session: SessionDep, user: CurrentUser) -> RunPayload:
    return matching.run_payload(session=session, run_id=run_id, principal=user)


@router.get("/matching/runs/{run_id}/proposals", response_model=Page[ProposalListed])
def list_proposals(
    run_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    q: Annotated[str, Query(description="Words in the mentor's or mentee's name or id.")] = "",
    status_: Annotated[
        str | None,
        Query(alias="status", description="proposed, approved, rejected or superseded."),
    ] = None,
    sort: Annotated[str, Query(description="score (best first), mentee, mentor or id.")] = "score",
) -> Page[ProposalListed]:
    """A page of a run's proposals, searched, filtered and sorted as on the run's page."""
    rows, total = matching.list_proposals(
        session=session,
        run_id=run_id,
        principal=user,
        search=q,
        status=status_,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[ProposalListed](items=rows, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/matching/proposals/{proposal_id}:approve",
    response_model=RelationshipPublic,
    response_model_exclude_unset=True,
)
def approve_proposal(
    proposal_id: int, session: SessionDep, user: CurrentUser
) -> RelationshipPublic:
    """Approve a proposal; the answer is the relationship it became."""
    relationship = matching.approve(session=session, proposal_id=proposal_id, principal=user)
    view = access.view(session=session, relationship_id=relationship.id, principal=user)
    return relationships.detail(session=session, view=view)


@router.post("/matching/proposals/{proposal_id}:reject", response_model=ProposalPublic)
def reject_proposal(proposal_id: int, session: SessionDep, user: CurrentUser) -> MatchProposal:
    return matching.reject(session=session, proposal_id=proposal_id, principal=user)


@router.post("/matching/runs/{run_id}:approve-all", response_model=ApproveAllPublic)
def approve_all(run_id: int, session: SessionDep, user: CurrentUser) -> ApproveAllPublic:
    """Approve what can be approved; every refused proposal is named with its reason."""
    report = matching.approve_all(session=session, run_id=run_id, principal=user)
    return ApproveAllPublic.from_report(report)


@router.get(
    "/matching/runs/{run_id}/mentees/{mentee_id}/options", response_model=PairingOptionsPublic
)
def pairing_options(run_id: int, mentee_id: str, matcher: MatcherDep) -> manual.PairingOptions:
    """The mentors an unmatched or rejected mentee may be paired with by hand, ranked."""
    return matcher(
        manual.pairing_options,
        run_id=run_id,
        mentee_id=mentee_id,
    )


@router.post(
    "/matching/runs/{run_id}:pair",
    response_model=ProposalPublic,
    status_code=status.HTTP_201_CREATED,
)
def pair_by_hand(
    run_id: int,
    body: ManualPairRequest,
    matcher: MatcherDep,
) -> MatchProposal:
    """Pair a mentee by hand: rules and capacity enforced, the note kept with the reasons."""
    return matcher(
        manual.pair_by_hand,
        run_id=run_id,
        mentee_id=body.mentee_id,
        mentor_id=body.mentor_id,
        note=body.note,
    )


@router.get("/matching/runs/{run_id}/rebalance", response_model=RebalancePublic)
def rebalance_preview(run_id: int, matcher: MatcherDep) -> RebalancePublic:
    """The run beside an exposure re-balance of it, with the cost in total score."""
    return matcher(
        rebalance.preview,
        run_id=run_id,
    )


@router.post(
    "/matching/runs/{run_id}:rebalance",
    response_model=RunPayload,
    status_code=status.HTTP_201_CREATED,
)
def rebalance_apply(
    run_id: int, session: SessionDep, user: CurrentUser, matcher: MatcherDep
) -> RunPayload:
    """Start the re-balanced run the preview shows; it supersedes this one."""
    match_run = matcher(
        rebalance.apply,
        run_id=run_id,
    )
    return matching.run_payload(session=session, run_id=match_run.id, principal=user)


@router.post("/matching/runs/{run_id}:swap", response_model=list[ProposalPublic])
def swap(run_id: int, body: SwapRequest, matcher: MatcherDep) -> list[MatchProposal]:
    first, second = matcher(
        matching.swap,
        first_id=body.first,
        second_id=body.second,
        run_id=run_id,
        accept_lower=body.accept_lower,
    )
    return [first, second]
