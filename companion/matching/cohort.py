"""What matching reads of a program: its cohort, the places left, and profile vectors.

Building blocks of the matching services, which check the principal's
authority on the program before they call any of these.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.errors import InvalidInput
from companion.matching.config import MatchingSettings
from companion.matching.models import Relationship
from companion.matching.profiles import Profile, to_profile
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships.models import MemberRole, RelationshipMember, RelationshipStatus

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from embeddings import Encoder, LocalStore, VectorIndex

    Store = ClientAPI | LocalStore

PROFILE_COLLECTION = "profile-texts"


class ProfileVectors:
    """Need and offer texts to vectors, stored by content hash across runs."""

    def __init__(self, encoder: Encoder, chroma: Store | Callable[[], Store]) -> None:
        self.encoder = encoder
        self._chroma = chroma
        self._index: VectorIndex | None = None

    @property
    def index(self) -> VectorIndex:
        # Opening the collection needs the model's dimension, i.e. loading it, and
        # a callable `chroma` opens the store itself: only when a vector is needed.
        if self._index is None:
            from embeddings import VectorIndex

            chroma = self._chroma() if callable(self._chroma) else self._chroma
            self._index = VectorIndex.for_encoder(chroma, PROFILE_COLLECTION, self.encoder)
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
    """Mentees (by default only those not yet paired) and mentors with their places left;
    nobody whose account is deactivated."""
    people = participants.matchable_participants(session=session, program_id=program.id)
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
        raise InvalidInput(
            "There are no unmatched mentees in this program: import some first.", field="mentees"
        )
    if not cohort.mentors:
        raise InvalidInput(
            "There are no mentors in this program: import some first.", field="mentors"
        )
