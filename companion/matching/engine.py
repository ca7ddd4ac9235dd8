"""Match a whole cohort at once: rules, candidates, scores, optimum, reasons, fairness."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from companion.matching import fairness
from companion.matching.config import MatchingSettings
from companion.matching.meaning import Meaning, compare
from companion.matching.profiles import Profile
from companion.matching.scoring import (
    CLEAR_FIT,
    CLEAR_MARGIN,
    FEW_HOURS,
    NEUTRAL,
    SEMANTIC_FLOOR,
    SEMANTIC_SPAN,
    Scorer,
    accepts_async,
    candidate_pairs,
    rule_masks,
)
from companion.matching.solver import Edge, solve

# A clear fit's edge earns this much extra in the solver only (never in the
# reported score): more than any difference of two scores in [0, 1], so no
# mix of logistics elsewhere can trade that mentor away. Two mentees who both
# clearly need one mentor with one place still compete on their scores.
CLEAR_FIT_PRIORITY = 1.0


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
    # mentee index -> mentor indexes, best score first (at most RANKED_KEPT).
    ranked: list[list[int]] = field(default_factory=list)
    # (mentee index, mentor index) -> total score, for every scored candidate pair.
    scores: dict[tuple[int, int], float] = field(default_factory=dict)


RANKED_KEPT = 10


def match_cohort(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    meaning: Meaning | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    need_vectors: np.ndarray | None = None,
    offer_vectors: np.ndarray | None = None,
    managers: Mapping[str, str | None] | None = None,
    mentor_bonus: Sequence[float] | None = None,
) -> MatchResult:
    """Assign mentees to mentors maximising the total score under every hard rule.

    Meaning comes from `meaning` if given, else from sentence vectors made with
    `encode` (`meaning.compare`), else from one vector per person
    (`need_vectors @ offer_vectors.T`, for callers that have only those).
    `mentor_bonus` adds to every edge of a mentor in the solver only: the
    exposure re-balance uses it; reported scores never include it.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    n, m = len(mentees), len(mentors)
    if meaning is None:
        if encode is not None:
            meaning = compare(mentees, mentors, encode)
        elif need_vectors is not None and offer_vectors is not None and min(n, m):
            meaning = Meaning(np.asarray(need_vectors @ offer_vectors.T, dtype=np.float32))
        else:
            meaning = Meaning(np.full((n, m), np.nan, dtype=np.float32))
    lap("meaning")
    masks = rule_masks(mentees, mentors, settings, managers=managers)
    scorer = Scorer(settings, program_kind, week_of=week_of)
    by_rules = masks.allowed & (np.asarray(capacities) > 0)[None, :]
    # Candidates come only from pairs who can meet, so that a mentee's nearest
    # mentors by meaning are not all people they share no hour with.
    allowed = by_rules & scorer.meet_mask(mentees, mentors)
    lap("rules")
    cosine = meaning.cosine
    # A pair not judged by meaning ranks as a neutral one among the candidates.
    ranking = np.nan_to_num(cosine, nan=SEMANTIC_FLOOR + SEMANTIC_SPAN * NEUTRAL)
    candidates = candidate_pairs(ranking, allowed, settings.rules.candidates_per_mentee)
    lap("candidates")
    scorer.sentence_vectors = meaning.sentence_vectors
    edges: list[Edge] = []
    components: dict[tuple[int, int], dict[str, float]] = {}
    scores: dict[tuple[int, int], float] = {}
    ranked: list[list[int]] = []
    cannot_meet = np.zeros(len(mentees), dtype=int)
    clear: dict[int, int] = {}
    bonus = list(mentor_bonus) if mentor_bonus is not None else [0.0] * len(mentors)
    for i, chosen in enumerate(candidates):
        scored = []
        fit = clear_fit(cosine[i], by_rules[i])
        for j in chosen.tolist():
            if not scorer.can_meet(mentees[i], mentors[j]):
                cannot_meet[i] += 1
                continue
            parts = scorer.components(mentees[i], mentors[j], float(cosine[i, j]))
            total = scorer.total(parts)
            components[(i, j)] = parts
            scores[(i, j)] = total
            priority = bonus[j]
            if j == fit and adequate_hours(scorer, mentees[i], mentors[j]):
                clear[i] = j
                priority += CLEAR_FIT_PRIORITY
            edges.append(Edge(i, j, total, priority))
            # The shortlist order includes a re-balance bonus: exposure is what it moves.
            scored.append((total + bonus[j], j))
        ranked.append([j for _, j in sorted(scored, key=lambda s: (-s[0], s[1]))[:RANKED_KEPT]])
    lap("scoring")
    chosen_edges = solve(
        len(mentees),
        list(capacities),
        edges,
        maximise_matched_first=settings.rules.maximise_matched_first,
    )
    lap("solve")
    pairs = [
        PairResult(
            mentee=mentees[e.mentee],
            mentor=mentors[e.mentor],
            score=round(e.score, 4),
            components={k: round(v, 4) for k, v in components[(e.mentee, e.mentor)].items()},
            reasons=scorer.reasons(
                mentees[e.mentee],
                mentors[e.mentor],
                components[(e.mentee, e.mentor)],
                cosine=float(cosine[e.mentee, e.mentor]),
                not_judged=meaning.not_judged_because(
                    e.mentee, e.mentor, mentees[e.mentee], mentors[e.mentor]
                ),
                clear_fit=clear.get(e.mentee) == e.mentor,
            ),
        )
        for e in chosen_edges
    ]
    matched = {e.mentee for e in chosen_edges}
    unmatched = [
        (
            mentees[i],
            unmatched_reason(
                i,
                mentees[i],
                masks,
                by_rules,
                capacities,
                cannot_meet=bool(by_rules[i].any())
                and (not allowed[i].any() or cannot_meet[i] == len(candidates[i])),
            ),
        )
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
        top5=[row[:5] for row in ranked],
    )
    lap("fairness")
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        objective=round(sum(e.score for e in chosen_edges), 4),
        fairness=report,
        timings=timings,
        candidate_edges=len(edges),
        ranked=ranked,
        scores=scores,
    )


def clear_fit(cosine_row: np.ndarray, allowed_row: np.ndarray) -> int | None:
    """The mentor index that is clearly the best fit by meaning for one mentee, if any."""
    judged = np.where(allowed_row & np.isfinite(cosine_row), cosine_row, -np.inf)
    # Clearly ahead of others needs others: with one possible mentor there is no choice.
    if np.isfinite(judged).sum() < 2:
        return None
    order = np.argsort(-judged, kind="stable")
    best, second = float(judged[order[0]]), float(judged[order[1]])
    if best >= CLEAR_FIT and best - second >= CLEAR_MARGIN:
        return int(order[0])
    return None


def adequate_hours(scorer: Scorer, mentee: Profile, mentor: Profile) -> bool:
    hours = scorer.shared_hours(mentee, mentor)
    return hours is None or hours >= FEW_HOURS or (accepts_async(mentee) and accepts_async(mentor))


def unmatched_reason(
    i: int,
    mentee: Profile,
    masks,
    allowed: np.ndarray,
    capacities: Sequence[int],
    *,
    cannot_meet: bool = False,
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
    if cannot_meet:
        ways = ", ".join(m.replace("_", " ") for m in mentee.communication) or "no way listed"
        return (
            f"No allowed mentor has any weekly hours in common with {mentee.name}, and "
            f"asynchronous mentoring is not something both accept ({mentee.name}: {ways})."
        )
    suitable = int(allowed[i].sum())
    return (
        f"All {suitable} suitable mentors are at capacity: they went to mentees for whom "
        "they scored higher overall."
    )
