"""What a relationship's draft input is about: its live goals, open actions and the
topics of its last notes. (Its guidance arrives ranked by meaning: `grounding`.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from companion.drafting.text import day_count, first_name, plain, spoken_date
from prompts.schemas import (
    ActionSummary,
    GoalSummary,
    Milestone,
    Person,
)


def goal_order(goals: Iterable[GoalSummary]) -> list[GoalSummary]:
    """Goals still in play, the least advanced first (ties: the nearest target first)."""
    live = [g for g in goals if g.status in ("active", "draft")]
    return sorted(
        live,
        key=lambda g: (g.status != "active", g.progress, g.target_date or date.max),
    )


def next_milestone(goal: GoalSummary) -> Milestone | None:
    pending = [m for m in goal.milestones if not m.done]
    dated = sorted((m for m in pending if m.due_date), key=lambda m: m.due_date or date.max)
    return (dated or pending or [None])[0]


def still_open(actions: Iterable[ActionSummary]) -> list[ActionSummary]:
    """Open actions, the overdue and soonest due first, undated last (input order kept)."""
    return sorted((a for a in actions if not a.done), key=lambda a: a.due_date or date.max)


def due_phrase(action: ActionSummary, today: date) -> str:
    """When an action is due, counted from `today`, its date said as every draft says one
    ("due in 3 days, on 20 March 2026")."""
    if action.due_date is None:
        return "no due date"
    gap = (action.due_date - today).days
    if gap < 0:
        return f"overdue by {day_count(-gap)}, due {spoken_date(action.due_date)}"
    if gap == 0:
        return f"due today, {spoken_date(action.due_date)}"
    return f"due in {day_count(gap)}, on {spoken_date(action.due_date)}"


def owned_by(action: ActionSummary, person: Person) -> bool:
    owner = action.owner.strip().lower()
    return bool(owner) and owner in {person.role, person.name.lower(), first_name(person).lower()}


_TOPIC_CUE = re.compile(
    r"\b(?:talked (?:about|through)|discussed|covered|explored|went (?:over|through)|"
    r"worked (?:on|through)|looked at|reviewed|practi[sc]ed|role-?played|focused on|"
    r"worried about|nervous about|anxious about|concerned about|struggl\w* with|stuck on|"
    r"feedback on|unsure (?:about|of)|prepared for|planned|rehearsed)\s+"
    r"(?P<topic>[^.;:!?\n(]+)",
    re.IGNORECASE,
)
_TOPIC_TAIL = re.compile(r"\s*(?:,|\band (?:agreed|decided|then)\b|\bwhich\b|\bso that\b).*$")


def note_topics(notes: str, limit: int = 3) -> list[str]:
    """Short topic phrases from session notes ("how to structure the design review")."""
    topics: list[str] = []
    for match in _TOPIC_CUE.finditer(plain(notes)):
        topic = _TOPIC_TAIL.sub("", match.group("topic")).strip()
        words = topic.split()
        if len(words) < 2:
            continue
        topic = " ".join(words[:10])
        if topic.lower() not in (t.lower() for t in topics):
            topics.append(topic)
        if len(topics) == limit:
            break
    return topics
