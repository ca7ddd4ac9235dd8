"""Match a whole cohort at once: rules, candidates, scores, optimum, reasons, fairness."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from companion.matching import fairness
from companion.matching.config import MatchingSettings
from companion.matching.profiles import Profile
from companion.matching.scoring import Scorer, candidate_pairs, rule_masks, sentences
from companion.matching.solver import Edge, solve

EXPLAIN_SENTENCES = 3000


@dataclass(frozen=True)
class PairResult:
    mentee: Profile
    mentor: Profile
    score: float
    components: dict[str, float]
    reasons: list[str]


@dataclass
class MatchResult:
    pairs: list[PairResult]
    unmatched: list[tuple[Profile, str]]
    objective: float
    fairness: dict
    timings: dict[str, float] = field(default_factory=dict)
    candidate_edges: int = 0


def match_cohort(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    managers: Mapping[str, str | None] | None = None,
) -> MatchResult:
    """Assign mentees to mentors maximising the total score under every hard rule.

    With `encode`, reasons quote the need and offer sentences closest in meaning
    (for cohorts whose chosen pairs have at most EXPLAIN_SENTENCES distinct
    sentences; beyond that, encoding them would dominate the run).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    masks = rule_masks(mentees, mentors, settings, managers=managers)
    allowed = masks.allowed & (np.asarray(capacities) > 0)[None, :]
    lap("rules")
    semantic = (
        need_vectors @ offer_vectors.T
        if len(mentees) and len(mentors)
        else np.zeros((len(mentees), len(mentors)), dtype=np.float32)
    )
    candidates = candidate_pairs(semantic, allowed, settings.rules.candidates_per_mentee)
    lap("candidates")
    scorer = Scorer(settings, program_kind, week_of=week_of)
    edges: list[Edge] = []
    components: dict[tuple[int, int], dict[str, float]] = {}
    top5: list[list[int]] = []
    for i, chosen in enumerate(candidates):
        scored = []
        for j in chosen.tolist():
            parts = scorer.components(mentees[i], mentors[j], float(semantic[i, j]))
            total = scorer.total(parts)
            components[(i, j)] = parts
            edges.append(Edge(i, j, total))
            scored.append((total, j))
        top5.append([j for _, j in sorted(scored, key=lambda s: (-s[0], s[1]))[:5]])
    lap("scoring")
    chosen_edges = solve(
        len(mentees),
        list(capacities),
        edges,
        maximise_matched_first=settings.rules.maximise_matched_first,
    )
    lap("solve")
    if encode is not None:
        texts = sorted(
            {
                sentence
                for e in chosen_edges
                for sentence in (
                    *sentences(mentees[e.mentee].quoted_need()),
                    *sentences(mentors[e.mentor].quoted_offer()),
                )
            }
        )
        if texts and len(texts) <= EXPLAIN_SENTENCES:
            scorer.sentence_vectors = dict(zip(texts, encode(texts), strict=True))
    pairs = [
        PairResult(
            mentee=mentees[e.mentee],
            mentor=mentors[e.mentor],
            score=round(e.score, 4),
            components={k: round(v, 4) for k, v in components[(e.mentee, e.mentor)].items()},
            reasons=scorer.reasons(
                mentees[e.mentee], mentors[e.mentor], components[(e.mentee, e.mentor)]
            ),
        )
        for e in chosen_edges
    ]
    matched = {e.mentee for e in chosen_edges}
    unmatched = [
        (mentees[i], unmatched_reason(i, mentees[i], masks, allowed, capacities))
        for i in range(len(mentees))
        if i not in matched
    ]
    lap("explain")
    load = np.zeros(len(mentors), dtype=int)
    for e in chosen_edges:
        load[e.mentor] += 1
    report = fairness.report(
        mentees=mentees,
        mentors=mentors,
        capacities=capacities,
        matched_score={e.mentee: e.score for e in chosen_edges},
        mentor_load=load.tolist(),
        top5=top5,
    )
    lap("fairness")
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        objective=round(sum(e.score for e in chosen_edges), 4),
        fairness=report,
        timings=timings,
        candidate_edges=len(edges),
    )


def unmatched_reason(
    i: int, mentee: Profile, masks, allowed: np.ndarray, capacities: Sequence[int]
) -> str:
    """Why a mentee got nobody, in the order a coordinator would check."""
    if not any(c > 0 for c in capacities):
        return "No mentor has capacity left in this program."
    if not masks.language[i].any():
        spoken = ", ".join(mentee.languages) or "no language listed"
        return f"No mentor shares a language with {mentee.name} ({spoken})."
    if not allowed[i].any():
        blocked = {
            "reporting line": int((masks.language[i] & ~masks.reporting[i]).sum()),
            "avoid list": int((masks.language[i] & ~masks.avoid[i]).sum()),
            "same manager": int((masks.language[i] & ~masks.same_manager[i]).sum()),
            "same department": int((masks.language[i] & ~masks.department[i]).sum()),
        }
        named = ", ".join(f"{rule} ({count})" for rule, count in blocked.items() if count)
        if named:
            return f"Every mentor who shares a language is excluded by a rule: {named}."
        return "Every mentor who shares a language is already at capacity."
    suitable = int(allowed[i].sum())
    return (
        f"All {suitable} suitable mentors are at capacity: they went to mentees for whom "
        "they scored higher overall."
    )
