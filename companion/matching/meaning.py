"""Fit by meaning, from people's own words: one vector per sentence, no boilerplate.

A mentee's need is the sentences of their goals and challenges; a mentor's
offer is the sentences of their expertise. Nothing is added to those texts:
title, years and industry are structured components of the score, and a
sentence built from them ("Senior specialist with 13 years of experience")
would pull every senior mentor towards every mentee. When someone wrote no
such sentence, their skills list stands in for it.

Each sentence is encoded once. The meaning of a pair is the mean of two
directions: how well each need sentence is answered by the closest offer
sentence, and how well each offer sentence finds the closest need sentence.
A mentee with two distinct needs is so matched on both, and a mentor whose
one sentence happens to echo a mentee is not ranked above one whose whole
offer fits.

The packaged model compares meaning in English only. Text confidently in
another language is detected (`companion.language`) and the pair is marked
"not judged" instead of getting a confident near-zero score.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from companion import language
from companion.errors import AIFeatureOff
from companion.matching.profiles import Profile
from companion.programs import ai
from companion.programs.models import Program

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Mentees at a time when the sentence matrix is reduced: bounds memory on
# large cohorts (5,000 x 1,000 people is ~15,000 x 3,000 sentences).
CHUNK = 512


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text or "") if len(s.strip()) > 2]


def need_sentences(person: Profile) -> list[str]:
    """What a mentee needs, sentence by sentence, as they wrote it."""
    own = split_sentences(person.goals) + split_sentences(person.challenges)
    return own or ([", ".join(person.skills)] if person.skills else [])


def offer_sentences(person: Profile) -> list[str]:
    """What a mentor offers, sentence by sentence, as they wrote it."""
    own = split_sentences(person.expertise)
    return own or ([", ".join(person.skills)] if person.skills else [])


def written_language(person: Profile, *, as_mentor: bool) -> language.Detected | None:
    """The language of the person's own words when it is confidently not English."""
    if as_mentor:
        return language.not_english(person.expertise)
    return language.not_english(person.goals, person.challenges)


@dataclass
class Meaning:
    """Pairwise meaning of a cohort: `cosine[i, j]` is NaN where it was not judged."""

    cosine: np.ndarray
    sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    mentee_language: dict[int, language.Detected] = field(default_factory=dict)
    mentor_language: dict[int, language.Detected] = field(default_factory=dict)
    # Semantic matching is switched off for the program: no pair was judged by meaning.
    switched_off: bool = False

    def judged(self, i: int, j: int) -> bool:
        return bool(np.isfinite(self.cosine[i, j]))

    def not_judged_because(self, i: int, j: int, mentee: Profile, mentor: Profile) -> str:
        """Who wrote in which language, for a pair whose meaning was not judged."""
        if self.switched_off:
            return (
                "Fit by meaning not used: an administrator switched semantic matching off "
                "for this program; the pair is ranked by the rules, availability and the "
                "topics both named"
            )
        parts = []
        if i in self.mentee_language:
            parts.append(f"{mentee.name} wrote in {self.mentee_language[i].name}")
        if j in self.mentor_language:
            parts.append(f"{mentor.name} wrote in {self.mentor_language[j].name}")
        if not parts:
            return ""
        return (
            f"Fit by meaning not judged: {' and '.join(parts)}, and the built-in model "
            "compares meaning in English only; read both profiles before approving"
        )


def of_program(
    program: Program,
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    encode: Callable[[list[str]], np.ndarray],
) -> Meaning:
    """Meaning as the program allows it: with semantic matching switched off no text is
    encoded and no pair is judged by meaning (rules, availability and topics still rank)."""
    if ai.is_off(program, ai.MATCHING):
        unjudged = np.full((len(mentees), len(mentors)), np.nan, dtype=np.float32)
        return Meaning(unjudged, switched_off=True)
    return compare(mentees, mentors, encode)


def require_semantic(program: Program, what: str) -> None:
    """Refuse a mode that only works by meaning while semantic matching is off."""
    if ai.is_off(program, ai.MATCHING):
        raise AIFeatureOff(
            f"{what} ranks people by meaning, and an administrator switched semantic "
            f"matching off for {program.name}: run matching (rule-based while it is off) "
            "or pair people by hand."
        )


def compare(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    encode: Callable[[list[str]], np.ndarray],
) -> Meaning:
    """Meaning of every mentee-mentor pair, from sentence vectors."""
    n, m = len(mentees), len(mentors)
    mentee_language = {
        i: found for i, p in enumerate(mentees) if (found := written_language(p, as_mentor=False))
    }
    mentor_language = {
        j: found for j, p in enumerate(mentors) if (found := written_language(p, as_mentor=True))
    }
    needs = [need_sentences(p) for p in mentees]
    offers = [offer_sentences(p) for p in mentors]
    texts = sorted({s for group in (*needs, *offers) for s in group})
    vectors = dict(zip(texts, encode(texts), strict=True)) if texts else {}
    cosine = np.full((n, m), np.nan, dtype=np.float32)
    offer_rows = [j for j in range(m) if offers[j] and j not in mentor_language]
    if offer_rows and n:
        offer_matrix, offer_starts, offer_counts = _stack(vectors, [offers[j] for j in offer_rows])
        need_rows = [i for i in range(n) if needs[i] and i not in mentee_language]
        for start in range(0, len(need_rows), CHUNK):
            rows = need_rows[start : start + CHUNK]
            need_matrix, need_starts, need_counts = _stack(vectors, [needs[i] for i in rows])
            similarity = need_matrix @ offer_matrix.T
            # Each need sentence's best offer sentence, averaged over the mentee's needs.
            best_offer = np.maximum.reduceat(similarity, offer_starts, axis=1)
            need_side = np.add.reduceat(best_offer, need_starts, axis=0) / need_counts[:, None]
            # Each offer sentence's best need sentence, averaged over the mentor's offers.
            best_need = np.maximum.reduceat(similarity, need_starts, axis=0)
            offer_side = np.add.reduceat(best_need, offer_starts, axis=1) / offer_counts[None, :]
            cosine[np.ix_(rows, offer_rows)] = 0.5 * (need_side + offer_side)
    return Meaning(cosine, vectors, mentee_language, mentor_language)


def _stack(
    vectors: dict[str, np.ndarray], groups: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = np.array([len(g) for g in groups])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    matrix = np.stack([vectors[s] for g in groups for s in g]).astype(np.float32)
    return matrix, starts, counts.astype(np.float32)
