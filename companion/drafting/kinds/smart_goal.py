"""The SMART goal: a mentee's aspiration drafted as a goal with a measure, a target date
and milestones; approved, it becomes the mentee's goal, shared with their mentor.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from companion.drafting.goal_families import DEFAULT_GOAL_WEEKS, cleaned_aspiration, family_of
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.text import plain, shorten, spoken_date
from companion.relationships.models import Goal, GoalStatus, GoalVisibility
from companion.relationships.models import Milestone as GoalMilestone
from prompts.schemas import (
    DraftKind,
    Milestone,
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


def _milestone_dates(today: date, target: date) -> list[date]:
    span = (target - today).days
    return [
        today + timedelta(days=max(1, round(span / 3))),
        today + timedelta(days=max(1, round(2 * span / 3))),
        target,
    ]


def compose(data: SmartGoalInput) -> SmartGoal:
    today = data.today
    action = cleaned_aspiration(data.aspiration)
    kind = family_of(action)
    target = (
        data.program_end
        if data.program_end and data.program_end > today
        else today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    )
    steps = _milestone_dates(today, target)
    how = kind.fill(kind.how_for(action), action)
    evidence = kind.fill(kind.evidence, action)
    goal = f"By {spoken_date(target)}, I will {action}, shown by {evidence}."
    if len(goal) > 400:
        goal = shorten(f"By {spoken_date(target)}, I will {action}", 399) + "."

    title = data.mentee.title.strip()
    role = f"in my role as {title}" if title else f"for my development in {data.program_name}"
    reading = (
        f" Useful reading from the knowledge base: '{plain(data.guidance[0].title)}'."
        if data.guidance
        else ""
    )
    until = (
        "the end of the mentoring relationship"
        if target == data.program_end
        else f"{DEFAULT_GOAL_WEEKS} weeks from now"
    )
    return SmartGoal(
        goal=goal,
        specific=shorten(f"I will {action} {how}".strip() + ".", 1000),
        measurable=shorten(kind.fill(kind.measurable, action), 1000),
        achievable=shorten(
            f"I will have my mentor's support in {data.program_name}: a session every two to "
            "three weeks to plan the next step and review progress, plus about an hour a week "
            "of my own time. I will check with my manager that it fits my current workload."
            + reading,
            1000,
        ),
        relevant=shorten(f"It matters {role}: {kind.why}.", 1000),
        time_bound=(
            f"Done by {spoken_date(target)} ({until}), with milestones on "
            f"{spoken_date(steps[0])} and "
            f"{spoken_date(steps[1])}."
        ),
        target_date=target,
        milestones=[
            Milestone(text=shorten(kind.fill(text, action), 300), due_date=due)
            for text, due in zip(kind.milestones, steps, strict=True)
        ],
    )


def deliver(session: Session, draft: Draft) -> None:
    """Delivered, the goal is adopted: the mentee's goal, shared with their mentor."""
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
            # The mentee approved it to be shared with their mentor.
            visibility=GoalVisibility.mentor,
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
