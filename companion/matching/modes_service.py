"""The matching modes of `modes.py` over a program's participants: read-only proposals.

Each function loads the program's participants, builds Profiles and vectors as
`service.run` does, counts places already taken by active relationships against
each mentor's capacity, and returns read models (`matching.schemas`) with participant ids as
imported. Nothing is saved and nobody is notified. Coordinators of the program
may ask for every mode; a mentee of it for their own recommendations and
shortlist; anyone in it may ask who could answer a question.

What a participant reads of a mentor here is what that mentor shares
(`profiles.shared_profile`), and it is also all they are ranked on: coordinators,
who read whole profiles in their program's lists, are the only readers of the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.matching import modes
from companion.matching.cohort import (
    Cohort,
    ProfileVectors,
    load_cohort,
    require_people,
    settings_of,
)
from companion.matching.meaning import require_semantic
from companion.matching.profiles import Profile, shared_profile, to_profile
from companion.matching.schemas import (
    AnswerersPublic,
    AssignmentPublic,
    BoardsPublic,
    CirclesPublic,
    RecommendationsPublic,
    ShortlistsPublic,
)
from companion.participants import service as participants
from companion.programs import policy
from companion.programs.models import Program


def _common(
    cohort: Cohort,
    vectors: ProfileVectors,
    program: Program,
    offers: Sequence[Profile] | None = None,
) -> dict[str, Any]:
    """The keyword arguments every mode shares (each mode ranks by meaning); the offer
    vectors are of `offers`, the mentors as the reader may see them (default: whole)."""
    require_semantic(program, "This matching mode")
    offers = cohort.mentors if offers is None else offers
    return {
        "need_vectors": vectors.encode([m.need_text() or m.name for m in cohort.mentees]),
        "offer_vectors": vectors.encode([m.offer_text() or m.name for m in offers]),
        "capacities": cohort.capacities,
        "settings": settings_of(program),
        "program_kind": str(program.kind),
        "week_of": datetime.now(UTC).date(),
        "managers": cohort.managers,
    }


def _own_mentee_ids(cohort: Cohort, principal: Principal) -> set[str]:
    """The principal's own seats as a mentee of the cohort's program."""
    return {p.external_id for p in cohort.mentee_rows if p.user_id == principal.id}


def recommendations(
    *,
    session: Session,
    vectors: ProfileVectors,
    program_id: int,
    mentee_id: str,
    principal: Principal,
    limit: int = 5,
) -> RecommendationsPublic:
    """The best mentors one mentee may choose from (self-match); a proposal only.

    A coordinator of the program may ask for any mentee, and reads the whole score and
    its reasons; a mentee only for themselves, and reads of each mentor only what that
    mentor shares, ranked on that alone (`modes.recommend_from_what_they_share`).
    """
    program = policy.readable_program(session=session, program_id=program_id, principal=principal)
    cohort = load_cohort(session=session, program=program, unpaired_only=False)
    coordinator = policy.may_coordinate(program_id=program_id, principal=principal)
    if not coordinator and mentee_id not in _own_mentee_ids(cohort, principal):
        raise PermissionDenied("You may only see your own recommendations.")
    index = next((k for k, m in enumerate(cohort.mentees) if m.external_id == mentee_id), None)
    if index is None:
        raise NotFound(f"No mentee {mentee_id!r} in this program.")
    require_people(cohort)
    if coordinator:
        found = modes.recommend_mentors(
            index, cohort.mentees, cohort.mentors, **_common(cohort, vectors, program), limit=limit
        )
    else:
        shown = [shared_profile(p) for p in cohort.mentor_rows]
        found = modes.recommend_from_what_they_share(
            index,
            cohort.mentees,
            cohort.mentors,
            shown,
            **_common(cohort, vectors, program, shown),
            limit=limit,
        )
    return RecommendationsPublic.model_validate(
        {
            "mentee_id": mentee_id,
            "recommendations": [
                {
                    "mentor_id": r.person.external_id,
                    "name": r.person.name,
                    "title": r.person.title or None,
                    "score": r.score,
                    "components": r.components,
                    "reasons": list(r.reasons),
                }
                for r in found
            ],
        }
    )


def circles(
    *, session: Session, vectors: ProfileVectors, program_id: int, principal: Principal
) -> CirclesPublic:
    """Proposed mentoring circles of unmatched mentees, each led by one mentor."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    cohort = load_cohort(session=session, program=program)
    require_people(cohort)
    plan = modes.form_circles(cohort.mentees, cohort.mentors, **_common(cohort, vectors, program))
    return CirclesPublic.model_validate(
        {
            "circles": [
                {
                    "mentor_id": c.mentor.external_id,
                    "members": [m.external_id for m in c.members],
                    "score": c.score,
                    "theme": list(c.theme),
                    "reasons": list(c.reasons),
                }
                for c in plan.circles
            ],
            "unplaced": [{"mentee_id": p.external_id, "reason": why} for p, why in plan.unplaced],
        }
    )


def speed_shortlists(
    *, session: Session, vectors: ProfileVectors, program_id: int, principal: Principal
) -> ShortlistsPublic:
    """For each unmatched mentee, the mentors to meet in a speed-mentoring round.

    Coordinators see every shortlist; a mentee of the program only their own, which is
    empty once they are matched (the cohort holds unmatched mentees only).
    """
    program = policy.readable_program(session=session, program_id=program_id, principal=principal)
    cohort = load_cohort(session=session, program=program)
    shown: set[str] | None = None
    if not policy.may_coordinate(program_id=program_id, principal=principal):
        if not accounts_policy.has_role(principal, Role.mentee, program_id):
            raise PermissionDenied("Only a coordinator or a mentee of this program may do this.")
        shown = _own_mentee_ids(cohort, principal)
    require_people(cohort)
    lists = modes.speed_shortlists(
        cohort.mentees, cohort.mentors, **_common(cohort, vectors, program)
    )
    return ShortlistsPublic.model_validate(
        {
            "shortlists": {
                cohort.mentees[i].external_id: [cohort.mentors[j].external_id for j in chosen]
                for i, chosen in lists.items()
                if shown is None or cohort.mentees[i].external_id in shown
            }
        }
    )


def speed_assignment(
    *,
    session: Session,
    program_id: int,
    mentee_ranks: Mapping[str, Sequence[str]],
    mentor_ranks: Mapping[str, Sequence[str]],
    principal: Principal,
) -> AssignmentPublic:
    """Final pairs after a speed round from both sides' rankings (stable, mentee-optimal)."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    cohort = load_cohort(session=session, program=program)
    mentee_index = {m.external_id: k for k, m in enumerate(cohort.mentees)}
    mentor_index = {m.external_id: k for k, m in enumerate(cohort.mentors)}
    unknown_mentees = sorted(
        {i for i in mentee_ranks if i not in mentee_index}
        | {i for order in mentor_ranks.values() for i in order if i not in mentee_index}
    )
    unknown_mentors = sorted(
        {j for j in mentor_ranks if j not in mentor_index}
        | {j for order in mentee_ranks.values() for j in order if j not in mentor_index}
    )
    if unknown_mentees or unknown_mentors:
        details = [
            {"field": "mentee", "message": f"Unknown or already matched mentee {i!r}."}
            for i in unknown_mentees
        ] + [{"field": "mentor", "message": f"Unknown mentor {j!r}."} for j in unknown_mentors]
        named = ", ".join([*unknown_mentees, *unknown_mentors])
        raise InvalidInput(
            f"These ids are not unmatched mentees or mentors of this program: {named}.",
            details=details,
        )
    pairs = modes.assign_from_preferences(
        {mentee_index[i]: [mentor_index[j] for j in order] for i, order in mentee_ranks.items()},
        {mentor_index[j]: [mentee_index[i] for i in order] for j, order in mentor_ranks.items()},
        cohort.capacities,
    )
    return AssignmentPublic.model_validate(
        {
            "assignment": [
                {
                    "mentee_id": cohort.mentees[i].external_id,
                    "mentor_id": cohort.mentors[j].external_id,
                }
                for i, j in pairs
            ]
        }
    )


def advisory_boards(
    *, session: Session, vectors: ProfileVectors, program_id: int, principal: Principal
) -> BoardsPublic:
    """For each unmatched mentee, a board of mentors each covering a different need."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    cohort = load_cohort(session=session, program=program)
    require_people(cohort)
    boards = modes.advisory_boards(
        cohort.mentees,
        cohort.mentors,
        **_common(cohort, vectors, program),
        encode=vectors.encode,
    )
    return BoardsPublic.model_validate(
        {
            "boards": [
                {
                    "mentee_id": b.mentee.external_id,
                    "seats": [
                        {
                            "need": s.need,
                            "mentor_id": s.mentor.external_id,
                            "similarity": s.similarity,
                            "reason": s.reason,
                        }
                        for s in b.seats
                    ],
                    "notes": list(b.notes),
                }
                for b in boards
            ]
        }
    )


def ask(
    *,
    session: Session,
    vectors: ProfileVectors,
    program_id: int,
    question: str,
    principal: Principal,
    limit: int = 3,
) -> AnswerersPublic:
    """The few mentors of the program best placed to answer a question now (never the asker).

    Whoever asks, coordinators too, reads of each mentor only what that mentor shares
    (`profiles.shared_profile`), and mentors are ranked on that alone: the expertise
    they share. Someone who shares none is not suggested; mentees never are.
    """
    program = policy.readable_program(session=session, program_id=program_id, principal=principal)
    question = question.strip()
    if not question:
        raise InvalidInput(
            "Write a question to ask.",
            details=[{"field": "question", "message": "The question is empty."}],
        )
    require_semantic(program, "Finding people to ask")
    rows = participants.all_participants(session=session, program_id=program.id)
    people = [to_profile(p) for p in rows]
    asker = next(
        (
            profile
            for row, profile in zip(rows, people, strict=True)
            if principal.id is not None and row.user_id == principal.id
        ),
        None,
    )
    # Everyone stays in `people` for the rules (a reporting line may run through anyone);
    # each is ranked and shown as the asker may read them, and a deactivated account
    # offers nothing to ask.
    active = {
        p.id for p in participants.matchable_participants(session=session, program_id=program.id)
    }
    shown = [
        shared_profile(row)
        if row.id in active
        else Profile(key=row.id, external_id=row.external_id, name=row.name, role=row.role)
        for row in rows
    ]
    offer_vectors = vectors.encode([p.offer_text() or p.name for p in shown]) if shown else []
    found = modes.mentors_of_the_moment(
        question,
        vectors.encoder.encode([question])[0],  # not cached: questions are not profiles
        people,
        offer_vectors,
        asker=asker,
        shown=shown,
        limit=limit,
    )
    return AnswerersPublic.model_validate(
        {
            "question": question,
            "people": [
                {
                    "id": r.person.external_id,
                    "name": r.person.name,
                    "title": r.person.title or None,
                    "score": r.score,
                    "reasons": list(r.reasons),
                }
                for r in found
            ],
        }
    )
