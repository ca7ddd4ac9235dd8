"""Score mentor-mentee pairs: hard rules over the whole cohort, components for candidates.

Every component is in [0, 1]. A component whose inputs one side left blank
scores a neutral 0.5, so that a short profile is neither rewarded nor punished
for what it does not say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from companion.availability import MINUTES_PER_WEEK, Slot, describe_timezones, to_utc_week
from companion.matching.config import COMPONENTS, MatchingSettings
from companion.matching.meaning import need_sentences, offer_sentences
from companion.matching.profiles import Profile
from knowledge import tokens

NEUTRAL = 0.5
# all-MiniLM-L6-v2 puts unrelated profile texts near cosine 0.1 and close
# paraphrases around 0.5-0.7; this maps that range onto [0, 1] so the semantic
# component spreads like the others instead of bunching below 0.5.
SEMANTIC_FLOOR = 0.1
SEMANTIC_SPAN = 0.5
# Meaning is the heart of a match: explain it once it is clearly related
# (cosine >= 0.275), not only when it beats the neutral midpoint.
EXPLAIN_ABOVE = {"semantic": 0.35}
# Below this sentence-level meaning (a cosine; about the 70th percentile of all
# pairs of the tuning cohort) a proposal carries a caution: what the two wrote
# is not clearly related, whatever the rest of the score says.
MEANING_CAUTION = 0.25
# A mentee has a clear fit when one mentor's meaning is at least CLEAR_FIT and
# ahead of every other allowed mentor by CLEAR_MARGIN; logistics cannot trade
# that mentor away (see engine.match_cohort).
CLEAR_FIT = 0.35
CLEAR_MARGIN = 0.05
# Minutes per cell when whole cohorts' weeks are compared at once (Scorer.meet_mask).
MEET_GRID = 5
# Shared weekly hours below which a caution is due.
FEW_HOURS = 1.0
# Components that describe whether and how a pair can work together rather
# than what they talk about.
# A score where meaning contributes less than this share is called mostly logistics.
MOSTLY_LOGISTICS = 0.25
LOGISTICS = ("availability", "communication", "industry", "experience", "working_style")
STOP = frozenset(
    "that this with from have will want what about into them they their there would could "
    "should while where when which more most very really help like make also been being "
    "some than then other others over just my our your".split()
)


@dataclass(frozen=True)
class RuleMasks:
    """n_mentees x n_mentors booleans: True where the pair passes the rule."""

    language: np.ndarray
    reporting: np.ndarray
    avoid: np.ndarray
    same_manager: np.ndarray
    department: np.ndarray
    self_pair: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return (
            self.language
            & self.reporting
            & self.avoid
            & self.same_manager
            & self.department
            & self.self_pair
        )


def rule_masks(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    settings: MatchingSettings,
    *,
    managers: Mapping[str, str | None] | None = None,
) -> RuleMasks:
    """`managers` maps every person of the program to their manager, so that a
    skip-level line is found even through someone who is not in this cohort."""
    rules = settings.rules
    n, m = len(mentees), len(mentors)
    manager_of: dict[str, str | None] = {p.external_id: p.manager_id for p in (*mentees, *mentors)}
    if managers:
        manager_of.update(managers)

    language = np.ones((n, m), dtype=bool)
    if rules.require_shared_language:
        vocab = sorted({lang for p in (*mentees, *mentors) for lang in p.languages})
        column = {lang: k for k, lang in enumerate(vocab)}

        def one_hot(people: Sequence[Profile]) -> np.ndarray:
            matrix = np.zeros((len(people), max(len(vocab), 1)), dtype=np.float32)
            for row, p in enumerate(people):
                for lang in p.languages:
                    matrix[row, column[lang]] = 1
            return matrix

        a, b = one_hot(mentees), one_hot(mentors)
        shared = (a @ b.T) > 0
        # Someone who listed no language cannot be checked; the rule is not applied.
        unknown = (a.sum(axis=1) == 0)[:, None] | (b.sum(axis=1) == 0)[None, :]
        language = shared | unknown

    mentor_index = {p.external_id: j for j, p in enumerate(mentors)}
    mentee_index = {p.external_id: i for i, p in enumerate(mentees)}

    def line_above(person: Profile) -> set[str]:
        above = set()
        manager = person.manager_id
        if manager:
            above.add(manager)
            skip = manager_of.get(manager)
            if skip:
                above.add(skip)
        return above

    reporting = np.ones((n, m), dtype=bool)
    if rules.exclude_reporting_line:
        for i, mentee in enumerate(mentees):
            for boss in line_above(mentee):
                if boss in mentor_index:
                    reporting[i, mentor_index[boss]] = False
        for j, mentor in enumerate(mentors):
            for boss in line_above(mentor):
                if boss in mentee_index:
                    reporting[mentee_index[boss], j] = False

    avoid = np.ones((n, m), dtype=bool)
    for i, mentee in enumerate(mentees):
        for other in mentee.avoid:
            if other in mentor_index:
                avoid[i, mentor_index[other]] = False
    for j, mentor in enumerate(mentors):
        for other in mentor.avoid:
            if other in mentee_index:
                avoid[mentee_index[other], j] = False

    def codes(people: Sequence[Profile], attribute: str, table: dict[str, int]) -> np.ndarray:
        values = []
        for p in people:
            value = (getattr(p, attribute) or "").strip().casefold()
            values.append(table.setdefault(value, len(table)) if value else -1)
        return np.array(values)

    same_manager = np.ones((n, m), dtype=bool)
    if rules.exclude_same_manager:
        table: dict[str, int] = {}
        a, b = codes(mentees, "manager_id", table), codes(mentors, "manager_id", table)
        same_manager = ~(np.equal.outer(a, b) & (a[:, None] >= 0))

    department = np.ones((n, m), dtype=bool)
    if rules.exclude_same_department:
        table = {}
        a, b = codes(mentees, "department", table), codes(mentors, "department", table)
        department = ~(np.equal.outer(a, b) & (a[:, None] >= 0))

    # Ids compared as integer codes: 5,000,000 string comparisons took a second.
    ids: dict[str, int] = {}
    self_pair = ~np.equal.outer(
        np.array([ids.setdefault(p.external_id, len(ids)) for p in mentees], dtype=np.int64),
        np.array([ids.setdefault(p.external_id, len(ids)) for p in mentors], dtype=np.int64),
    )
    return RuleMasks(language, reporting, avoid, same_manager, department, self_pair)


def candidate_pairs(semantic: np.ndarray, allowed: np.ndarray, k: int) -> list[np.ndarray]:
    """For each mentee, the indexes of the k allowed mentors nearest in meaning."""
    masked = np.where(allowed, semantic, -np.inf)
    m = masked.shape[1]
    out = []
    for row in masked:
        chosen = np.arange(m) if k >= m else np.argpartition(-row, k - 1)[:k]
        chosen = chosen[np.isfinite(row[chosen])]
        out.append(chosen[np.argsort(-row[chosen], kind="stable")])
    return out


# --- components ----------------------------------------------------------------


def semantic_component(cosine: float | None) -> float:
    """Meaning on [0, 1]; a pair whose meaning was not judged (None or NaN) is neutral."""
    if cosine is None or not np.isfinite(cosine):
        return NEUTRAL
    # min/max rather than np.clip: the same value, and 20 times faster on one number
    # (it ran for every one of 200,000 candidate pairs, docs/performance.md).
    return float(min(max((cosine - SEMANTIC_FLOOR) / SEMANTIC_SPAN, 0.0), 1.0))


def accepts_async(person: Profile) -> bool:
    return "async" in person.communication


def words(text: str) -> set[str]:
    """Words of four letters or more, as the shared tokenizer splits them."""
    return {w for w in tokens.words(text) if len(w) >= 4 and w[0].isalpha()} - STOP


def _experience_score(kind: str, mentor_years: float | None, mentee_years: float | None) -> float:
    if mentor_years is None or mentee_years is None:
        return NEUTRAL
    gap = mentor_years - mentee_years
    if kind == "reverse":
        gap = -gap
    if kind == "peer":
        return max(0.0, 1.0 - abs(gap) / 5.0)
    # A mentor clearly senior: five or more years ahead counts fully.
    return float(min(max(gap / 5.0, 0.0), 1.0))


def _intersect_minutes(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass(frozen=True)
class _Traits:
    """A person's skills (case-folded), ways of meeting, working-style words, industry."""

    skills: frozenset[str]
    modes: frozenset[str]
    style: frozenset[str]
    industry: str


class Scorer:
    """Computes the components of any pair of one cohort (UTC weeks computed once)."""

    def __init__(
        self,
        settings: MatchingSettings,
        program_kind: str,
        *,
        week_of: date,
    ) -> None:
        self.settings = settings
        self.kind = program_kind
        self.week_of = week_of
        self.weights = settings.weights.normalised()
        self._utc: dict[int, list[tuple[int, int]] | None] = {}
        self._traits: dict[int, _Traits] = {}
        self._hours: dict[tuple[int, int], float | None] = {}
        # Sentence -> vector, set by the engine for the pairs it explains; without
        # it the quoted sentences are chosen by the words they share.
        self.sentence_vectors: dict[str, np.ndarray] = {}

    def utc_week(self, person: Profile) -> list[tuple[int, int]] | None:
        if person.key not in self._utc:
            slots = [Slot(d, s, e) for d, s, e in person.availability]
            self._utc[person.key] = (
                to_utc_week(slots, person.timezone, week_of=self.week_of) if slots else None
            )
        return self._utc[person.key]

    def traits(self, person: Profile) -> _Traits:
        """What `components` compares of a person, prepared once per person."""
        found = self._traits.get(person.key)
        if found is None:
            found = self._traits[person.key] = _Traits(
                skills=frozenset(s.casefold() for s in person.skills),
                modes=frozenset(person.communication),
                style=frozenset(words(person.working_style)),
                industry=person.industry.casefold(),
            )
        return found

    def shared_hours(self, mentee: Profile, mentor: Profile) -> float | None:
        # Asked up to three times a pair (can they meet, the score, a clear fit's hours).
        pair = (mentee.key, mentor.key)
        if pair not in self._hours:
            a, b = self.utc_week(mentee), self.utc_week(mentor)
            self._hours[pair] = None if a is None or b is None else _intersect_minutes(a, b) / 60.0
        return self._hours[pair]

    def can_meet(self, mentee: Profile, mentor: Profile) -> bool:
        """False when both gave hours, none are shared, and not both accept asynchronous
        mentoring; always True when the program turns the rule off."""
        if not self.settings.rules.require_shared_hours:
            return True
        hours = self.shared_hours(mentee, mentor)
        if hours is None or hours > 0:
            return True
        return accepts_async(mentee) and accepts_async(mentor)

    def meet_mask(self, mentees: Sequence[Profile], mentors: Sequence[Profile]) -> np.ndarray:
        """n_mentees x n_mentors: False only where `can_meet` may be False.

        Weeks are compared on a grid of MEET_GRID minutes, so a pair with a few
        minutes in common inside one cell passes here and is checked exactly by
        `can_meet`: a cheap filter before candidates are chosen, never stricter.
        """
        n, m = len(mentees), len(mentors)
        if not self.settings.rules.require_shared_hours:
            return np.ones((n, m), dtype=bool)

        def grid(people: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
            cells = np.zeros((len(people), MINUTES_PER_WEEK // MEET_GRID), dtype=np.float32)
            known = np.zeros(len(people), dtype=bool)
            for k, person in enumerate(people):
                week = self.utc_week(person)
                if week is None:
                    continue
                known[k] = True
                for start, end in week:
                    cells[k, start // MEET_GRID : -(-end // MEET_GRID)] = 1
            return cells, known

        a, known_a = grid(mentees)
        b, known_b = grid(mentors)
        both_async = (
            np.array([accepts_async(p) for p in mentees], dtype=bool)[:, None]
            & np.array([accepts_async(p) for p in mentors], dtype=bool)[None, :]
        )
        return (a @ b.T > 0) | ~known_a[:, None] | ~known_b[None, :] | both_async

    def components(
        self, mentee: Profile, mentor: Profile, semantic: float | None
    ) -> dict[str, float]:
        hours = self.shared_hours(mentee, mentor)
        target = self.settings.rules.availability_target_hours
        a, b = self.traits(mentee), self.traits(mentor)
        modes_a, modes_b = a.modes, b.modes
        style_a, style_b = a.style, b.style
        industry_a, industry_b = a.industry, b.industry
        return {
            "semantic": semantic_component(semantic),
            "skills": len(a.skills & b.skills) / len(a.skills) if a.skills else NEUTRAL,
            "availability": NEUTRAL if hours is None else min(1.0, hours / target),
            "communication": (float(bool(modes_a & modes_b)) if modes_a and modes_b else NEUTRAL),
            "industry": float(industry_a == industry_b) if industry_a and industry_b else NEUTRAL,
            "experience": _experience_score(
                self.kind, mentor.years_experience, mentee.years_experience
            ),
            "working_style": (
                min(1.0, 2 * len(style_a & style_b) / len(style_a | style_b))
                if style_a and style_b
                else NEUTRAL
            ),
        }

    def total(self, components: dict[str, float]) -> float:
        return sum(self.weights[name] * components[name] for name in COMPONENTS)

    # --- reasons ---------------------------------------------------------------

    def reasons(
        self,
        mentee: Profile,
        mentor: Profile,
        components: dict[str, float],
        *,
        cosine: float | None = None,
        not_judged: str = "",
        clear_fit: bool = False,
    ) -> list[str]:
        """Plain-language reasons, strongest contribution first, then every caution due.

        `cosine` is the pair's sentence-level meaning (None or NaN when it was not
        judged, in which case `not_judged` says why); `clear_fit` marks a mentor
        who is clearly the best fit by meaning for this mentee.
        """
        judged = not not_judged and (cosine is None or bool(np.isfinite(cosine)))
        ranked = sorted(
            (
                name
                for name in COMPONENTS
                if name != "semantic" and components[name] > EXPLAIN_ABOVE.get(name, NEUTRAL)
            ),
            key=lambda name: -self.weights[name] * components[name],
        )
        reasons = [text for name in ranked if (text := self._reason(name, mentee, mentor))][:3]
        # Meaning first: the two sentences closest to each other, quoted for this pair,
        # however strong; a weak one is followed by its caution below.
        if judged and (quoted := self._reason("semantic", mentee, mentor)):
            reasons.insert(0, quoted)
        if clear_fit:
            reasons.insert(
                0,
                f"Clear fit by meaning: {mentor.name} is well ahead of every other mentor "
                f"for what {mentee.name} wrote",
            )
        if not_judged:
            reasons.insert(0, not_judged)
        total = self.total(components)
        semantic_share = self.weights["semantic"] * components["semantic"] / total if total else 0
        if judged and semantic_share < MOSTLY_LOGISTICS:
            strongest = sorted(LOGISTICS, key=lambda name: -self.weights[name] * components[name])
            named = _join([name.replace("_", " ") for name in strongest[:3]])
            reasons.append(
                f"Mostly logistics: what they wrote accounts for only {semantic_share:.0%} of "
                f"this score; most of the rest is {named}"
            )
        known = cosine if judged and cosine is not None else None
        reasons.extend(self._cautions(mentee, mentor, components, known))
        return reasons or ["No strong signal either way; the best pair the rules allowed."]

    def _reason(self, name: str, mentee: Profile, mentor: Profile) -> str | None:
        if name == "semantic":
            need, offer = closest_sentences(
                need_sentences(mentee), offer_sentences(mentor), self.sentence_vectors
            )
            if not need or not offer:
                return None
            return f'{mentee.name} wants "{need}"; {mentor.name} offers "{offer}"'
        if name == "skills":
            wanted = {s.casefold(): s for s in mentee.skills}
            shared = [wanted[s.casefold()] for s in mentor.skills if s.casefold() in wanted]
            return (
                f"{mentor.name} has {len(shared)} of the {len(wanted)} skills "
                f"{mentee.name} wants: {', '.join(shared)}"
            )
        if name == "availability":
            hours = self.shared_hours(mentee, mentor) or 0.0
            return (
                f"{hours:.1f} h/week of shared availability, "
                f"{describe_timezones(mentee.timezone, mentor.timezone)}"
            )
        if name == "communication":
            shared = sorted(set(mentee.communication) & set(mentor.communication))
            return f"Both can meet by {_join([m.replace('_', ' ') for m in shared])}"
        if name == "industry":
            return f"Both work in {mentor.industry}"
        if name == "experience":
            if self.kind == "reverse":
                return (
                    f"Reverse mentoring: {mentee.name} has {mentee.years_experience:g} years "
                    f"of experience, {mentor.name} brings a newer view with "
                    f"{mentor.years_experience:g}"
                )
            if self.kind == "peer":
                return (
                    f"Peers with similar experience ({mentor.years_experience:g} and "
                    f"{mentee.years_experience:g} years)"
                )
            return (
                f"{mentor.name} has {mentor.years_experience:g} years of experience, "
                f"{mentee.name} {mentee.years_experience:g}"
            )
        if name == "working_style":
            shared = sorted(words(mentee.working_style) & words(mentor.working_style))[:3]
            return f"Similar working styles: both mention {_join(shared)}"
        return None

    def _cautions(
        self, mentee: Profile, mentor: Profile, components: dict[str, float], cosine: float | None
    ) -> list[str]:
        cautions = []
        if cosine is not None and cosine < MEANING_CAUTION:
            cautions.append(
                f"Watch: weak fit by meaning ({cosine:.2f}, below {MEANING_CAUTION}): what "
                f"{mentee.name} needs and what {mentor.name} offers are not clearly related; "
                "read both profiles before approving"
            )
        hours = self.shared_hours(mentee, mentor)
        both_async = accepts_async(mentee) and accepts_async(mentor)
        where = describe_timezones(mentee.timezone, mentor.timezone)
        if hours is not None and hours < FEW_HOURS:
            if both_async:
                cautions.append(
                    f"Watch: only {hours:.1f} h/week of shared availability ({where}); both "
                    "accept asynchronous mentoring, so most of it may happen in writing"
                )
            else:
                cautions.append(
                    f"Watch: only {hours:.1f} h/week of shared availability ({where}); agree a "
                    "regular slot at the first session"
                )
        if components["communication"] == 0.0:
            cautions.append("Watch: no way of meeting in common; agree one at the first session")
        return cautions


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if s.strip()]


def best_sentences(
    need: str,
    offer: str,
    vectors: dict[str, np.ndarray] | None = None,
    limit: int = 110,
) -> tuple[str, str]:
    """The need and offer sentences closest in meaning (or sharing most words)."""
    return closest_sentences(sentences(need), sentences(offer), vectors, limit)


def closest_sentences(
    needs: Sequence[str],
    offers: Sequence[str],
    vectors: Mapping[str, np.ndarray] | None = None,
    limit: int = 110,
) -> tuple[str, str]:
    """The need sentence and offer sentence closest in meaning to each other (or, without
    vectors for all of them, sharing most words)."""
    if not needs or not offers:
        return "", ""
    pairs = [(a, b) for a in needs for b in offers]
    if vectors and all(s in vectors for s in (*needs, *offers)):
        best = max(pairs, key=lambda pair: float(vectors[pair[0]] @ vectors[pair[1]]))
    else:
        best = max(pairs, key=lambda pair: len(words(pair[0]) & words(pair[1])))
    return _clip(best[0].rstrip("."), limit), _clip(best[1].rstrip("."), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
