"""A reviewer's note on "request changes", as the drafters act on it when drafting again.

With an LLM the note goes into the prompt as delimited data. The built-in drafter
cannot read free text, so it acts only on the few requests it recognises: a
shorter draft, more on a goal the note names by its title, or different guidance
than the last version used. Anything else is reported back plainly, with the
advice to edit the draft instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from companion.drafting.text import content_words
from prompts.schemas import DraftKind, GoalSummary, RelationshipInput

CANNOT_FOLLOW = (
    "The built-in drafter cannot follow free-text notes: it drafted this version from the "
    "same input. Edit the draft to make the change, or configure an LLM "
    "(COMPANION_LLM_MODEL), which reads the note."
)

_SHORTER = re.compile(
    r"\b(?:shorter|too long|shorten|more concise|concise|briefer|cut (?:it )?down|trim|"
    r"fewer (?:items|questions|points))\b",
    re.IGNORECASE,
)
_OTHER_GUIDANCE = re.compile(
    r"\b(?:different|other|another|new|fresh)\s+(?:guidance|passage|source|article|reading)s?\b|"
    r"\bguidance\b.*\b(?:off[- ]topic|irrelevant|not relevant|does ?n[o']t fit|wrong)\b",
    re.IGNORECASE,
)
SHORTENABLE = frozenset(
    {DraftKind.agenda, DraftKind.brief, DraftKind.feedback_prompts, DraftKind.nudge}
)
_MORE_ON = re.compile(r"\b(?:more on|focus(?:ed)? on|more about|concentrate on)\b", re.IGNORECASE)


@dataclass
class Revision:
    """What the built-in drafter will change for a note, and whether it understood it."""

    note: str
    shorter: bool = False
    goal: GoalSummary | None = None
    other_guidance: bool = False
    followed: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return bool(self.followed)

    def as_record(self, *, llm: bool) -> dict[str, Any]:
        """What a draft keeps of the note it was drafted again for."""
        if llm:
            return {"note": self.note, "followed_by": "llm", "followed": [], "message": ""}
        return {
            "note": self.note,
            "followed_by": "offline",
            "followed": self.followed,
            "message": "" if self.understood else CANNOT_FOLLOW,
        }


def wants_other_guidance(note: str) -> bool:
    return bool(_OTHER_GUIDANCE.search(note))


def _named_goal(note: str, goals: list[GoalSummary]) -> GoalSummary | None:
    """The goal the note asks for more on: the one sharing most of its title's words."""
    if not _MORE_ON.search(note):
        return None
    asked = content_words(note, domain=False)
    best, overlap = None, 0
    for goal in goals:
        title = content_words(goal.title, domain=False)
        shared = len(asked & title)
        if title and shared > overlap and shared >= min(2, len(title)):
            best, overlap = goal, shared
    return best


def understand(note: str, kind: DraftKind, data: BaseModel) -> Revision:
    revision = Revision(note=note)
    if not note.strip():
        return revision
    if kind in SHORTENABLE and _SHORTER.search(note):
        revision.shorter = True
        revision.followed.append("shorter")
    if isinstance(data, RelationshipInput):
        goal = _named_goal(note, data.goals)
        if goal is not None:
            revision.goal = goal
            revision.followed.append(f"more on '{goal.title}'")
    if _OTHER_GUIDANCE.search(note) and hasattr(data, "guidance"):
        revision.other_guidance = True
        revision.followed.append("different guidance")
    return revision


def revised_input(revision: Revision, data: BaseModel, used_documents: set[str]) -> BaseModel:
    """The input the built-in drafter works from for this revision."""
    update: dict[str, Any] = {}
    if revision.goal is not None and isinstance(data, RelationshipInput):
        # The named goal is the one the draft is about; the others wait.
        update["goals"] = [revision.goal]
    if revision.other_guidance:
        fresh = [g for g in data.guidance if g.document_id not in used_documents]
        if fresh:
            update["guidance"] = fresh
        else:
            revision.followed.remove("different guidance")
    return data.model_copy(update=update) if update else data


def shortened(kind: DraftKind, content: BaseModel) -> BaseModel:
    """A shorter version of an offline draft: fewer items, each as the schema allows."""
    data = content.model_dump()
    if kind == DraftKind.agenda:
        data["objectives"] = data["objectives"][:2]
        data["questions"] = data["questions"][:2]
        data["preparation"] = {k: v[:1] for k, v in data["preparation"].items()}
        for item in data["items"]:
            item["notes"] = _first_sentence(item["notes"])
    elif kind == DraftKind.brief:
        data["open_actions"] = data["open_actions"][:3]
        data["goal_progress"] = data["goal_progress"][:2]
        data["guidance"] = data["guidance"][:1]
        data["citations"] = [g["document_id"] for g in data["guidance"]]
    elif kind == DraftKind.feedback_prompts:
        data["for_mentee"] = data["for_mentee"][:2]
        data["for_mentor"] = data["for_mentor"][:2]
    elif kind == DraftKind.nudge:
        paragraphs = data["message"].split("\n\n")
        if len(paragraphs) > 3:
            # Greeting, opening, offer and sign-off; the paragraph about the work goes.
            paragraphs = [paragraphs[0], paragraphs[1], *paragraphs[-2:]]
        data["message"] = "\n\n".join(paragraphs)
    return type(content).model_validate(data)


def _first_sentence(text: str) -> str:
    end = re.search(r"[.!?](?:\s|$)", text)
    return text[: end.end()].strip() if end else text
