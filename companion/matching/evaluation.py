"""How well matching recovers known answers: planted pairs in a participant file.

Used by `bench/match_quality.py` and the planted-cohort tests. Nothing is
stored: the file is read with the importer's own checks and matched in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from companion.matching.config import MatchingSettings
from companion.matching.engine import MatchResult, match_cohort
from companion.matching.meaning import compare
from companion.matching.profiles import Profile
from companion.participants.importer import detect_format, parse_participants

# A Monday in January 2027, one of the reference weeks of the planted cohorts.
REFERENCE_WEEK = date(2027, 1, 11)


def profiles_from_file(data: bytes, filename: str) -> list[Profile]:
    """Everyone in a participant file as matching sees them; ValueError names each problem."""
    records, problems = parse_participants(data, format=detect_format(filename))
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    return [
        Profile(
            key=k,
            external_id=r.external_id,
            name=r.name,
            role=r.role,
            title=r.title,
            department=r.department,
            manager_id=r.manager_id,
            timezone=r.timezone,
            location=r.location,
            languages=r.languages,
            skills=r.skills,
            expertise=r.expertise,
            goals=r.goals,
            challenges=r.challenges,
            industry=r.industry,
            years_experience=r.years_experience,
            working_style=r.working_style,
            communication=r.communication,
            availability=tuple((s.day, s.start, s.end) for s in r.availability),
            capacity=r.capacity,
            avoid=r.avoid,
            gender=r.gender,
            underrepresented=r.underrepresented,
            consent_demographics=r.consent_demographics,
        )
        for k, r in enumerate(records)
    ]


@dataclass
class Recovery:
    """Planted pairs found: assigned (top-1 of the whole-cohort assignment) and top-3."""

    planted: int
    assigned: int
    top3: int
    # Planted mentor taken by another mentee of the same mentor (capacity), not a plain miss.
    lost_to_capacity: int
    result: MatchResult
    mentees: list[Profile]
    mentors: list[Profile]
    misses: list[str] = field(default_factory=list)

    def pair_of(self, mentee_id: str):
        return next((p for p in self.result.pairs if p.mentee.external_id == mentee_id), None)

    def unmatched_reason(self, mentee_id: str) -> str | None:
        return next((why for p, why in self.result.unmatched if p.external_id == mentee_id), None)


def recovery(
    people: Sequence[Profile],
    planted: Sequence[dict[str, str]],
    encode: Callable[[list[str]], np.ndarray],
    *,
    settings: MatchingSettings | None = None,
    week_of: date = REFERENCE_WEEK,
) -> Recovery:
    """Match `people` as one one-to-one cohort and count the planted pairs recovered."""
    mentees = [p for p in people if p.is_mentee]
    mentors = [p for p in people if p.is_mentor]
    settings = settings or MatchingSettings()
    result = match_cohort(
        mentees,
        mentors,
        meaning=compare(mentees, mentors, encode),
        capacities=[p.capacity for p in mentors],
        settings=settings,
        program_kind="one_on_one",
        week_of=week_of,
        managers={p.external_id: p.manager_id for p in people},
    )
    index = {p.external_id: i for i, p in enumerate(mentees)}
    assigned_to = {p.mentee.external_id: p.mentor.external_id for p in result.pairs}
    found = top3 = lost = 0
    misses = []
    for pair in planted:
        ranked = [mentors[j].external_id for j in result.ranked[index[pair["mentee"]]]]
        got = assigned_to.get(pair["mentee"])
        if got == pair["mentor"]:
            found += 1
        else:
            misses.append(f"{pair['mentee']}: planted {pair['mentor']}, proposed {got}")
            if pair["mentor"] in ranked[:1]:
                lost += 1
        top3 += pair["mentor"] in ranked[:3]
    return Recovery(
        planted=len(planted),
        assigned=found,
        top3=top3,
        lost_to_capacity=lost,
        result=result,
        mentees=mentees,
        mentors=mentors,
        misses=misses,
    )
