"""The SMART goal, and goal coaching that keeps the mentee the author.

The mentee writes their goal; `coach` checks each criterion, asks one concrete question
for each gap with at most two short suggestions they may take or leave, and composes
the goal from the mentee's own words and answers. Nothing of theirs is put into a
template: a sentence is kept as they wrote it (opening filler such as "honestly" aside),
an action after "I want to" is said as "I will …", and each answer becomes a sentence of
its own. The offline SMART goal draft (`compose`) is built the same way; approved, it
becomes the mentee's goal, shared with their mentor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from companion import language
from companion.drafting.goal_families import (
    ACTION_STARTS,
    DEFAULT_GOAL_WEEKS,
    FILLER,
    LEAD_IN,
    family_of,
    goal_families,
    goal_statement,
    normalised,
    sentences,
)
from companion.drafting.inputs import Sources
from companion.drafting.kinds.smart_check import check_text, stated_dates
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.text import (
    apart,
    as_sentence,
    phrases_of,
    shorten,
    spoken_date,
    strip_end,
    whole_first,
)
from companion.relationships.models import Goal, GoalStatus, GoalVisibility
from companion.relationships.models import Milestone as GoalMilestone
from prompts.schemas import (
    CRITERIA,
    DraftKind,
    Milestone,
    SmartCheck,
    SmartGoal,
    SmartGoalInput,
)

KIND = DraftKind.smart_goal
HEADLINE = "Your SMART goal"
REVIEWERS = frozenset({Reviewer.subject})
RECEIVERS = Audience.subject


def gather(sources: Sources) -> SmartGoalInput:
    _, mentee = sources.pair()
    program, relationship = sources.target.program, sources.target.relationship
    return SmartGoalInput(
        program_name=program.name,
        today=sources.today,
        program_end=relationship.planned_end_date,
        mentee=mentee,
        aspiration=sources.text,
        guidance=sources.guidance(f"SMART goals {sources.text}"),
    )


@dataclass(frozen=True)
class Coaching:
    """One round of coaching: the check of what the mentee has written so far (their
    text and answers), and the goal composed from their words."""

    text: str
    answers: dict[str, str]
    goal: str
    check: SmartCheck
    target_date: date | None = None
    open: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.open


# Words an answer may open with that its sentence already supplies.
_ANSWER_LEADS = {
    "measurable": re.compile(
        r"^(?:(?:it(?:'s| is| will be) )?done (?:means|when|once)|(?:we|i|you)(?: both)?"
        r"(?:'ll| will)? know (?:it(?:'s| is) done )?(?:when|once|because)|when|once|"
        r"by seeing|if)\s+",
        re.IGNORECASE,
    ),
    "time_bound": re.compile(r"^(?:done\s+)?(?:by|before|no later than)\s+", re.IGNORECASE),
}
_TIME_OPENING = re.compile(
    r"^(?:within|in|during|until|till|from|over|this|next|q[1-4]\b)",
    re.IGNORECASE,
)


# Verbs an answer may start with that make it an action: "run the retro".
_VERBS = frozenset(
    "ask book build cut deliver draft finish give hold interview lead mentor organise "
    "organize pair pass present publish run ship speak submit teach write".split()
)


def _own_sentence(answer: str) -> str:
    """An answer as a sentence of its own, in the mentee's words."""
    text = FILLER.sub("", strip_end(normalised(answer))).strip(" ,")
    if not text:
        return ""
    statement = goal_statement(text)
    if statement.lower().startswith("i will ") or text.lower().startswith(("i ", "i'")):
        return statement + "."
    bare = LEAD_IN.sub("", text, count=1)
    if family_of(bare).starts(bare) or bare.split()[0].lower() in _VERBS:
        return f"I will {bare[:1].lower()}{bare[1:]}."
    return text[:1].upper() + text[1:] + "."


def _answer_sentence(criterion: str, answer: str) -> str:
    text = FILLER.sub("", strip_end(normalised(answer))).strip(" ,")
    if not text:
        return ""
    if criterion == "measurable":
        rest = _ANSWER_LEADS["measurable"].sub("", text, count=1)
        if rest and not re.match(r"I\b", rest):
            rest = rest[:1].lower() + rest[1:]
        return f"Done when {rest}." if rest else ""
    if criterion == "time_bound":
        if re.match(r"(?:the\s+)?end\s+of\b", text, re.IGNORECASE):
            return "By the " + re.sub(r"^(?:the\s+)?", "", text, flags=re.IGNORECASE) + "."
        if _TIME_OPENING.match(text):
            return text[:1].upper() + text[1:] + "."
        rest = _ANSWER_LEADS["time_bound"].sub("", text, count=1)
        return f"By {rest}." if rest else ""
    return _own_sentence(text)


def own_words(text: str) -> str:
    """All the mentee wrote, sentence by sentence: the first as a goal statement, the
    rest as they wrote them (capitalised)."""
    first = goal_statement(text)
    rest = [strip_end(s) for s in sentences(normalised(text))[1:]]
    parts = [first, *(r[:1].upper() + r[1:] for r in rest if r)]
    return " ".join(strip_end(p) + "." for p in parts if p)


# An aspiration up to this many words is kept as the mentee wrote it (it is already a
# goal statement); a longer one is stated by the point of its clauses.
WHOLE_GOAL_WORDS = 8
# A goal the check finds SMART is kept whole if it is one goal statement of this many
# words at most; a longer text is stated by its clauses, SMART or not.
WHOLE_SMART_GOAL_WORDS = 15


def drafted_goal(text: str, answers: dict[str, str], *, smart: bool = False) -> str:
    """The goal as the SMART goal draft states it. A short text, or one already SMART
    (`smart`), as the mentee wrote it; otherwise the point of what they wrote, as short
    quotes of their own words (what they said they want, at most two clauses), never
    their whole text pasted back. Then each answer as a sentence of its own."""
    words = len(normalised(text).split())
    if words <= WHOLE_GOAL_WORDS or (smart and words <= WHOLE_SMART_GOAL_WORDS):
        return compose_goal(text, answers)
    found = language.not_english(text)
    if found is not None:
        statement = (
            f"My goal, written in {found.name}: the built-in drafter reads English only, so "
            "I will put it into words with my mentor."
        )
    else:
        phrases = whole_first(phrases_of(FILLER.sub("", normalised(text))))
        wanted = [p for p in phrases if p.wanted]
        chosen = apart(wanted or [p for p in phrases if _acts(p.text)], 2) or phrases[:1]
        if not chosen:
            statement = "My first development goal."
        elif _acts(chosen[0].text):
            actions = [chosen[0].text] + [p.text for p in chosen[1:] if _acts(p.text)]
            statement = "I will " + " and ".join(_lower_first(a) for a in actions) + "."
        else:
            statement = as_sentence(chosen[0].text)
    parts = [statement]
    parts += [_answer_sentence(c, answers[c]) for c in CRITERIA if answers.get(c, "").strip()]
    return " ".join(p for p in parts if p)


def _acts(phrase: str) -> bool:
    """Whether a phrase starts with something the mentee would do ("own a service")."""
    first = phrase.split()[0].lower() if phrase.split() else ""
    return first in ACTION_STARTS or first in _VERBS or family_of(phrase).starts(phrase)


def _lower_first(phrase: str) -> str:
    return phrase if phrase.split()[0].isupper() else phrase[:1].lower() + phrase[1:]


def compose_goal(text: str, answers: dict[str, str]) -> str:
    """The goal from the mentee's own words and answers, one sentence each."""
    parts = [own_words(text)]
    parts += [_answer_sentence(c, answers[c]) for c in CRITERIA if answers.get(c, "").strip()]
    return " ".join(p for p in parts if p)


def coach(
    text: str,
    answers: dict[str, str] | None = None,
    *,
    today: date,
    role: str = "",
    program: str = "",
    program_end: date | None = None,
) -> Coaching:
    """Check the mentee's goal and answers so far; ask about what is still open."""
    answers = {c: a.strip() for c, a in (answers or {}).items() if c in CRITERIA and a.strip()}
    goal = compose_goal(text, answers)
    check = check_text(goal, today=today, role=role, program=program, program_end=program_end)
    later = [d for d in stated_dates(goal, today) if d > today]
    return Coaching(
        text=text,
        answers=answers,
        goal=goal,
        check=check,
        target_date=max(later) if later else None,
        open=check.missing,
    )


def _milestone_dates(today: date, target: date) -> list[date]:
    span = (target - today).days
    return [
        today + timedelta(days=max(1, round(span / 3))),
        today + timedelta(days=max(1, round(2 * span / 3))),
        target,
    ]


def _field(verdict: Any) -> str:
    if verdict.status == "met":
        return verdict.why
    offers = "; or ".join(verdict.suggestions)
    return f"To answer: {verdict.question}" + (f" (for example: {offers})" if offers else "")


def compose(data: SmartGoalInput) -> SmartGoal:
    today = data.today
    end = data.program_end if data.program_end and data.program_end > today else None
    coaching = coach(
        data.aspiration,
        dict(data.answers),
        today=today,
        role=data.mentee.title,
        program=data.program_name,
        program_end=end,
    )
    target = coaching.target_date or end or today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    if end and target > end:
        target = end
    verdicts = {v.criterion: v for v in coaching.check.verdicts}
    statement = goal_statement(data.aspiration)
    bare = LEAD_IN.sub("", statement.removeprefix("I will "), count=1)
    family = family_of(bare)
    # A family's milestones only where the goal is plainly of that kind ("lead …"):
    # otherwise "improve my written English" would become "publish two pieces".
    if not family.starts(bare):
        family = goal_families().generic
    time_bound = _field(verdicts["time_bound"])
    if verdicts["time_bound"].status != "met":
        time_bound += (
            ("" if time_bound.endswith(("?", ".")) else ".")
            + f" Until you choose, the target date is {spoken_date(target)}"
            + (", the end of your mentoring" if target == end else "")
            + "."
        )
    steps = _milestone_dates(today, target)
    return SmartGoal(
        goal=shorten(
            drafted_goal(data.aspiration, dict(data.answers), smart=coaching.complete), 400
        ),
        specific=shorten(_field(verdicts["specific"]), 1000),
        measurable=shorten(_field(verdicts["measurable"]), 1000),
        achievable=shorten(_field(verdicts["achievable"]), 1000),
        relevant=shorten(_field(verdicts["relevant"]), 1000),
        time_bound=shorten(time_bound, 1000),
        target_date=target,
        milestones=[
            Milestone(text=shorten(family.fill(text, bare), 300), due_date=due)
            for text, due in zip(family.milestones, steps, strict=True)
        ],
    )


def deliver(session: Session, draft: Draft) -> None:
    """Delivered, the goal is adopted: the mentee's goal, private to them until they share it."""
    if draft.relationship_id and draft.subject_participant_id:
        content = draft.content or {}
        goal = Goal(
            relationship_id=draft.relationship_id,
            mentee_id=draft.subject_participant_id,
            title=content["goal"][:300],
            specific=content["specific"],
            measurable=content["measurable"],
            achievable=content["achievable"],
            relevant=content["relevant"],
            time_bound=content["time_bound"],
            target_date=_date(content.get("target_date")),
            status=GoalStatus.active,
            # Approving a goal is not sharing it: that is a choice of its own (the goal
            # page offers both at once; the API shares with PATCH visibility).
            visibility=GoalVisibility.private,
            milestones=[
                GoalMilestone(text=m["text"], due_date=_date(m.get("due_date")))
                for m in content.get("milestones", [])
            ],
        )
        session.add(goal)
        session.flush()
        draft.goal_id = goal.id


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))
