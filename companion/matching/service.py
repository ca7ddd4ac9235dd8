"""Matching runs as a coordinator uses them: propose, then approve, reject or swap.

A run only proposes. Participants never see proposals; only an approved
proposal becomes a Relationship, which is what participant-facing views read.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db import fetch_page
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound
from companion.matching.config import MatchingSettings
from companion.matching.engine import match_cohort
from companion.matching.models import (
    MatchProposal,
    MatchRun,
    ProposalStatus,
    Relationship,
    RunStatus,
)
from companion.matching.profiles import Profile, to_profile
from companion.matching.scoring import Scorer, rule_masks
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import MemberRole, RelationshipMember, RelationshipStatus

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from embeddings import Encoder, VectorIndex

PROFILE_COLLECTION = "profile-texts"


class ProfileVectors:
    """Need and offer texts to vectors, stored by content hash across runs."""

    def __init__(self, encoder: Encoder, chroma: ClientAPI) -> None:
        self.encoder = encoder
        self._chroma = chroma
        self._index: VectorIndex | None = None

    @property
    def index(self) -> VectorIndex:
        # Opening the collection needs the model's dimension, i.e. loading it:
        # only do that when a vector is actually needed.
        if self._index is None:
            from embeddings import VectorIndex

            self._index = VectorIndex.for_encoder(self._chroma, PROFILE_COLLECTION, self.encoder)
        return self._index

    def encode(self, texts: list[str]) -> np.ndarray:
        from embeddings import encode_cached

        return encode_cached(self.encoder, self.index, texts)


def settings_of(program: Program) -> MatchingSettings:
    return MatchingSettings.model_validate(program.matching or {})


@dataclass
class Occupancy:
    """Who is already in an active relationship of a program, read once."""

    paired_mentees: set[int]
    mentor_load: Counter[int]

    def take(self, *, mentor_id: int, mentee_id: int) -> None:
        self.paired_mentees.add(mentee_id)
        self.mentor_load[mentor_id] += 1


def occupancy(*, session: Session, program_id: int) -> Occupancy:
    """Mentees in an open (active or paused) pair or circle, and each mentor's load."""
    rows = session.execute(
        select(RelationshipMember.participant_id, RelationshipMember.role)
        .join(Relationship, Relationship.id == RelationshipMember.relationship_id)
        .where(
            Relationship.program_id == program_id,
            Relationship.status.in_([RelationshipStatus.active, RelationshipStatus.paused]),
        )
    ).all()
    return Occupancy(
        {pid for pid, role in rows if role == MemberRole.mentee},
        Counter(pid for pid, role in rows if role == MemberRole.mentor),
    )


@dataclass
class Cohort:
    """A program's mentees and mentors as matching sees them, with places left."""

    mentee_rows: list[Participant]
    mentor_rows: list[Participant]
    mentees: list[Profile]
    mentors: list[Profile]
    capacities: list[int]
    # Everyone's manager, so a reporting line through someone outside the cohort counts.
    managers: dict[str, str | None]


def load_cohort(*, session: Session, program: Program, unpaired_only: bool = True) -> Cohort:
    """Mentees (by default only those not yet paired) and mentors with their places left."""
    people = participants.all_participants(session=session, program_id=program.id)
    taken = occupancy(session=session, program_id=program.id)
    mentee_rows = [
        p for p in people if p.is_mentee and not (unpaired_only and p.id in taken.paired_mentees)
    ]
    mentor_rows = [p for p in people if p.is_mentor]
    return Cohort(
        mentee_rows=mentee_rows,
        mentor_rows=mentor_rows,
        mentees=[to_profile(p) for p in mentee_rows],
        mentors=[to_profile(p) for p in mentor_rows],
        capacities=[max(0, p.capacity - taken.mentor_load[p.id]) for p in mentor_rows],
        managers={p.external_id: p.manager_id for p in people},
    )


def require_people(cohort: Cohort, *, need_mentees: bool = True) -> None:
    if need_mentees and not cohort.mentees:
        raise InvalidInput("There are no unmatched mentees in this program: import some first.")
    if not cohort.mentors:
        raise InvalidInput("There are no mentors in this program: import some first.")


def run(
    *,
    session: Session,
    vectors: ProfileVectors,
    program: Program,
    actor: Actor,
    week_of: date | None = None,
) -> MatchRun:
    """Propose a match for every mentee not yet in an active relationship."""
    settings = settings_of(program)
    cohort = load_cohort(session=session, program=program)
    require_people(cohort)
    mentees, mentors = cohort.mentees, cohort.mentors
    week = week_of or datetime.now(UTC).date()
    started = time.perf_counter()
    need_vectors = vectors.encode([m.need_text() or m.name for m in mentees])
    offer_vectors = vectors.encode([m.offer_text() or m.name for m in mentors])
    encode_seconds = round(time.perf_counter() - started, 3)
    result = match_cohort(
        mentees,
        mentors,
        need_vectors=need_vectors,
        offer_vectors=offer_vectors,
        capacities=cohort.capacities,
        settings=settings,
        program_kind=str(program.kind),
        week_of=week,
        encode=vectors.encoder.encode,
        managers=cohort.managers,
    )
    match_run = MatchRun(
        program_id=program.id,
        objective=result.objective,
        settings={
            **settings.model_dump(),
            "week_of": week.isoformat(),
            "timings": {"encode": encode_seconds, **result.timings},
            "candidate_edges": result.candidate_edges,
        },
        unmatched=[{"mentee_id": p.external_id, "reason": why} for p, why in result.unmatched],
        fairness=result.fairness,
        created_by=actor.label,
        # A run that proposes nobody has nothing to decide.
        status=RunStatus.awaiting_approval if result.pairs else RunStatus.closed,
    )
    session.add(match_run)
    session.flush()
    for pair in result.pairs:
        session.add(
            MatchProposal(
                run_id=match_run.id,
                mentor_id=pair.mentor.key,
                mentee_id=pair.mentee.key,
                score=pair.score,
                components=pair.components,
                reasons=pair.reasons,
            )
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="matching.run_created",
        subject_type="match_run",
        subject_id=match_run.id,
        program_id=program.id,
        data={
            "proposals": len(result.pairs),
            "unmatched": len(result.unmatched),
            "objective": result.objective,
        },
    )
    return match_run


def get_run(*, session: Session, run_id: int) -> MatchRun:
    match_run = session.get(MatchRun, run_id)
    if match_run is None:
        raise NotFound(f"No matching run with id {run_id}.")
    return match_run


def list_runs(
    *, session: Session, program_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[MatchRun], int]:

    query = select(MatchRun).where(MatchRun.program_id == program_id)
    return fetch_page(session, query, order_by=MatchRun.id.desc(), limit=limit, offset=offset)


def run_payload(*, session: Session, match_run: MatchRun, program: Program) -> dict[str, Any]:
    """The run as scripts read it (participant ids as imported)."""
    ids = {
        p.id: p.external_id
        for p in participants.all_participants(session=session, program_id=program.id)
    }
    return {
        "run_id": match_run.id,
        "program": program.name,
        "status": str(match_run.status),
        "matches": [
            {
                "proposal_id": p.id,
                "mentor_id": ids.get(p.mentor_id),
                "mentee_id": ids.get(p.mentee_id),
                "score": p.score,
                "reasons": p.reasons,
                "components": p.components,
                "status": str(p.status),
            }
            for p in match_run.proposals
        ],
        "unmatched": match_run.unmatched,
        "objective": match_run.objective,
        "fairness": match_run.fairness,
    }


# --- decisions -----------------------------------------------------------------


def _proposal(session: Session, proposal_id: int) -> MatchProposal:
    proposal = session.get(MatchProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"No match proposal with id {proposal_id}.")
    return proposal


def _close_if_done(match_run: MatchRun) -> None:
    if all(p.status != ProposalStatus.proposed for p in match_run.proposals):
        match_run.status = RunStatus.closed


def approve(*, session: Session, proposal_id: int, actor: Actor) -> Relationship:
    """Turn a proposal into a relationship (idempotent); capacity is checked again now."""
    proposal = _proposal(session, proposal_id)
    taken = occupancy(session=session, program_id=proposal.run.program_id)
    relationship = _approve(session=session, proposal=proposal, taken=taken, actor=actor)
    _close_if_done(proposal.run)
    return relationship


def _approve(
    *, session: Session, proposal: MatchProposal, taken: Occupancy, actor: Actor
) -> Relationship:
    if proposal.status == ProposalStatus.approved:
        existing = session.scalars(
            select(Relationship).where(Relationship.proposal_id == proposal.id)
        ).first()
        if existing is not None:
            return existing
    if proposal.status == ProposalStatus.rejected:
        raise Conflict("This proposal was rejected; run matching again to propose anew.")
    program_id = proposal.run.program_id
    if proposal.mentee_id in taken.paired_mentees:
        raise Conflict("This mentee is already in an active relationship in this program.")
    mentor = session.get(Participant, proposal.mentor_id)
    if taken.mentor_load[proposal.mentor_id] >= mentor.capacity:
        raise Conflict(f"{mentor.name} has no capacity left ({mentor.capacity}).")
    proposal.status = ProposalStatus.approved
    proposal.decided_by = actor.label
    proposal.decided_at = utcnow()
    relationship = relationships.create_pair(
        session=session,
        program=session.get(Program, program_id),
        mentor_id=proposal.mentor_id,
        mentee_id=proposal.mentee_id,
        proposal_id=proposal.id,
    )
    taken.take(mentor_id=proposal.mentor_id, mentee_id=proposal.mentee_id)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="matching.proposal_approved",
        subject_type="match_proposal",
        subject_id=proposal.id,
        program_id=program_id,
        data={"relationship_id": relationship.id, "score": proposal.score},
    )
    return relationship


def reject(*, session: Session, proposal_id: int, actor: Actor) -> MatchProposal:
    proposal = _proposal(session, proposal_id)
    if proposal.status == ProposalStatus.rejected:
        return proposal
    if proposal.status == ProposalStatus.approved:
        raise Conflict("This proposal is already approved; end the relationship instead.")
    proposal.status = ProposalStatus.rejected
    proposal.decided_by = actor.label
    proposal.decided_at = utcnow()
    _close_if_done(proposal.run)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="matching.proposal_rejected",
        subject_type="match_proposal",
        subject_id=proposal.id,
        program_id=proposal.run.program_id,
    )
    return proposal


def approve_all(*, session: Session, run_id: int, actor: Actor) -> int:
    match_run = get_run(session=session, run_id=run_id)
    pending = [p for p in match_run.proposals if p.status == ProposalStatus.proposed]
    taken = occupancy(session=session, program_id=match_run.program_id)
    for proposal in pending:
        _approve(session=session, proposal=proposal, taken=taken, actor=actor)
    _close_if_done(match_run)
    return len(pending)


def swap(
    *,
    session: Session,
    vectors: ProfileVectors,
    first_id: int,
    second_id: int,
    actor: Actor,
    run_id: int | None = None,
) -> tuple[MatchProposal, MatchProposal]:
    """Exchange the mentors of two pending proposals of one run, re-scored and re-explained."""
    first, second = _proposal(session, first_id), _proposal(session, second_id)
    if first.run_id != second.run_id or (run_id is not None and first.run_id != run_id):
        raise InvalidInput("Only two proposals of the same run can be swapped.")
    if first.id == second.id:
        raise InvalidInput("Name two different proposals to swap.")
    for proposal in (first, second):
        if proposal.status != ProposalStatus.proposed:
            raise Conflict(f"Proposal {proposal.id} is already {proposal.status}.")
    program = session.get(Program, first.run.program_id)
    settings = settings_of(program)
    rows = {p.id: p for p in participants.all_participants(session=session, program_id=program.id)}
    new_pairs = [(first, second.mentor_id), (second, first.mentor_id)]
    mentees = [to_profile(rows[p.mentee_id]) for p, _ in new_pairs]
    mentors = [to_profile(rows[m]) for _, m in new_pairs]
    managers = {p.external_id: p.manager_id for p in rows.values()}
    masks = rule_masks(mentees, mentors, settings, managers=managers)
    for k in range(2):
        if not masks.allowed[k, k]:
            raise Conflict(
                f"{mentees[k].name} cannot be paired with {mentors[k].name}: a hard rule "
                "(language, reporting line, avoid list, same manager or department) forbids it."
            )
    week = date.fromisoformat(
        first.run.settings.get("week_of", datetime.now(UTC).date().isoformat())
    )
    scorer = Scorer(settings, str(program.kind), week_of=week)
    need = vectors.encode([m.need_text() or m.name for m in mentees])
    offer = vectors.encode([m.offer_text() or m.name for m in mentors])
    for k, (proposal, mentor_id) in enumerate(new_pairs):
        parts = scorer.components(mentees[k], mentors[k], float(need[k] @ offer[k]))
        proposal.mentor_id = mentor_id
        proposal.components = {name: round(v, 4) for name, v in parts.items()}
        proposal.score = round(scorer.total(parts), 4)
        proposal.reasons = scorer.reasons(mentees[k], mentors[k], parts)
    first.run.objective = round(
        sum(p.score for p in first.run.proposals if p.status != ProposalStatus.rejected), 4
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="matching.proposals_swapped",
        subject_type="match_run",
        subject_id=first.run_id,
        program_id=program.id,
        data={"proposals": [first.id, second.id]},
    )
    return first, second


def program_of_proposal(session: Session, proposal_id: int) -> int:
    return _proposal(session, proposal_id).run.program_id
