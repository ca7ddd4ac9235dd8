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

from companion.availability import Slot, describe_timezones, to_utc_week
from companion.matching.config import COMPONENTS, MatchingSettings
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

    self_pair = ~np.equal.outer(
        np.array([p.external_id for p in mentees], dtype=object),
        np.array([p.external_id for p in mentors], dtype=object),
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


def semantic_component(cosine: float) -> float:
    return float(np.clip((cosine - SEMANTIC_FLOOR) / SEMANTIC_SPAN, 0.0, 1.0))


def words(text: str) -> set[str]:
    """Words of four letters or more, as the shared tokenizer splits them."""
    return {w for w in tokens.words(text) if len(w) >= 4 and w[0].isalpha()} - STOP


def _set_score(wanted: Sequence[str], offered: Sequence[str]) -> float:
    a = {s.casefold() for s in wanted}
    b = {s.casefold() for s in offered}
    if not a:
        return NEUTRAL
    return len(a & b) / len(a)


def _experience_score(kind: str, mentor_years: float | None, mentee_years: float | None) -> float:
    if mentor_years is None or mentee_years is None:
        return NEUTRAL
    gap = mentor_years - mentee_years
    if kind == "reverse":
        gap = -gap
    if kind == "peer":
        return max(0.0, 1.0 - abs(gap) / 5.0)
    # A mentor clearly senior: five or more years ahead counts fully.
    return float(np.clip(gap / 5.0, 0.0, 1.0))


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

    def shared_hours(self, mentee: Profile, mentor: Profile) -> float | None:
        a, b = self.utc_week(mentee), self.utc_week(mentor)
        if a is None or b is None:
            return None
        return _intersect_minutes(a, b) / 60.0

    def components(self, mentee: Profile, mentor: Profile, semantic: float) -> dict[str, float]:
        hours = self.shared_hours(mentee, mentor)
        target = self.settings.rules.availability_target_hours
        modes_a, modes_b = set(mentee.communication), set(mentor.communication)
        style_a, style_b = words(mentee.working_style), words(mentor.working_style)
        industry_a, industry_b = mentee.industry.casefold(), mentor.industry.casefold()
        return {
            "semantic": semantic_component(semantic),
            "skills": _set_score(mentee.skills, mentor.skills),
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

    def reasons(self, mentee: Profile, mentor: Profile, components: dict[str, float]) -> list[str]:
        """Plain-language reasons, strongest contribution first, plus one caution if due."""
        ranked = sorted(
            (name for name in COMPONENTS if components[name] > EXPLAIN_ABOVE.get(name, NEUTRAL)),
            key=lambda name: -self.weights[name] * components[name],
        )
        reasons = [text for name in ranked if (text := self._reason(name, mentee, mentor))]
        reasons = reasons[:4]
        caution = self._caution(mentee, mentor, components)
        if caution:
            reasons.append(caution)
        return reasons or ["No strong signal either way; the best pair the rules allowed."]

    def _reason(self, name: str, mentee: Profile, mentor: Profile) -> str | None:
        if name == "semantic":
            need, offer = best_sentences(
                mentee.quoted_need(),
                mentor.quoted_offer(),
                self.sentence_vectors,
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

    def _caution(self, mentee: Profile, mentor: Profile, components: dict[str, float]) -> str:
        hours = self.shared_hours(mentee, mentor)
        if hours is not None and hours < 1.0:
            return (
                f"Watch: only {hours:.1f} h/week of shared availability "
                f"({describe_timezones(mentee.timezone, mentor.timezone)}); asynchronous "
                "mentoring may suit them"
            )
        if components["communication"] == 0.0:
            return "Watch: no way of meeting in common; agree one at the first session"
        return ""


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
    needs, offers = sentences(need), sentences(offer)
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
