"""Goal coaching: the mentee writes their goal, the product asks, the mentee stays the author.

It lives with drafting, above the relationships package, because it composes the
goal with the SMART goal kind's composer; permission and input rules are those of
`companion.relationships.goals`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from companion.drafting.goal_families import goal_statement
from companion.drafting.kinds import smart_goal
from companion.errors import PermissionDenied
from companion.relationships.access import View
from companion.relationships.goals import (
    ANSWER_MAX,
    COACHING_TEXT_MAX,
    SMART_PARTS,
    TITLE_MAX,
    check_text,
    raise_if,
    require_open,
)
from prompts.schemas import Criterion, Status


class CoachingVerdict(BaseModel):
    criterion: Criterion
    status: Status
    why: str
    question: str
    suggestions: list[str]


class CoachedGoal(BaseModel):
    """The goal as the mentee would save it: their statement, their answers by part."""

    title: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    time_bound: str
    target_date: date | None


class CoachingPublic(BaseModel):
    """One round of coaching: verdicts, the goal composed from the mentee's words, and
    `as_goal`, the fields to save."""

    text: str
    answers: dict[str, str]
    goal: str
    complete: bool
    open: list[str]
    target_date: date | None
    verdicts: list[CoachingVerdict]
    as_goal: CoachedGoal


def may_coach(*, view: View) -> None:
    """Goal coaching is for the mentee writing their own goal, while the pair is open."""
    if not view.is_mentee:
        raise PermissionDenied(
            "Goal coaching is for the mentee writing their own goal; mentors and "
            "coordinators follow goals once they are shared."
        )
    require_open(view)


def coach(
    *, view: View, text: str, answers: dict[str, str] | None = None, today: date | None = None
) -> CoachingPublic:
    """Coaching on a goal the mentee is writing: each SMART criterion met, missing or
    unclear, one question per gap with at most two suggestions, and the goal composed
    from their own words and answers. Only the mentee may ask; nothing is stored, and
    nothing but the mentee's own words and fixed questions is shown, so no review is
    needed. Saving it (`create`) or drafting from it goes through the usual rules."""
    may_coach(view=view)
    text = (text or "").strip()
    answers = dict(answers or {})
    problems: list[dict[str, str]] = []
    check_text(problems, "text", text, most=COACHING_TEXT_MAX, required=True)
    for name, answer in answers.items():
        if name not in SMART_PARTS:
            problems.append(
                {"field": f"answers.{name}", "message": f"one of {', '.join(SMART_PARTS)}"}
            )
        elif not isinstance(answer, str):
            problems.append({"field": f"answers.{name}", "message": "must be text"})
        else:
            check_text(problems, f"answers.{name}", answer.strip(), most=ANSWER_MAX, required=False)
    raise_if(problems, "The goal cannot be checked")
    mentee = view.people[view.member.participant_id]
    relationship = view.relationship
    coaching = smart_goal.coach(
        text,
        answers,
        today=today or date.today(),
        role=mentee.title or "",
        program=view.program.name,
        program_end=relationship.planned_end_date,
    )
    fields = {part: coaching.answers.get(part, "") for part in SMART_PARTS}
    return CoachingPublic.model_validate(
        {
            "text": text,
            "answers": coaching.answers,
            "goal": coaching.goal,
            "complete": coaching.complete,
            "open": coaching.open,
            "target_date": coaching.target_date,
            "verdicts": [
                v.model_dump(include={"criterion", "status", "why", "question", "suggestions"})
                for v in coaching.check.verdicts
            ],
            # The goal as the mentee would save it: their statement, their answers by part.
            "as_goal": {
                "title": goal_statement(text)[:TITLE_MAX] or text[:TITLE_MAX],
                **fields,
                "target_date": coaching.target_date,
            },
        }
    )
