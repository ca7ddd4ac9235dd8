"""Pairing by hand: the next step for a mentee a run left unmatched or whose proposal
was rejected. The coordinator sees the mentors ranked with reasons, chooses one,
and says why; every hard rule and capacity still applies, and the choice is
recorded as an approved proposal of the run with its reasons and the note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.errors import Conflict, InvalidInput, NotFound
from companion.matching.cohort import ProfileVectors, occupancy, settings_of
from companion.matching.meaning import of_program
from companion.matching.models import MatchProposal, MatchRun, ProposalStatus, RunStatus
from companion.matching.profiles import to_profile
from companion.matching.scoring import Scorer, rule_masks
from companion.matching.service import _approve, get_run
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs.models import Program

MAX_NOTE = 500
RULES = "language, reporting line, avoid list, same manager or same department"


@dataclass
class PairingOptions:
    """The mentors a coordinator may choose for one mentee, best score first."""

    run_id: int
    mentee_id: str
    mentee: str
    options: list[dict[str, Any]] = field(default_factory=list)
    # Mentors who may not be chosen, each with the reason.
    excluded: list[dict[str, str]] = field(default_factory=list)


def _context(session: Session, run_id: int, mentee_id: str, principal: Principal):
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    if match_run.status == RunStatus.superseded:
        raise Conflict(
            f"Run {match_run.id} was superseded by run "
            f"{match_run.settings.get('superseded_by')}; pair by hand from the newer run."
        )
    rows = participants.all_participants(session=session, program_id=match_run.program_id)
    mentee = next((p for p in rows if p.external_id == mentee_id and p.is_mentee), None)
    if mentee is None:
        raise NotFound(f"No mentee {mentee_id!r} in this program.")
    taken = occupancy(session=session, program_id=match_run.program_id)
    if mentee.id in taken.paired_mentees:
        raise Conflict(f"{mentee.name} is already in an active relationship in this program.")
    pending = next(
        (
            p
            for p in match_run.proposals
            if p.mentee_id == mentee.id and p.status == ProposalStatus.proposed
        ),
        None,
    )
    if pending is not None:
        raise Conflict(
            f"{mentee.name} has a pending proposal ({pending.id}) in this run: approve or "
            "reject it first."
        )
    return match_run, rows, mentee, taken


def _score(
    session: Session,
    vectors: ProfileVectors,
    match_run: MatchRun,
    rows: list[Participant],
    mentee: Participant,
    taken,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    program = session.get(Program, match_run.program_id)
    settings = settings_of(program)
    mentor_rows = [p for p in rows if p.is_mentor and p.id != mentee.id]
    profile = to_profile(mentee)
    mentors = [to_profile(p) for p in mentor_rows]
    managers = {p.external_id: p.manager_id for p in rows}
    allowed = rule_masks([profile], mentors, settings, managers=managers).allowed[0]
    week = date.fromisoformat(
        match_run.settings.get("week_of", datetime.now(UTC).date().isoformat())
    )
    scorer = Scorer(settings, str(program.kind), week_of=week)
    meaning = of_program(program, [profile], mentors, vectors.encode)
    scorer.sentence_vectors = meaning.sentence_vectors
    options, excluded = [], []
    for j, (row, mentor) in enumerate(zip(mentor_rows, mentors, strict=True)):
        places = row.capacity - taken.mentor_load[row.id]
        why = ""
        if not allowed[j]:
            why = f"a hard rule forbids it ({RULES})"
        elif places <= 0:
            why = f"no capacity left ({row.capacity})"
        elif not scorer.can_meet(profile, mentor):
            why = "no weekly hours in common, and not both accept asynchronous mentoring"
        if why:
            excluded.append({"mentor_id": row.external_id, "mentor": row.name, "reason": why})
            continue
        cosine = float(meaning.cosine[0, j])
        parts = scorer.components(profile, mentor, cosine)
        options.append(
            {
                "mentor_id": row.external_id,
                "mentor_key": row.id,
                "mentor": row.name,
                "score": round(scorer.total(parts), 4),
                "components": {k: round(v, 4) for k, v in parts.items()},
                "reasons": scorer.reasons(
                    profile,
                    mentor,
                    parts,
                    cosine=cosine,
                    not_judged=meaning.not_judged_because(0, j, profile, mentor),
                ),
                "places_left": places,
            }
        )
    options.sort(key=lambda o: (-o["score"], o["mentor_id"]))
    return options, excluded


def pairing_options(
    *,
    session: Session,
    vectors: ProfileVectors,
    run_id: int,
    mentee_id: str,
    principal: Principal,
) -> PairingOptions:
    """Every mentor this mentee may be paired with by hand, ranked, and who may not be."""
    match_run, rows, mentee, taken = _context(session, run_id, mentee_id, principal)
    options, excluded = _score(session, vectors, match_run, rows, mentee, taken)
    return PairingOptions(match_run.id, mentee.external_id, mentee.name, options, excluded)


def pair_by_hand(
    *,
    session: Session,
    vectors: ProfileVectors,
    run_id: int,
    mentee_id: str,
    mentor_id: str,
    note: str,
    principal: Principal,
) -> MatchProposal:
    """Pair a mentee with a chosen mentor now: rules and capacity enforced, reasons kept."""
    note = " ".join(note.split())
    if not note:
        raise InvalidInput(
            "Say why you chose this mentor: the note is kept with the pair.", field="note"
        )
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is longer than {MAX_NOTE} characters.", field="note")
    match_run, rows, mentee, taken = _context(session, run_id, mentee_id, principal)
    options, excluded = _score(session, vectors, match_run, rows, mentee, taken)
    chosen = next((o for o in options if o["mentor_id"] == mentor_id), None)
    if chosen is None:
        refused = next((e for e in excluded if e["mentor_id"] == mentor_id), None)
        if refused is None:
            raise NotFound(f"No mentor {mentor_id!r} in this program.")
        raise Conflict(
            f"{mentee.name} cannot be paired with {refused['mentor']}: {refused['reason']}."
        )
    actor = actor_of(principal)
    rank = options.index(chosen) + 1
    proposal = MatchProposal(
        run_id=match_run.id,
        mentor_id=chosen["mentor_key"],
        mentee_id=mentee.id,
        score=chosen["score"],
        components=chosen["components"],
        reasons=[
            f"Paired by hand by {actor.label} (option {rank} of {len(options)}): {note}",
            *chosen["reasons"],
        ],
    )
    session.add(proposal)
    session.flush()
    match_run.unmatched = [u for u in match_run.unmatched if u.get("mentee_id") != mentee_id]
    _approve(session=session, proposal=proposal, taken=taken, actor=actor)
    audit.record(
        session=session,
        actor=actor,
        action="matching.paired_by_hand",
        subject_type="match_proposal",
        subject_id=proposal.id,
        program_id=match_run.program_id,
        data={"mentee": mentee.external_id, "mentor": mentor_id, "rank": rank, "note": note},
    )
    return proposal
