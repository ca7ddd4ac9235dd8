"""Matching modes beyond one-to-one: self-match, circles, speed rounds, boards, quick questions.

Pure functions over Profiles and encoder vectors, like `engine.match_cohort`: no
database, the same input gives the same output, every hard rule of
`scoring.rule_masks` holds and no capacity is exceeded. `capacities` are the
places each mentor has left, aligned with `mentors`; `need_vectors` and
`offer_vectors` are the encoder's unit vectors, so a dot product is a cosine.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from companion.matching.config import MatchingSettings
from companion.matching.engine import unmatched_reason
from companion.matching.meaning import need_sentences, offer_sentences
from companion.matching.profiles import Profile
from companion.matching.scoring import (
    SENTENCE,
    RuleMasks,
    Scorer,
    best_sentences,
    candidate_pairs,
    closest_sentences,
    rule_masks,
    semantic_component,
    words,
)
from companion.matching.solver import Edge, solve

# Speed shortlists: weight of relevance against diversity in maximal marginal relevance.
MMR_LAMBDA = 0.7
# Two clauses of one mentee this close in meaning are one need, not two board seats.
SAME_NEED_COSINE = 0.8
# Mentors of the moment: cosine points for someone with time in the next 24 hours. Enough
# to choose between comparable experts, far too little to lift an unrelated profile.
AVAILABLE_BONUS = 0.1
# Below this cosine a profile is unrelated to the question (MiniLM puts noise near 0.1).
MIN_QUESTION_COSINE = 0.2
THEME_WORDS = 3
SNIPPET_CHARS = 90
CLAUSE = re.compile(r"(?<=[.!?])\s+|;\s*|,\s*(?:and|but|plus)\s+|\s+and also\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Recommendation:
    """One person suggested to a mentee or for a question; lists come best first."""

    person: Profile
    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Circle:
    mentor: Profile
    members: tuple[Profile, ...]
    score: float  # mean over members of the mentor-member total score
    theme: tuple[str, ...]  # content words most members wrote; empty when none is shared
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CirclePlan:
    circles: tuple[Circle, ...]
    unplaced: tuple[tuple[Profile, str], ...]  # mentee and why they have no circle


@dataclass(frozen=True)
class BoardSeat:
    need: str
    mentor: Profile
    similarity: float  # cosine of this need to the mentor's offer
    reason: str


@dataclass(frozen=True)
class Board:
    mentee: Profile
    seats: tuple[BoardSeat, ...]
    notes: tuple[str, ...]  # why the board has fewer seats than board_size, if it does


class _Cohort:
    """Rules, cosines and (cached) pair scores of one cohort, shared by the modes."""

    def __init__(
        self,
        mentees: Sequence[Profile],
        mentors: Sequence[Profile],
        need_vectors: np.ndarray,
        offer_vectors: np.ndarray,
        capacities: Sequence[int],
        settings: MatchingSettings,
        program_kind: str,
        week_of: date,
        managers: Mapping[str, str | None] | None = None,
    ) -> None:
        if len(need_vectors) != len(mentees):
            raise ValueError(f"{len(need_vectors)} need vectors for {len(mentees)} mentees")
        if len(offer_vectors) != len(mentors) or len(capacities) != len(mentors):
            raise ValueError(
                f"{len(offer_vectors)} offer vectors and {len(capacities)} capacities "
                f"for {len(mentors)} mentors"
            )
        self.mentees, self.mentors = mentees, mentors
        self.capacities = [int(c) for c in capacities]
        self.masks: RuleMasks = rule_masks(mentees, mentors, settings, managers=managers)
        self.allowed = self.masks.allowed & (np.array(self.capacities, dtype=int) > 0)[None, :]
        self.cosine = (
            np.asarray(need_vectors) @ np.asarray(offer_vectors).T
            if len(mentees) and len(mentors)
            else np.zeros((len(mentees), len(mentors)), dtype=np.float32)
        )
        self.scorer = Scorer(settings, program_kind, week_of=week_of)
        self._components: dict[tuple[int, int], dict[str, float]] = {}

    def components(self, i: int, j: int) -> dict[str, float]:
        if (i, j) not in self._components:
            self._components[(i, j)] = self.scorer.components(
                self.mentees[i], self.mentors[j], float(self.cosine[i, j])
            )
        return self._components[(i, j)]

    def total(self, i: int, j: int) -> float:
        return self.scorer.total(self.components(i, j))

    def recommendation(self, i: int, j: int) -> Recommendation:
        parts = self.components(i, j)
        return Recommendation(
            person=self.mentors[j],
            score=round(self.scorer.total(parts), 4),
            components={name: round(value, 4) for name, value in parts.items()},
            reasons=tuple(self.scorer.reasons(self.mentees[i], self.mentors[j], parts)),
        )

    def unmatched_reason(self, i: int) -> str:
        return unmatched_reason(i, self.mentees[i], self.masks, self.allowed, self.capacities)


# --- 1. self-match -----------------------------------------------------------------


def recommend_mentors(
    mentee_index: int,
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    managers: Mapping[str, str | None] | None = None,
    limit: int = 5,
) -> list[Recommendation]:
    """The best `limit` mentors one mentee may choose from: allowed, with a place left.

    Ranked by total score (ties by mentor order); rules are computed over the whole
    cohort so that a skip-level manager is found wherever they appear.
    """
    cohort = _Cohort(
        mentees,
        mentors,
        need_vectors,
        offer_vectors,
        capacities,
        settings,
        program_kind,
        week_of,
        managers,
    )
    scored = sorted(
        (-cohort.total(mentee_index, j), j)
        for j in np.flatnonzero(cohort.allowed[mentee_index]).tolist()
    )
    return [cohort.recommendation(mentee_index, j) for _, j in scored[:limit]]


def recommend_from_what_they_share(
    mentee_index: int,
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    shown: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    managers: Mapping[str, str | None] | None = None,
    limit: int = 5,
) -> list[Recommendation]:
    """The best mentors for one mentee, as the mentee themself may read them.

    `shown` is each of `mentors` as the mentee may read them
    (`profiles.shared_profile`) and `offer_vectors` are of their offer texts. The
    hard rules and places left are those of `recommend_mentors`, read from `mentors`;
    the ranking and the reasons use only what each mentor shares: the meaning of the
    expertise they share against what the mentee wrote (component `semantic`, the
    score). Skills, years, hours, industry and ways of meeting are never shareable, so
    they neither rank nor explain here: an order by them would tell the mentee what the
    mentor keeps to themself. A mentor who shares no expertise is not recommended.
    """
    if len(shown) != len(mentors):
        raise ValueError(f"{len(shown)} shown profiles for {len(mentors)} mentors")
    cohort = _Cohort(
        mentees,
        mentors,
        need_vectors,
        offer_vectors,
        capacities,
        settings,
        program_kind,
        week_of,
        managers,
    )
    mentee = mentees[mentee_index]
    scored = sorted(
        (-semantic_component(float(cohort.cosine[mentee_index, j])), j)
        for j in np.flatnonzero(cohort.allowed[mentee_index]).tolist()
        if shown[j].offer_text()
    )
    found = []
    for negative, j in scored[:limit]:
        person = shown[j]
        need, offer = closest_sentences(need_sentences(mentee), offer_sentences(person))
        reasons = (
            [f'{mentee.name} wants "{need}"; {person.name} offers "{offer}"']
            if need
            else [f'{person.name} offers: "{_snippet(person.offer_text())}"']
        )
        if person.title:
            reasons.append(person.title)
        score = round(-negative, 4)
        found.append(Recommendation(person, score, {"semantic": score}, tuple(reasons)))
    return found


# --- 2. circles ----------------------------------------------------------------------


def form_circles(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    managers: Mapping[str, str | None] | None = None,
) -> CirclePlan:
    """Group mentees with similar needs into circles, each led by one mentor.

    A mentor's capacity counts the circles they lead. Circles hold at most
    `circle_size` mentees and are as even as possible, so none is left with one
    member (with a size of 2 and an odd count, one circle has three). When mentors
    can lead fewer circles than that needs, the mentees whose needs fit the
    circles least are left out and told so.

    Grouping: seed each circle with the mentee whose nearest neighbours are
    closest, grow it by average similarity, then swap members between circles
    while that raises the similarity within circles. A circle that no mentor may
    lead (the rules hold per member: a mentor who manages one member, or whom one
    member avoids, cannot lead it) swaps a member with another circle if that
    makes both leadable. Mentors are then assigned exactly with `solve`,
    maximising first the number of circles led (an unled circle strands all its
    members), then the sum of circle scores. A mentee no mentor may take at all
    is left out with the reason `engine.unmatched_reason` gives.
    """
    cohort = _Cohort(
        mentees,
        mentors,
        need_vectors,
        offer_vectors,
        capacities,
        settings,
        program_kind,
        week_of,
        managers,
    )
    unplaced: list[tuple[int, str]] = [
        (i, cohort.unmatched_reason(i)) for i in range(len(mentees)) if not cohort.allowed[i].any()
    ]
    placeable = [i for i in range(len(mentees)) if cohort.allowed[i].any()]
    leadable_count = sum(c for c in cohort.capacities if c > 0)
    if len(placeable) < 2:
        reason = (
            "No mentor has capacity to lead a circle."
            if leadable_count == 0
            else "A circle needs at least two mentees who can share a mentor."
        )
        unplaced += [(i, reason) for i in placeable]
        return _circle_plan(mentees, [], unplaced)

    size = settings.circle_size
    sizes = _circle_sizes(len(placeable), size, leadable_count)
    vectors = np.asarray(need_vectors)[placeable]
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    local = _improve_by_swaps(similarity, _seed_groups(similarity, sizes))
    allowed = cohort.allowed[placeable]
    local = _make_leadable(local, allowed, similarity)
    groups = [[placeable[k] for k in group] for group in local]

    grouped = {i for group in groups for i in group}
    for i in placeable:
        if i not in grouped:
            unplaced.append(
                (
                    i,
                    f"Mentors can lead {len(groups)} circles of up to {size} "
                    f"({len(groups) * size} places for {len(placeable)} mentees); "
                    f"{mentees[i].name}'s needs fit the circles formed least.",
                )
            )

    edges = []
    for c, group in enumerate(groups):
        leaders = cohort.allowed[group].all(axis=0)
        for j in np.flatnonzero(leaders).tolist():
            score = sum(cohort.total(i, j) for i in group) / len(group)
            edges.append(Edge(c, j, score))
    chosen = {
        e.mentee: e
        for e in solve(len(groups), cohort.capacities, edges, maximise_matched_first=True)
    }

    circles = []
    for c, group in enumerate(groups):
        if c in chosen:
            circles.append(_describe_circle(cohort, group, chosen[c], np.asarray(need_vectors)))
        else:
            reason = _unled_reason(cohort, group)
            unplaced += [(i, reason) for i in group]
    return _circle_plan(mentees, circles, unplaced)


def _circle_plan(
    mentees: Sequence[Profile], circles: list[Circle], unplaced: list[tuple[int, str]]
) -> CirclePlan:
    return CirclePlan(
        circles=tuple(circles),
        unplaced=tuple((mentees[i], reason) for i, reason in sorted(unplaced)),
    )


def _circle_sizes(n: int, size: int, circles_available: int) -> list[int]:
    """Circle sizes for n mentees: as even as possible, each at most `size` and at least 2."""
    count = min(math.ceil(n / size), circles_available)
    if count * size < n:
        return [size] * count
    base, extra = divmod(n, count)
    if base < 2 and count > 1:  # size 2 and an odd count: one circle of three
        count -= 1
        base, extra = divmod(n, count)
    return [base + 1] * extra + [base] * (count - extra)


def _seed_groups(similarity: np.ndarray, sizes: list[int]) -> list[list[int]]:
    """Greedy: seed with the densest free neighbourhood, grow by average similarity."""
    n = len(similarity)
    free = np.ones(n, dtype=bool)
    groups = []
    for size in sizes:
        candidates = np.flatnonzero(free)
        near = similarity[np.ix_(candidates, candidates)].copy()
        np.fill_diagonal(near, -np.inf)
        density = np.sort(near, axis=1)[:, near.shape[1] - (size - 1) :].sum(axis=1)
        seed = int(candidates[int(np.argmax(density))])
        group = [seed]
        free[seed] = False
        linkage = similarity[:, seed].copy()
        while len(group) < size:
            pick = int(np.argmax(np.where(free, linkage, -np.inf)))
            group.append(pick)
            free[pick] = False
            linkage += similarity[:, pick]
        groups.append(group)
    return groups


def _improve_by_swaps(similarity: np.ndarray, groups: list[list[int]]) -> list[list[int]]:
    """Swap two members of different groups while the best swap raises within-group similarity.

    Each swap strictly raises the total, so this ends; the cap only bounds the time.
    """
    if len(groups) < 2:
        return groups
    members = np.array([i for group in groups for i in group])
    label = np.array([c for c, group in enumerate(groups) for _ in group])
    sim = similarity[np.ix_(members, members)]
    affinity = sim @ np.eye(len(groups))[label]  # affinity[a, c]: a's similarity to circle c
    positions = np.arange(len(members))
    for _ in range(20 * len(members)):
        cross = affinity[:, label]
        own = affinity[positions, label]
        gain = cross + cross.T - 2 * sim - own[:, None] - own[None, :]
        gain[label[:, None] == label[None, :]] = -np.inf
        a, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[a, b] <= 1e-9:
            break
        ca, cb = label[a], label[b]
        affinity[:, ca] += sim[:, b] - sim[:, a]
        affinity[:, cb] += sim[:, a] - sim[:, b]
        label[a], label[b] = cb, ca
    return [sorted(members[label == c].tolist()) for c in range(len(groups))]


def _make_leadable(
    groups: list[list[int]], allowed: np.ndarray, similarity: np.ndarray
) -> list[list[int]]:
    """For each circle no mentor may lead, make the least costly swap that fixes it."""

    def leadable(group: list[int]) -> bool:
        return bool(allowed[group].all(axis=0).any())

    groups = [list(g) for g in groups]
    for c in range(len(groups)):
        if leadable(groups[c]):
            continue
        best: tuple[float, int, int, int] | None = None
        for a in groups[c]:
            rest_c = [x for x in groups[c] if x != a]
            for d, other in enumerate(groups):
                if d == c:
                    continue
                for b in other:
                    rest_d = [x for x in other if x != b]
                    if not (leadable([*rest_c, b]) and leadable([*rest_d, a])):
                        continue
                    gain = float(
                        similarity[b, rest_c].sum()
                        - similarity[a, rest_c].sum()
                        + similarity[a, rest_d].sum()
                        - similarity[b, rest_d].sum()
                    )
                    if best is None or gain > best[0]:
                        best = (gain, a, d, b)
        if best is not None:
            _, a, d, b = best
            groups[c] = sorted([x for x in groups[c] if x != a] + [b])
            groups[d] = sorted([x for x in groups[d] if x != b] + [a])
    return groups


def _describe_circle(
    cohort: _Cohort, group: list[int], edge: Edge, need_vectors: np.ndarray
) -> Circle:
    members = [cohort.mentees[i] for i in group]
    mentor = cohort.mentors[edge.mentor]
    theme = _theme(members, cohort.mentees)
    if theme:
        theme_line = "Shared theme: " + ", ".join(theme)
    else:
        closeness = (need_vectors[group] @ need_vectors[group].T).sum(axis=1)
        central = group[int(np.argmax(closeness))]
        first = SENTENCE.split(cohort.mentees[central].need_text().strip())[0]
        theme_line = f'Goals close in meaning, e.g. "{_snippet(first)}"'
    need = " ".join(p.need_text() for p in members)
    _, offer = best_sentences(need, mentor.offer_text())
    lead_line = (
        f"{mentor.name} leads it: the best fit for the group as a whole "
        f"(mean score {edge.score:.2f} across {len(members)} members)"
    )
    if offer:
        lead_line += f'; offers "{offer}"'
    return Circle(
        mentor=mentor,
        members=tuple(members),
        score=round(edge.score, 4),
        theme=theme,
        reasons=(theme_line, lead_line),
    )


def _need_words(person: Profile) -> set[str]:
    return words(" ".join([person.goals, person.challenges, *person.skills]))


def _theme(members: Sequence[Profile], everyone: Sequence[Profile]) -> tuple[str, ...]:
    """Content words at least two members wrote; most members first, then the rarest overall."""
    inside = Counter(w for p in members for w in _need_words(p))
    overall = Counter(w for p in everyone for w in _need_words(p))
    shared = [w for w, count in inside.items() if count >= 2]
    shared.sort(key=lambda w: (-inside[w], overall[w], w))
    return tuple(shared[:THEME_WORDS])


def _unled_reason(cohort: _Cohort, group: list[int]) -> str:
    open_mentors = [j for j, c in enumerate(cohort.capacities) if c > 0]
    if cohort.allowed[group].all(axis=0).any():
        return (
            "Every mentor allowed to lead this group already leads a circle "
            "(mentor capacity counts circles)."
        )
    masks = cohort.masks
    blocked = {
        "shared language": masks.language,
        "reporting line": masks.reporting,
        "avoid list": masks.avoid,
        "same manager": masks.same_manager,
        "same department": masks.department,
    }
    counts = {
        rule: sum(1 for j in open_mentors if not mask[group, j].all())
        for rule, mask in blocked.items()
    }
    named = ", ".join(f"{rule} ({count})" for rule, count in counts.items() if count)
    return "No mentor with capacity is allowed with every member of this group" + (
        f"; mentors excluded by {named}." if named else "."
    )


# --- 3. speed mentoring ------------------------------------------------------------


def speed_shortlists(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    managers: Mapping[str, str | None] | None = None,
) -> dict[int, list[int]]:
    """For each mentee index, `shortlist_size` mentor indexes to meet: good but diverse.

    Greedy maximal marginal relevance: each pick maximises
    0.7 x total score + 0.3 x (1 - highest cosine of its offer to a mentor already
    listed), so two near-identical mentors rarely share a list. Only allowed
    mentors with a place left are listed, and no mentor goes on more than
    ceil(mentees x shortlist_size / open mentors) + 1 lists. Lists are filled one
    place per round in snake order (0..n-1, then n-1..0) so that early mentees do
    not take every popular mentor. Candidates are the `candidates_per_mentee`
    mentors nearest in meaning (at least three per place).
    """
    cohort = _Cohort(
        mentees,
        mentors,
        need_vectors,
        offer_vectors,
        capacities,
        settings,
        program_kind,
        week_of,
        managers,
    )
    n, places = len(mentees), settings.shortlist_size
    lists: dict[int, list[int]] = {i: [] for i in range(n)}
    open_mentors = sum(1 for c in cohort.capacities if c > 0)
    if n == 0 or open_mentors == 0:
        return lists
    cap = math.ceil(n * places / open_mentors) + 1
    k = max(settings.rules.candidates_per_mentee, 3 * places)
    relevance = [
        {j: cohort.total(i, j) for j in chosen.tolist()}
        for i, chosen in enumerate(candidate_pairs(cohort.cosine, cohort.allowed, k))
    ]
    offers = np.asarray(offer_vectors)
    offer_similarity = offers @ offers.T
    load = np.zeros(len(mentors), dtype=int)
    for round_ in range(places):
        order = range(n) if round_ % 2 == 0 else range(n - 1, -1, -1)
        for i in order:
            listed = lists[i]
            best, best_value = -1, -math.inf
            for j, relevant in relevance[i].items():
                if j in listed or load[j] >= cap:
                    continue
                diversity = 1.0 - float(offer_similarity[j, listed].max()) if listed else 1.0
                value = MMR_LAMBDA * relevant + (1 - MMR_LAMBDA) * diversity
                if value > best_value:
                    best, best_value = j, value
            if best >= 0:
                listed.append(best)
                load[best] += 1
    return lists


def assign_from_preferences(
    mentee_ranks: Mapping[int, Sequence[int]],
    mentor_ranks: Mapping[int, Sequence[int]],
    capacities: Sequence[int],
) -> list[tuple[int, int]]:
    """The final (mentee, mentor) pairs after a speed round, from both sides' rankings.

    Mentee-proposing deferred acceptance (Gale-Shapley with capacities): each free
    mentee proposes to the next mentor on their list; a mentor holds the best
    proposals up to their capacity and rejects the rest. The result is:

    - stable: no mentee and mentor who ranked each other would both rather be
      together than keep what they got (a mentor with a free place prefers any
      mentee they ranked to the empty place);
    - mentee-optimal: every mentee gets the best mentor they can have in any
      stable matching.

    People rank only those they met, best first; a pair is assigned only when
    both ranked each other, so an unranked pair is never assigned. A repeated
    entry counts at its first position; a mentor outside `capacities` has no
    place. Pairs come sorted by mentee, then mentor.
    """
    prefer = {
        j: {i: r for r, i in enumerate(dict.fromkeys(order))} for j, order in mentor_ranks.items()
    }
    proposals = {i: list(dict.fromkeys(order)) for i, order in mentee_ranks.items()}
    next_choice = dict.fromkeys(proposals, 0)
    held: dict[int, list[int]] = {}
    free = deque(sorted(proposals))
    while free:
        i = free.popleft()
        while next_choice[i] < len(proposals[i]):
            j = proposals[i][next_choice[i]]
            next_choice[i] += 1
            ranks = prefer.get(j, {})
            capacity = capacities[j] if 0 <= j < len(capacities) else 0
            if i not in ranks or capacity <= 0:
                continue
            holding = held.setdefault(j, [])
            if len(holding) < capacity:
                holding.append(i)
                break
            worst = max(holding, key=ranks.__getitem__)
            if ranks[i] < ranks[worst]:
                holding.remove(worst)
                holding.append(i)
                free.append(worst)
                break
    return sorted((i, j) for j, holding in held.items() for i in holding)


# --- 4. advisory boards ------------------------------------------------------------


def split_needs(person: Profile) -> list[str]:
    """The separate needs a mentee wrote: each clause of goals and challenges, each skill.

    A fragment with fewer than two content words ("I freeze.") joins the clause
    before it rather than standing as a need of its own.
    """
    needs: list[str] = []
    for text in (person.goals, person.challenges):
        for part in CLAUSE.split(text.strip()):
            clause = part.strip().rstrip(".!?;, ")
            if not clause:
                continue
            if needs and len(words(clause)) < 2:
                needs[-1] = f"{needs[-1]}, {clause}"
            else:
                needs.append(clause)
    needs += [skill.strip() for skill in person.skills if skill.strip()]
    unique: dict[str, str] = {}
    for need in needs:
        unique.setdefault(need.casefold(), need)
    return list(unique.values())


def advisory_boards(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    *,
    need_vectors: np.ndarray,
    offer_vectors: np.ndarray,
    capacities: Sequence[int],
    settings: MatchingSettings,
    program_kind: str,
    week_of: date,
    managers: Mapping[str, str | None] | None = None,
    encode: Callable[[list[str]], np.ndarray],
) -> list[Board]:
    """For each mentee, a board of mentors each covering a different need they wrote.

    Needs come from `split_needs`, are encoded in one call of `encode`, and a
    clause within cosine 0.8 of an earlier one counts as the same need. Seats go
    one per mentee per round, in snake order, so early mentees do not take every
    strong mentor: each seat is the (uncovered need, mentor) pair with the highest
    cosine among allowed mentors with a place left who are not yet on that board.
    A seat uses one place of the mentor's capacity. A mentee gets
    min(board_size, distinct needs) seats when mentors allow; `notes` say why not.
    Seats are chosen per need, so `need_vectors` (of whole need texts) only has
    to match `mentees` in length: it keeps the call shape of the other modes.
    """
    cohort = _Cohort(
        mentees,
        mentors,
        need_vectors,
        offer_vectors,
        capacities,
        settings,
        program_kind,
        week_of,
        managers,
    )
    needs = [split_needs(p) for p in mentees]
    flat = [need for person_needs in needs for need in person_needs]
    encoded = np.asarray(encode(flat)) if flat else np.zeros((0, 0), dtype=np.float32)
    need_vectors_of: list[np.ndarray] = []
    start = 0
    for i, person_needs in enumerate(needs):
        vectors = encoded[start : start + len(person_needs)]
        start += len(person_needs)
        keep: list[int] = []
        for k in range(len(person_needs)):
            if all(float(vectors[k] @ vectors[q]) < SAME_NEED_COSINE for q in keep):
                keep.append(k)
        needs[i] = [person_needs[k] for k in keep]
        need_vectors_of.append(vectors[keep])
    offers = np.asarray(offer_vectors)
    fit = [  # per mentee: distinct needs x mentors cosine
        vectors @ offers.T if len(vectors) and len(mentors) else np.zeros((len(vectors), 0))
        for vectors in need_vectors_of
    ]

    remaining = np.array(cohort.capacities, dtype=int)
    seats: list[list[tuple[int, int]]] = [[] for _ in mentees]  # (need, mentor)
    stuck = [False] * len(mentees)
    for round_ in range(settings.board_size):
        order = range(len(mentees)) if round_ % 2 == 0 else range(len(mentees) - 1, -1, -1)
        for i in order:
            if stuck[i] or len(seats[i]) >= min(settings.board_size, len(needs[i])):
                continue
            open_needs = np.ones(len(needs[i]), dtype=bool)
            on_board = np.zeros(len(mentors), dtype=bool)
            for u, j in seats[i]:
                open_needs[u] = False
                on_board[j] = True
            usable = cohort.allowed[i] & (remaining > 0) & ~on_board
            value = np.where(open_needs[:, None] & usable[None, :], fit[i], -np.inf)
            if not np.isfinite(value).any():
                stuck[i] = True
                continue
            u, j = np.unravel_index(int(np.argmax(value)), value.shape)
            seats[i].append((int(u), int(j)))
            remaining[j] -= 1

    seated = sorted({j for chosen in seats for _, j in chosen})
    sentences = {j: _sentences(mentors[j].offer_text()) for j in seated}
    flat_sentences = [s for j in seated for s in sentences[j]]
    sentence_vectors = (
        np.asarray(encode(flat_sentences)) if flat_sentences else np.zeros((0, 0), np.float32)
    )
    offsets, start = {}, 0
    for j in seated:
        offsets[j] = start
        start += len(sentences[j])

    boards = []
    for i, mentee in enumerate(mentees):
        board_seats = []
        for u, j in seats[i]:
            own = sentence_vectors[offsets[j] : offsets[j] + len(sentences[j])]
            closest = sentences[j][int(np.argmax(own @ need_vectors_of[i][u]))]
            board_seats.append(
                BoardSeat(
                    need=needs[i][u],
                    mentor=mentors[j],
                    similarity=round(float(fit[i][u, j]), 4),
                    reason=f'For "{needs[i][u]}": {mentors[j].name} — "{_snippet(closest)}"',
                )
            )
        boards.append(
            Board(
                mentee=mentee,
                seats=tuple(board_seats),
                notes=_board_notes(cohort, i, needs[i], seats[i], settings.board_size),
            )
        )
    return boards


def _board_notes(
    cohort: _Cohort, i: int, needs: list[str], seats: list[tuple[int, int]], board_size: int
) -> tuple[str, ...]:
    name = cohort.mentees[i].name
    if not needs:
        return (f"{name} wrote no goals, challenges or skills: nothing to build a board around.",)
    notes = []
    if len(needs) < board_size:
        noun = "need" if len(needs) == 1 else "distinct needs"
        notes.append(f"{name} wrote {len(needs)} {noun}, so the board has at most {len(needs)}.")
    if len(seats) < min(board_size, len(needs)):
        covered = {u for u, _ in seats}
        open_needs = "; ".join(f'"{need}"' for u, need in enumerate(needs) if u not in covered)
        if not cohort.allowed[i].any():
            why = cohort.unmatched_reason(i)
        else:
            why = "every other mentor allowed for them is at capacity or already on the board."
        notes.append(f"No seat for {open_needs}: {why}")
    return tuple(notes)


def _sentences(text: str) -> list[str]:
    return [s.strip().rstrip(".") for s in SENTENCE.split(text) if s.strip()]


def _snippet(text: str) -> str:
    return textwrap.shorten(text, SNIPPET_CHARS, placeholder="…")


# --- 5. mentors of the moment ------------------------------------------------------


def mentors_of_the_moment(
    question: str,
    question_vector: np.ndarray,
    people: Sequence[Profile],
    offer_vectors: np.ndarray,
    *,
    asker: Profile | None,
    shown: Sequence[Profile] | None = None,
    available_now: Callable[[Profile], bool] | None = None,
    limit: int = 3,
) -> list[Recommendation]:
    """The few mentors best placed, and free, to answer a question right now.

    Only mentors are asked: a mentee's skills and words say what they want to
    learn, not what they offer. `shown` is each of `people` as the asker may read
    them (`profiles.shared_profile`; `people` themselves when not given): a person is
    ranked and explained only on that, `offer_vectors` are of its offer texts, and
    each Recommendation's `person` is the shown profile. The rules read `people`.

    Score = cosine of the question to the person's offer text, plus 0.1 for
    someone `available_now` says has time in the next 24 hours. Left out: the
    asker, anyone the asker avoids or who avoids the asker, the asker's whole
    reporting line (managers up the chain and everyone below the asker), people
    who share no language with the asker (when both list languages), people
    with nothing in their offer text, and anyone below cosine 0.2, whose profile
    is unrelated to the question. Components: `cosine` and `available_now`.
    """
    shown = people if shown is None else shown
    if len(offer_vectors) != len(people) or len(shown) != len(people):
        raise ValueError(
            f"{len(offer_vectors)} offer vectors and {len(shown)} shown profiles "
            f"for {len(people)} people"
        )
    excluded = _excluded_for(asker, people) if asker is not None else set()
    cosine = np.asarray(offer_vectors) @ np.asarray(question_vector) if len(people) else np.zeros(0)
    ranked = []
    for k, person in enumerate(people):
        if not person.is_mentor or person.external_id in excluded or not shown[k].offer_text():
            continue
        fit = float(cosine[k])
        if fit < MIN_QUESTION_COSINE:
            continue
        free = bool(available_now is not None and available_now(person))
        ranked.append((-(fit + (AVAILABLE_BONUS if free else 0.0)), k, fit, free))
    ranked.sort()
    return [
        Recommendation(
            person=shown[k],
            score=round(-negative, 4),
            components={"cosine": round(fit, 4), "available_now": float(free)},
            reasons=_question_reasons(question, shown[k], free),
        )
        for negative, k, fit, free in ranked[:limit]
    ]


def _excluded_for(asker: Profile, people: Sequence[Profile]) -> set[str]:
    everyone = {p.external_id: p for p in (*people, asker)}
    excluded = {asker.external_id, *asker.avoid}
    excluded |= {p.external_id for p in people if asker.external_id in p.avoid}
    if asker.languages:
        spoken = set(asker.languages)
        excluded |= {p.external_id for p in people if p.languages and not spoken & set(p.languages)}
    line = {asker.external_id}
    manager = asker.manager_id
    while manager and manager not in line:  # up the chain; a cycle stops at a repeat
        line.add(manager)
        above = everyone.get(manager)
        manager = above.manager_id if above is not None else None
    reports: dict[str, list[str]] = {}
    for p in everyone.values():
        if p.manager_id:
            reports.setdefault(p.manager_id, []).append(p.external_id)
    below = deque(reports.get(asker.external_id, []))
    while below:
        person = below.popleft()
        if person not in line:
            line.add(person)
            below.extend(reports.get(person, []))
    return excluded | line


def _question_reasons(question: str, person: Profile, free: bool) -> tuple[str, ...]:
    """The offer sentence nearest the question and the title: never skills or years,
    which nobody can share (`participants.sharing`)."""
    asked = words(question)
    sentences = _sentences(person.offer_text())
    sentence = max(sentences, key=lambda s: len(words(s) & asked))
    reasons = [f'{person.name} offers: "{_snippet(sentence)}"']
    if person.title:
        reasons.append(person.title)
    if free:
        reasons.append("Has time in the next 24 hours")
    return tuple(reasons)
