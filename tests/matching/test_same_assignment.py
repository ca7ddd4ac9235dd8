"""Speed work on scoring must not move a single proposal: same pairs, scores, reasons.

The expected result was recorded from the engine before its scoring loop was made
faster (`python -m tests.matching.test_same_assignment` writes it again, for a
deliberate change of matching's semantics only). No model is needed: meaning comes
from fixed random vectors, a few mentees' from nowhere (not judged).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from pathlib import Path

import numpy as np

from companion.matching.config import MatchingSettings
from companion.matching.engine import match_cohort
from companion.matching.meaning import Meaning
from companion.matching.profiles import Profile

EXPECTED = Path(__file__).parent / "data" / "same_assignment.json"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]
SKILLS = ["python", "sql", "negotiation", "Public Speaking", "budgeting", "hiring", "design"]
STYLES = [
    "I like structured sessions with a clear agenda",
    "I prefer informal conversations and thinking out loud",
    "Written notes between sessions help me reflect",
    "",
]
INDUSTRIES = ["software", "Health", "finance", ""]
GOALS = [
    "I want to lead a team. I find delegation hard.",
    "I want to present to senior leaders without freezing.",
    "Switch into product management within a year.",
    "",
]
OFFERS = [
    "I coached new team leads. I help people delegate.",
    "I present to boards and teach people to stay calm.",
    "I moved from support into product management.",
    "",
]


def cohort(seed: int = 11) -> tuple[list[Profile], list[Profile]]:
    rng = random.Random(seed)

    def person(key: int, role: str) -> Profile:
        slots = tuple(
            (day, start * 60, (start + rng.randint(1, 3)) * 60)
            for day in sorted(rng.sample(range(5), rng.randint(0, 2)))
            for start in [rng.randint(7, 16)]
        )
        years = rng.choice([None, *range(0, 25)])
        return Profile(
            key=key,
            external_id=f"{role[0].upper()}{key}",
            name=f"{role.title()} {key}",
            role=role,
            timezone=rng.choice(ZONES),
            languages=("english",),
            skills=tuple(rng.sample(SKILLS, rng.randint(0, 3))),
            expertise=rng.choice(OFFERS) if role == "mentor" else "",
            goals=rng.choice(GOALS) if role == "mentee" else "",
            industry=rng.choice(INDUSTRIES),
            years_experience=None if years is None else float(years),
            working_style=rng.choice(STYLES),
            communication=tuple(rng.sample(["video", "chat", "async"], rng.randint(0, 2))),
            availability=slots,
            capacity=rng.randint(0, 3) if role == "mentor" else 0,
        )

    mentees = [person(k, "mentee") for k in range(90)]
    mentors = [person(1000 + k, "mentor") for k in range(25)]
    return mentees, mentors


def result_of(kind: str) -> list[dict]:
    mentees, mentors = cohort()
    rng = np.random.default_rng(3)
    need = rng.normal(size=(len(mentees), 16))
    offer = rng.normal(size=(len(mentors), 16))
    need /= np.linalg.norm(need, axis=1, keepdims=True)
    offer /= np.linalg.norm(offer, axis=1, keepdims=True)
    cosine = (need @ offer.T).astype(np.float32)
    cosine[::9] = np.nan  # mentees whose meaning was not judged
    result = match_cohort(
        mentees,
        mentors,
        meaning=Meaning(cosine),
        capacities=[m.capacity for m in mentors],
        settings=MatchingSettings(),
        program_kind=kind,
        week_of=date(2026, 11, 23),
    )
    pairs = [
        {
            "mentee": p.mentee.external_id,
            "mentor": p.mentor.external_id,
            "score": p.score,
            "components": p.components,
            "reasons": p.reasons,
        }
        for p in result.pairs
    ]
    unmatched = [{"mentee": p.external_id, "reason": why} for p, why in result.unmatched]
    # Every scored candidate, unrounded: a change in the last digits shows here first.
    scored = {"pairs": len(result.scores), "sum": round(sum(result.scores.values()), 10)}
    head = {"kind": kind, "objective": round(result.objective, 6), "scored": scored}
    return [head, *pairs, *unmatched]


KINDS = ("one_on_one", "peer", "reverse")


def test_the_same_pairs_scores_and_reasons_as_recorded() -> None:
    expected = json.loads(EXPECTED.read_text())
    for kind in KINDS:
        got = json.loads(json.dumps(result_of(kind)))
        assert len([p for p in got if "mentor" in p]) > 20, "the cohort must pair people"
        assert got == expected[kind]


if __name__ == "__main__" and sys.argv[1:] == []:
    EXPECTED.write_text(json.dumps({k: result_of(k) for k in KINDS}, indent=1) + "\n")
