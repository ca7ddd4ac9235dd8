"""Synthetic but varied participant-profile texts for benchmarks (deterministic)."""

from __future__ import annotations

import random

ROLES = [
    "backend engineer",
    "nurse manager",
    "account executive",
    "data analyst",
    "product designer",
    "site reliability engineer",
    "finance business partner",
    "HR generalist",
    "teacher",
    "supply chain planner",
    "policy advisor",
    "customer success lead",
    "research scientist",
]
GOALS = [
    "move into my first people-management role within a year",
    "get better at presenting to senior leadership without freezing",
    "switch from operations into product management",
    "build a network outside my own department",
    "learn how to negotiate scope and deadlines with stakeholders",
    "prepare for a promotion case and understand what evidence counts",
    "balance a heavy on-call load with family commitments",
    "grow from individual contributor to technical lead on a distributed team",
    "return to work after parental leave and rebuild confidence",
    "understand how budgeting decisions are made in the organisation",
]
CHALLENGES = [
    "I find it hard to delegate and end up doing everything myself",
    "my manager changed twice this year and my priorities keep shifting",
    "I work remotely in a different time zone from most of my team",
    "I am the only person with my background in the department",
    "I struggle to say no to requests and my calendar is always full",
    "I get detailed feedback but do not know what to focus on first",
]
STYLES = [
    "I like structured sessions with a clear agenda",
    "I prefer informal conversations and thinking out loud",
    "written notes between sessions help me reflect",
    "I learn best from concrete examples and stories",
]


def profile_texts(n: int, seed: int = 7) -> list[str]:
    """n distinct profile-length texts (about 40-60 words each)."""
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        texts.append(
            f"I am a {rng.choice(ROLES)} with {rng.randint(1, 25)} years of experience. "
            f"I want to {rng.choice(GOALS)}. Right now {rng.choice(CHALLENGES)}. "
            f"{rng.choice(STYLES).capitalize()}. Reference {i}."
        )
    return texts
