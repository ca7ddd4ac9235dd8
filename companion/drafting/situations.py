"""The pair's situation, and the guide section a mentor reads for it.

What a brief or an agenda can say about a pair without knowing their field: no session
held yet, the mentor's or the mentee's action overdue, a goal achieved with nothing open,
no goal yet, a goal past its target date or without milestones. Each is read from what the draft
already holds, and `data/situations.yaml` names the guide section written for it. A
guide line chosen this way fits the pair whatever their profession, where a sentence
chosen by closeness in meaning to "a B1 licensed aircraft engineer who wants type
ratings" mostly does not (docs/llm.md, "Guidance for the pair's situation").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.drafting.goal_families import DATA_DIR, load
from companion.drafting.pair import goal_order, owned_by, still_open
from companion.drafting.text import first_name, sentences_of, shorten, strip_end
from prompts.schemas import Guidance, RelationshipInput, Situation

Code = Literal[
    "first_session",
    "mentor_action_overdue",
    "overdue_action",
    "goal_achieved",
    "after_achieving",
    "no_goal_yet",
    "nothing_to_work_on_yet",
    "goal_past_target",
    "goal_without_milestones",
]
# A draft points to at most this many sections for the pair's situation.
MOST = 2
# A goal past its target date this far along is all but done: not a case for a review.
NEARLY_DONE = 80
_FIELDS = {"mentee", "action", "goal", "progress"}
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pointer(_Strict):
    """One situation and the section written for it (see the data file)."""

    code: Code
    guide: str = Field(min_length=1)
    section: str = Field(min_length=1)
    why: str = Field(min_length=1, max_length=200)
    to_both: bool
    quote: bool = True

    @field_validator("why")
    @classmethod
    def _known_fields(cls, why: str) -> str:
        unknown = set(_PLACEHOLDER.findall(why)) - _FIELDS
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}")
        return why


class Pointers(_Strict):
    pointers: list[Pointer] = Field(min_length=1)

    @field_validator("pointers")
    @classmethod
    def _one_each(cls, pointers: list[Pointer]) -> list[Pointer]:
        codes = [p.code for p in pointers]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"{repeated[0]} is listed twice")
        return pointers


@cache
def pointers() -> tuple[Pointer, ...]:
    """The data file's pointers, in the order they are tried."""
    listed = load(Pointers, DATA_DIR / "situations.yaml")
    return tuple(listed.pointers)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Found:
    """A situation the pair is in, said to the mentor, and its pointer."""

    pointer: Pointer
    why: str


def of(data: RelationshipInput, *, to_both: bool, goals_known: bool = True) -> list[Found]:
    """The situations `data` shows, in the data file's order. `to_both`: the draft goes
    to the mentee too, so pointers that would read as a reproach are left out.
    `goals_known`: False when the draft was given none of the pair's goals on purpose
    (a circle's agenda: no mentee's goals reach the others), so "no goal yet" is unknown."""
    mentee = first_name(data.mentee)
    goals = goal_order(data.goals)
    late = [a for a in still_open(data.open_actions) if a.due_date and a.due_date < data.today]
    overdue = [a for a in late if owned_by(a, data.mentee)]
    own = [a for a in late if owned_by(a, data.mentor)]
    past = [
        g
        for g in goals
        if g.status == "active"
        and g.target_date
        and g.target_date < data.today
        and g.progress < NEARLY_DONE
    ]
    bare = [g for g in goals if g.status == "active" and not g.milestones]
    wants = bool(str(data.mentee.profile.get("goals", "")).strip())
    achieved = (
        {"goal": strip_end(data.achieved_goals[-1])} if data.achieved_goals and not goals else None
    )
    facts: dict[str, dict[str, str] | None] = {
        "first_session": {} if data.last_session is None else None,
        "mentor_action_overdue": {"action": strip_end(own[0].text)} if own else None,
        "overdue_action": {"action": strip_end(overdue[0].text)} if overdue else None,
    }
    # What the goals say, only where the draft was given them.
    facts |= (
        {
            "goal_achieved": achieved,
            "after_achieving": achieved,
            "no_goal_yet": {} if not goals and not data.achieved_goals and wants else None,
            "nothing_to_work_on_yet": (
                {} if not goals and not data.achieved_goals and not wants else None
            ),
            "goal_past_target": (
                {"goal": strip_end(past[0].title), "progress": str(past[0].progress)}
                if past
                else None
            ),
            "goal_without_milestones": {"goal": strip_end(bare[0].title)} if bare else None,
        }
        if goals_known
        else {}
    )
    found = []
    for pointer in pointers():
        fields = facts.get(pointer.code)
        if fields is None or (to_both and not pointer.to_both):
            continue
        values = {"mentee": mentee, "action": "", "goal": "", "progress": "", **fields}
        found.append(Found(pointer, shorten(pointer.why.format(**values), 400)))
    return found


def situated(
    data: RelationshipInput,
    *,
    to_both: bool,
    section: Callable[[str, str], list[Guidance]],
    avoid: frozenset[str] = frozenset(),
    goals_known: bool = True,
) -> RelationshipInput:
    """`data` with the sections for the pair's situations (at most MOST) added to its
    guidance and named in its `situations`. `section(guide, heading)`: that section's
    passages in order, as the reader may be given them (none when absent). `avoid`:
    guides a reviewer asked to leave out. `goals_known`: as for `of`."""
    given = {g.chunk_id for g in data.guidance}
    added: list[Guidance] = []
    marked: list[Situation] = []
    for found in of(data, to_both=to_both, goals_known=goals_known):
        pointer = found.pointer
        if pointer.guide in avoid:
            continue
        passages = section(pointer.guide, pointer.section)[:2]
        if not passages:
            continue
        added += [g for g in passages if g.chunk_id not in given]
        given |= {g.chunk_id for g in passages}
        marked.append(
            Situation(code=pointer.code, why=found.why, chunk_ids=[g.chunk_id for g in passages])
        )
        if len(marked) == MOST:
            break
    return data.model_copy(update={"guidance": [*data.guidance, *added], "situations": marked})


def pointer(code: str) -> Pointer | None:
    return next((p for p in pointers() if p.code == code), None)


def section_of(chunk: Guidance) -> str:
    """The section a passage sits in: its heading right under the guide's title."""
    parts = [part.strip() for part in chunk.heading.split(" > ")]
    return parts[1] if len(parts) > 1 else ""


# An opening quoted under its section's name may be this short: "Find out why before you
# push harder."
SHORTEST = 5
_LIST_OR_LABEL = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|\*\*)")


def lead(passages: list[Guidance]) -> str:
    """The section's opening sentence, when it reads on its own as guidance (not a list's
    introduction, a list item or a labelled step); else empty."""
    from companion.drafting.grounding import readable

    if not passages:
        return ""
    text = passages[0].text.lstrip()
    if _LIST_OR_LABEL.match(text):
        return ""
    sentences = sentences_of(text)
    if not sentences or not readable(sentences[0], shortest=SHORTEST):
        return ""
    return sentences[0]
