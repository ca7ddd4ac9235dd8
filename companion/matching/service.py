"""Matching runs as a coordinator uses them: propose, then approve, reject or swap.

A run only proposes. Participants never see proposals; only an approved
proposal becomes a Relationship, which is what participant-facing views read.
Only the program's coordinators may see or decide a run: to anyone else a run
or a proposal answers exactly as a missing one does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db import end_reads, fetch_page
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound
from companion.matching import fairness
from companion.matching.cohort import (
    Occupancy,
    ProfileVectors,
    load_cohort,
    occupancy,
    require_people,
    settings_of,
)
from companion.matching.engine import match_cohort
from companion.matching.meaning import of_program
from companion.matching.models import (
    MatchProposal,
    MatchRun,
    ProposalStatus,
    Relationship,
    RunStatus,
)
from companion.matching.profiles import to_profile
from companion.matching.schemas import ProposalListed, RunPayload
from companion.matching.scoring import Scorer, rule_masks
from companion.pagination import choice, contains
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs import policy
from companion.programs.models import Program
from companion.relationships import service as relationships


def run(
    *,
    session: Session,
    vectors: ProfileVectors,
    program_id: int,
    principal: Principal,
    week_of: date | None = None,
    rebalance_for: tuple[str, str, float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> MatchRun:
    """Propose a match for every mentee not yet in an active relationship.

    `rebalance_for` = (attribute, group, bonus) lifts that consented mentor
    group's ranking and assignment by `bonus` (see `rebalance`); the scores
    stored are never changed by it. `progress(n)` is told when step n starts (1:
    encoding, 2: solving, 3: saving), each time with no transaction open.
    """
    step = progress or (lambda _: None)
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    actor = actor_of(principal)
    settings = settings_of(program)
    cohort = load_cohort(session=session, program=program)
    require_people(cohort)
    # Encoding and solving take seconds: no transaction stays open across them.
    end_reads(session)
    step(1)
    mentees, mentors = cohort.mentees, cohort.mentors
    week = week_of or datetime.now(UTC).date()
    started = time.perf_counter()
    meaning = of_program(program, mentees, mentors, vectors.encode)
    encode_seconds = round(time.perf_counter() - started, 3)
    bonus = None
    if rebalance_for is not None:
        attribute, group, lift = rebalance_for
        members = set(fairness.groups_of(mentors).get(attribute, {}).get(group, []))
        bonus = [lift if j in members else 0.0 for j in range(len(mentors))]
    step(2)
    result = match_cohort(
        mentees,
        mentors,
        meaning=meaning,
        capacities=cohort.capacities,
        settings=settings,
        program_kind=str(program.kind),
        week_of=week,
        managers=cohort.managers,
        mentor_bonus=bonus,
    )
    step(3)
    match_run = MatchRun(
        program_id=program.id,
        objective=result.objective,
        settings={
            **settings.model_dump(),
            "week_of": week.isoformat(),
            # The run ranked without fit by meaning: an administrator switched it off.
            "semantic": not meaning.switched_off,
            "timings": {"encode": encode_seconds, **result.timings},
            "candidate_edges": result.candidate_edges,
            **(
                {
                    "rebalanced_for": dict(
                        zip(("attribute", "group", "bonus"), rebalance_for, strict=True)
                    )
                }
                if rebalance_for
                else {}
            ),
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
    _supersede_older(session=session, match_run=match_run, actor=actor)
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


def check_runnable(*, session: Session, program_id: int, principal: Principal) -> Program:
    """What `run` refuses before any slow work (authority, nobody to match), said now."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    require_people(load_cohort(session=session, program=program))
    return program


def _supersede_older(*, session: Session, match_run: MatchRun, actor: Actor) -> None:
    """Older runs of the program still awaiting approval stop being approvable."""
    older = session.scalars(
        select(MatchRun).where(
            MatchRun.program_id == match_run.program_id,
            MatchRun.id != match_run.id,
            MatchRun.status == RunStatus.awaiting_approval,
        )
    ).all()
    for stale in older:
        superseded = 0
        for proposal in stale.proposals:
            if proposal.status == ProposalStatus.proposed:
                proposal.status = ProposalStatus.superseded
                proposal.decided_by = actor.label
                proposal.decided_at = utcnow()
                superseded += 1
        stale.status = RunStatus.superseded
        stale.settings = {**stale.settings, "superseded_by": match_run.id}
        audit.record(
            session=session,
            actor=actor,
            action="matching.run_superseded",
            subject_type="match_run",
            subject_id=stale.id,
            program_id=stale.program_id,
            data={"superseded_by": match_run.id, "proposals": superseded},
        )
    session.flush()


def get_run(*, session: Session, run_id: int, principal: Principal) -> MatchRun:
    """The run, for a coordinator of its program; to anyone else it does not exist."""
    missing = NotFound(f"No matching run with id {run_id}.")
    match_run = session.get(MatchRun, run_id)
    if match_run is None:
        raise missing
    policy.require_coordinator_of_owner(
        program_id=match_run.program_id, principal=principal, missing=missing
    )
    return match_run


def list_runs(
    *, session: Session, program_id: int, principal: Principal, limit: int = 50, offset: int = 0
) -> tuple[list[MatchRun], int]:
    policy.coordinated_program(session=session, program_id=program_id, principal=principal)
    query = select(MatchRun).where(MatchRun.program_id == program_id)
    return fetch_page(session, query, order_by=MatchRun.id.desc(), limit=limit, offset=offset)


PROPOSAL_SORTS = {
    "score": "Best score first",
    "mentee": "Mentee's name",
    "mentor": "Mentor's name",
    "id": "Proposal number",
}


def list_proposals(
    *,
    session: Session,
    run_id: int,
    principal: Principal,
    search: str | None = None,
    status: str | None = None,
    sort: str = "score",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProposalListed], int]:
    """A page of a run's proposals, for a coordinator of its program.

    `search` keeps the proposals whose mentor's or mentee's name or id holds it (any
    case); `status` one of ProposalStatus; `sort` one of PROPOSAL_SORTS. The database
    filters, counts and cuts the page, so a run of thousands costs what a page does.
    """
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    status = choice(status, [s.value for s in ProposalStatus], field="status")
    if sort not in PROPOSAL_SORTS:
        raise InvalidInput(f"sort: choose one of {', '.join(PROPOSAL_SORTS)}.", field="sort")
    mentor, mentee = aliased(Participant), aliased(Participant)
    query = (
        select(MatchProposal)
        .join(mentor, mentor.id == MatchProposal.mentor_id)
        .join(mentee, mentee.id == MatchProposal.mentee_id)
        .where(MatchProposal.run_id == match_run.id)
    )
    if status:
        query = query.where(MatchProposal.status == ProposalStatus(status))
    if search and search.strip():
        query = query.where(
            or_(
                *(
                    contains(column, search)
                    for column in (mentor.name, mentor.external_id, mentee.name, mentee.external_id)
                )
            )
        )
    order = {
        "score": (MatchProposal.score.desc(), MatchProposal.id),
        "mentee": (mentee.name, MatchProposal.id),
        "mentor": (mentor.name, mentee.name, MatchProposal.id),
        "id": (MatchProposal.id,),
    }[sort]
    rows, total = fetch_page(session, query, order_by=order, limit=limit, offset=offset)
    people = {
        p.id: p
        for p in session.scalars(
            select(Participant).where(
                Participant.id.in_({r.mentor_id for r in rows} | {r.mentee_id for r in rows})
            )
        )
    }
    return [
        ProposalListed(
            proposal_id=r.id,
            run_id=r.run_id,
            mentor_id=people[r.mentor_id].external_id,
            mentor=people[r.mentor_id].name,
            mentee_id=people[r.mentee_id].external_id,
            mentee=people[r.mentee_id].name,
            score=r.score,
            components=r.components,
            reasons=r.reasons,
            status=str(r.status),
            decided_by=r.decided_by,
            decided_at=r.decided_at,
        )
        for r in rows
    ], total


def proposal_counts(*, session: Session, run_id: int, principal: Principal) -> dict[str, int]:
    """How many of the run's proposals are in each status (every status named, 0 if none)."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    counted = dict(
        session.execute(
            select(MatchProposal.status, func.count())
            .where(MatchProposal.run_id == match_run.id)
            .group_by(MatchProposal.status)
        ).all()
    )
    return {s.value: counted.get(s, 0) for s in ProposalStatus}


def run_header(*, session: Session, run_id: int, principal: Principal) -> RunPayload:
    """The run without its proposals (`list_proposals` pages them): status, unmatched
    mentees, fairness; what a page of a run of thousands needs besides the page."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    program = session.get(Program, match_run.program_id)
    return RunPayload.model_validate(
        {
            "run_id": match_run.id,
            "program": program.name,
            "status": str(match_run.status),
            "superseded_by": match_run.settings.get("superseded_by"),
            "matches": [],
            "unmatched": match_run.unmatched,
            "objective": match_run.objective,
            "fairness": match_run.fairness,
        }
    )


def names_in_run(*, session: Session, run: RunPayload, principal: Principal) -> dict[str, str]:
    """The names of the people a run header mentions (unmatched mentees, the mentors most
    seen), by the id they were imported with; read for those people only."""
    named = {u.get("mentee_id") for u in run.unmatched} | {
        e.get("mentor_id") for e in (run.fairness.get("exposure") or {}).get("most_exposed", [])
    }
    program_id = get_run(session=session, run_id=run.run_id, principal=principal).program_id
    return dict(
        session.execute(
            select(Participant.external_id, Participant.name).where(
                Participant.program_id == program_id,
                Participant.external_id.in_({n for n in named if n}),
            )
        ).all()
    )


def proposal_scores(*, session: Session, run_id: int, principal: Principal) -> list[float]:
    """Every proposal's score, for a chart, in one narrow query."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    return list(
        session.scalars(select(MatchProposal.score).where(MatchProposal.run_id == match_run.id))
    )


def run_payload(*, session: Session, run_id: int, principal: Principal) -> RunPayload:
    """The run as scripts read it (participant ids as imported)."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    program = session.get(Program, match_run.program_id)
    ids = {
        p.id: p.external_id
        for p in participants.all_participants(session=session, program_id=program.id)
    }
    return RunPayload.model_validate(
        {
            "run_id": match_run.id,
            "program": program.name,
            "status": str(match_run.status),
            "superseded_by": match_run.settings.get("superseded_by"),
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
    )


# --- decisions -----------------------------------------------------------------


def _proposal(session: Session, proposal_id: int, principal: Principal) -> MatchProposal:
    missing = NotFound(f"No match proposal with id {proposal_id}.")
    proposal = session.get(MatchProposal, proposal_id)
    if proposal is None:
        raise missing
    policy.require_coordinator_of_owner(
        program_id=proposal.run.program_id, principal=principal, missing=missing
    )
    return proposal


def _close_if_done(match_run: MatchRun) -> None:
    if match_run.status != RunStatus.awaiting_approval:
        return
    if all(p.status != ProposalStatus.proposed for p in match_run.proposals):
        match_run.status = RunStatus.closed


def approve(*, session: Session, proposal_id: int, principal: Principal) -> Relationship:
    """Turn a proposal into a relationship (idempotent); capacity is checked again now."""
    proposal = _proposal(session, proposal_id, principal)
    taken = occupancy(session=session, program_id=proposal.run.program_id)
    relationship = _approve(
        session=session, proposal=proposal, taken=taken, actor=actor_of(principal)
    )
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
    if proposal.status == ProposalStatus.superseded:
        newer = proposal.run.settings.get("superseded_by")
        raise Conflict(
            f"Run {proposal.run_id} was superseded by run {newer}; decide on the newer run."
        )
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


def reject(*, session: Session, proposal_id: int, principal: Principal) -> MatchProposal:
    proposal = _proposal(session, proposal_id, principal)
    actor = actor_of(principal)
    if proposal.status == ProposalStatus.rejected:
        return proposal
    if proposal.status == ProposalStatus.approved:
        raise Conflict("This proposal is already approved; end the relationship instead.")
    if proposal.status == ProposalStatus.superseded:
        raise Conflict(f"Run {proposal.run_id} was superseded; there is nothing to reject.")
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


@dataclass
class ApproveAllReport:
    """What approve-all did: every pending proposal is either approved or refused, by name."""

    approved: list[MatchProposal] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def approve_all(*, session: Session, run_id: int, principal: Principal) -> ApproveAllReport:
    """Approve every pending proposal that can be; report each refused one and why."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    actor = actor_of(principal)
    pending = [p for p in match_run.proposals if p.status == ProposalStatus.proposed]
    taken = occupancy(session=session, program_id=match_run.program_id)
    report = ApproveAllReport()
    for proposal in pending:
        try:
            _approve(session=session, proposal=proposal, taken=taken, actor=actor)
        except Conflict as refused:
            mentee = session.get(Participant, proposal.mentee_id)
            mentor = session.get(Participant, proposal.mentor_id)
            report.refused.append(
                {
                    "proposal_id": proposal.id,
                    "mentee_id": mentee.external_id,
                    "mentee": mentee.name,
                    "mentor_id": mentor.external_id,
                    "mentor": mentor.name,
                    "reason": refused.message,
                }
            )
        else:
            report.approved.append(proposal)
    _close_if_done(match_run)
    return report


def swap(
    *,
    session: Session,
    vectors: ProfileVectors,
    first_id: int,
    second_id: int,
    principal: Principal,
    run_id: int | None = None,
    accept_lower: bool = False,
) -> tuple[MatchProposal, MatchProposal]:
    """Exchange the mentors of two pending proposals of one run, re-scored and re-explained.

    A swap that lowers the two pairs' total score is refused with the drop named,
    pair by pair, unless `accept_lower` confirms it.
    """
    if run_id is not None:
        get_run(session=session, run_id=run_id, principal=principal)
    first = _proposal(session, first_id, principal)
    second = _proposal(session, second_id, principal)
    if first.run_id != second.run_id or (run_id is not None and first.run_id != run_id):
        raise InvalidInput("Only two proposals of the same run can be swapped.", field="proposals")
    if first.id == second.id:
        raise InvalidInput("Name two different proposals to swap.", field="proposals")
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
    meaning = of_program(program, mentees, mentors, vectors.encode)
    scorer.sentence_vectors = meaning.sentence_vectors
    rescored = []
    for k in range(2):
        if not scorer.can_meet(mentees[k], mentors[k]):
            raise Conflict(
                f"{mentees[k].name} and {mentors[k].name} have no weekly hours in common and do "
                "not both accept asynchronous mentoring."
            )
        cosine = float(meaning.cosine[k, k])
        parts = scorer.components(mentees[k], mentors[k], cosine)
        reasons = scorer.reasons(
            mentees[k],
            mentors[k],
            parts,
            cosine=cosine,
            not_judged=meaning.not_judged_because(k, k, mentees[k], mentors[k]),
        )
        rescored.append((parts, round(scorer.total(parts), 4), reasons))
    before = first.score + second.score
    drop = before - sum(score for _, score, _ in rescored)
    if drop > 0.00005 and not accept_lower:
        detail = "; ".join(
            f"{mentees[k].name} {proposal.score:.2f} → {rescored[k][1]:.2f}"
            for k, (proposal, _) in enumerate(new_pairs)
        )
        raise Conflict(
            f"This swap lowers the score by {drop:.2f} in total ({detail}). "
            "Confirm that you accept the lower score to save it."
        )
    for (proposal, mentor_id), (parts, score, reasons) in zip(new_pairs, rescored, strict=True):
        proposal.mentor_id = mentor_id
        proposal.components = {name: round(v, 4) for name, v in parts.items()}
        proposal.score = score
        proposal.reasons = reasons
    first.run.objective = round(
        sum(
            p.score
            for p in first.run.proposals
            if p.status in (ProposalStatus.proposed, ProposalStatus.approved)
        ),
        4,
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="matching.proposals_swapped",
        subject_type="match_run",
        subject_id=first.run_id,
        program_id=program.id,
        data={"proposals": [first.id, second.id], "score_change": round(-drop, 4)},
    )
    return first, second
