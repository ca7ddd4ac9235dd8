"""A mentee's SMART goals inside a relationship: milestones, check-ins, sharing, closing.

A goal belongs to its mentee. Who else may read it follows its visibility:
the relationship's mentor once it is shared with them, the program's
coordinators in full only once it is shared with the program (check-in notes
stay with the members even then). Without that, coordinators see its status
and progress and nothing of its text; everyone else cannot tell it exists.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import selectinload

from companion.db import fetch_page
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from companion.relationships.access import View
from companion.relationships.events import record, session_of
from companion.relationships.models import (
    CheckIn,
    Goal,
    GoalOutcome,
    GoalStatus,
    GoalVisibility,
    Milestone,
)
from companion.relationships.schemas import (
    ASSESSMENT_MAX,
    MILESTONE_TEXT_MAX,
    MILESTONES_MAX,
    NOTE_MAX,
    SMART_MAX,
    TITLE_MAX,
    GoalPublic,
)

SMART_PARTS = ("specific", "measurable", "achievable", "relevant", "time_bound")
COACHING_TEXT_MAX = SMART_MAX
ANSWER_MAX = 500
EDITABLE = {"title", *SMART_PARTS, "target_date", "status", "visibility"}
ASSESSABLE_GOALS = (GoalStatus.achieved, GoalStatus.dropped)


class Sight(enum.Enum):
    """How much of one goal one reader may see."""

    full = "full"  # the mentee, and the mentor once shared with them
    shared = "shared"  # a coordinator, once shared with the program: no check-in notes
    status = "status"  # a coordinator otherwise: status, progress and dates only


def sight(view: View, goal: Goal) -> Sight | None:
    """What the viewer may see of the goal; None means they may not know it exists."""
    if view.member is not None:
        if view.is_mentee and goal.mentee_id == view.member.participant_id:
            return Sight.full
        if view.is_mentor and goal.visibility != GoalVisibility.private:
            return Sight.full
        # Another mentee of a circle: goals are not the circle's business.
        return None
    if view.coordinator:
        return Sight.shared if goal.visibility == GoalVisibility.program else Sight.status
    return None


# --- reading ---------------------------------------------------------------------------


def _visible_to(view: View) -> ColumnElement[bool]:
    """`sight` as SQL: the goals of which the viewer may know."""
    if view.member is not None:
        if view.is_mentee:
            return Goal.mentee_id == view.member.participant_id
        if view.is_mentor:
            return Goal.visibility != GoalVisibility.private
        return false()
    return true() if view.coordinator else false()


def list_goals(*, view: View, limit: int = 50, offset: int = 0) -> tuple[list[GoalPublic], int]:
    """The relationship's goals the viewer may know of, oldest first, and their count."""
    rows, total = fetch_page(
        session_of(view.relationship),
        select(Goal)
        .where(Goal.relationship_id == view.relationship.id, _visible_to(view))
        .options(selectinload(Goal.milestones), selectinload(Goal.check_ins)),
        order_by=Goal.id,
        limit=limit,
        offset=offset,
    )
    page = [(goal, seen) for goal in rows if (seen := sight(view, goal)) is not None]
    return [_payload(view, goal, seen) for goal, seen in page], total


def get_goal(*, view: View, goal_id: int) -> GoalPublic:
    goal, seen = _visible_goal(view, goal_id)
    return _payload(view, goal, seen)


def _not_found(goal_id: int) -> NotFound:
    return NotFound(f"No goal with id {goal_id} in this relationship.")


def _visible_goal(view: View, goal_id: int) -> tuple[Goal, Sight]:
    goal = (
        session_of(view.relationship)
        .scalars(
            select(Goal).where(Goal.id == goal_id, Goal.relationship_id == view.relationship.id)
        )
        .first()
    )
    seen = sight(view, goal) if goal is not None else None
    if goal is None or seen is None:
        raise _not_found(goal_id)
    return goal, seen


def _own_goal(view: View, goal_id: int) -> Goal:
    """The goal, if the viewer is its mentee; readers who may not change it get 403."""
    goal, _ = _visible_goal(view, goal_id)
    if not (view.is_mentee and goal.mentee_id == view.member.participant_id):
        raise PermissionDenied(
            "Only the mentee whose goal this is may change it; "
            "mentors and coordinators follow and support it."
        )
    return goal


def goal_to_edit(*, view: View, goal_id: int) -> GoalPublic:
    """The goal as its own mentee edits it; anyone else who may read it gets 403."""
    return _payload(view, _own_goal(view, goal_id), Sight.full)


def _payload(view: View, goal: Goal, seen: Sight) -> GoalPublic:
    # Program-level data: all a coordinator sees of a goal not shared with the program.
    data: dict[str, Any] = {
        "id": goal.id,
        "status": goal.status.value,
        "progress": goal.progress,
        "visibility": goal.visibility.value,
        "target_date": goal.target_date,
        "created_at": goal.created_at,
        "updated_at": goal.updated_at,
        "final_outcome": goal.final_outcome.value if goal.final_outcome else None,
    }
    if seen == Sight.status:
        return GoalPublic.model_validate(data)
    check_ins = [
        {"id": c.id, "progress": c.progress, "created_at": c.created_at} for c in goal.check_ins
    ]
    if seen == Sight.full:
        for payload, row in zip(check_ins, goal.check_ins, strict=True):
            payload["note"] = row.note
    return GoalPublic.model_validate(
        {
            **data,
            "relationship_id": goal.relationship_id,
            "mentee_id": view.external_id(goal.mentee_id),
            "title": goal.title,
            **{part: getattr(goal, part) for part in SMART_PARTS},
            "milestones": [_milestone_payload(m) for m in goal.milestones],
            "check_ins": check_ins,
            "final_assessment": goal.final_assessment,
        }
    )


def _milestone_payload(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "text": milestone.text,
        "due_date": milestone.due_date,
        "done": milestone.done_at is not None,
        "done_at": milestone.done_at,
    }


# --- validation ------------------------------------------------------------------------


def _raise_if(problems: list[dict[str, str]], what: str) -> None:
    if problems:
        raise InvalidInput(
            f"{what}: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems) + ".",
            details=problems,
        )


def _check_text(
    problems: list[dict[str, str]], field: str, text: str, *, most: int, required: bool
) -> None:
    if required and not text:
        problems.append({"field": field, "message": "must not be empty"})
    elif len(text) > most:
        problems.append({"field": field, "message": f"at most {most} characters, not {len(text)}"})


def _check_date(problems: list[dict[str, str]], view: View, field: str, day: date | None) -> None:
    start = view.relationship.start_date
    if day is not None and start is not None and day < start:
        problems.append(
            {"field": field, "message": f"{day} is before the relationship started ({start})"}
        )


def _check_milestone(
    problems: list[dict[str, str]],
    view: View,
    prefix: str,
    text: str,
    due_date: date | None,
    target_date: date | None,
) -> None:
    _check_text(problems, f"{prefix}text", text, most=MILESTONE_TEXT_MAX, required=True)
    _check_date(problems, view, f"{prefix}due_date", due_date)
    if due_date is not None and target_date is not None and due_date > target_date:
        problems.append(
            {
                "field": f"{prefix}due_date",
                "message": f"{due_date} is after the goal's target date ({target_date})",
            }
        )


def _choice(problems: list[dict[str, str]], field: str, cls: type[enum.StrEnum], value: Any) -> Any:
    try:
        return cls(value)
    except ValueError:
        problems.append({"field": field, "message": f"one of {', '.join(c.value for c in cls)}"})
        return None


def _require_open(view: View) -> None:
    status = view.relationship.status
    if not status.is_open:
        raise Conflict(f"This relationship has ended ({status.value}); its goals are closed.")


# --- coaching ------------------------------------------------------------------------


# --- changing --------------------------------------------------------------------------


def create(
    *,
    view: View,
    title: str,
    specific: str = "",
    measurable: str = "",
    achievable: str = "",
    relevant: str = "",
    time_bound: str = "",
    target_date: date | None = None,
    milestones: Iterable[dict[str, Any]] = (),
    visibility: GoalVisibility = GoalVisibility.private,
    status: GoalStatus = GoalStatus.draft,
    mentee: str | None = None,
) -> GoalPublic:
    """A mentee sets one of their own goals (`mentee`, if named, must be themselves)."""
    if not view.is_mentee:
        raise PermissionDenied(
            "Only a mentee of the relationship sets goals, and only their own; "
            "mentors and coordinators can follow and support them once shared."
        )
    member = view.member
    if mentee is not None and view.by_external_id(mentee, field="mentee") is not member:
        raise PermissionDenied("A mentee sets only their own goals, not another mentee's.")
    _require_open(view)
    problems: list[dict[str, str]] = []
    visibility = _choice(problems, "visibility", GoalVisibility, visibility)
    status = _choice(problems, "status", GoalStatus, status)
    title = title.strip()
    smart = {
        "specific": specific.strip(),
        "measurable": measurable.strip(),
        "achievable": achievable.strip(),
        "relevant": relevant.strip(),
        "time_bound": time_bound.strip(),
    }
    steps = [(str(m.get("text") or "").strip(), m.get("due_date")) for m in milestones]
    _check_text(problems, "title", title, most=TITLE_MAX, required=True)
    for part, text in smart.items():
        _check_text(problems, part, text, most=SMART_MAX, required=False)
    _check_date(problems, view, "target_date", target_date)
    if status not in (None, GoalStatus.draft, GoalStatus.active):
        problems.append({"field": "status", "message": "a new goal starts as draft or active"})
    if len(steps) > MILESTONES_MAX:
        problems.append(
            {"field": "milestones", "message": f"at most {MILESTONES_MAX}, not {len(steps)}"}
        )
    for index, (text, due_date) in enumerate(steps):
        _check_milestone(problems, view, f"milestones[{index}].", text, due_date, target_date)
    _raise_if(problems, "The goal cannot be set")
    goal = Goal(
        relationship_id=view.relationship.id,
        mentee_id=member.participant_id,
        title=title,
        **smart,
        target_date=target_date,
        status=status,
        visibility=visibility,
        milestones=[Milestone(text=text, due_date=due_date) for text, due_date in steps],
        check_ins=[],
    )
    session = session_of(view.relationship)
    session.add(goal)
    session.flush()
    record(
        view,
        view.actor,
        "goals.created",
        goal,
        status=status.value,
        visibility=visibility.value,
        milestones=len(steps),
    )
    return _payload(view, goal, Sight.full)


def update(*, view: View, goal_id: int, **changes: Any) -> GoalPublic:
    """The mentee edits their goal: title, SMART parts, target date, status, visibility.

    Changing visibility is sharing (or un-sharing), recorded as its own event.
    Once the relationship has ended only visibility may still change, so that
    a mentee can always take back what they shared.
    """
    goal = _own_goal(view, goal_id)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)}: not a goal field one can change "
            f"(change {', '.join(sorted(EDITABLE))}).",
            details=[{"field": name, "message": "cannot be changed"} for name in unknown],
        )
    if set(changes) - {"visibility"}:
        _require_open(view)
    problems: list[dict[str, str]] = []
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None and name != "target_date":
            problems.append({"field": name, "message": "must not be null"})
        elif name == "title":
            cleaned[name] = value.strip()
            _check_text(problems, name, cleaned[name], most=TITLE_MAX, required=True)
        elif name in SMART_PARTS:
            cleaned[name] = value.strip()
            _check_text(problems, name, cleaned[name], most=SMART_MAX, required=False)
        elif name == "target_date":
            cleaned[name] = value
            _check_date(problems, view, name, value)
            late = [
                m.due_date for m in goal.milestones if m.due_date and value and m.due_date > value
            ]
            if late:
                problems.append(
                    {
                        "field": name,
                        "message": f"{value} is before a milestone's due date ({max(late)})",
                    }
                )
        elif name == "status":
            cleaned[name] = _choice(problems, name, GoalStatus, value)
        elif name == "visibility":
            cleaned[name] = _choice(problems, name, GoalVisibility, value)
    _raise_if(problems, "The goal cannot be changed")
    changed = [name for name, value in cleaned.items() if getattr(goal, name) != value]
    before = {name: getattr(goal, name) for name in changed}
    for name in changed:
        setattr(goal, name, cleaned[name])
    session_of(goal).flush()
    edited = [name for name in changed if name != "visibility"]
    if edited:
        data: dict[str, Any] = {"fields": edited}
        if "status" in edited:
            data["status"] = {"from": before["status"].value, "to": goal.status.value}
        record(view, view.actor, "goals.updated", goal, **data)
    if "visibility" in changed:
        record(
            view,
            view.actor,
            "goals.shared",
            goal,
            **{"from": before["visibility"].value, "to": goal.visibility.value},
        )
    return _payload(view, goal, Sight.full)


def check_in(*, view: View, goal_id: int, progress: int, note: str = "") -> GoalPublic:
    """The mentee records progress (0–100); a draft goal becomes active.

    Reaching 100 does not mark the goal achieved: that is the mentee's call.
    """
    goal = _own_goal(view, goal_id)
    _require_open(view)
    note = note.strip()
    problems: list[dict[str, str]] = []
    if not 0 <= progress <= 100:
        problems.append({"field": "progress", "message": f"0 to 100, not {progress}"})
    _check_text(problems, "note", note, most=NOTE_MAX, required=False)
    _raise_if(problems, "The check-in cannot be recorded")
    before = goal.status
    goal.progress = progress
    if goal.status == GoalStatus.draft:
        goal.status = GoalStatus.active
    goal.check_ins.append(CheckIn(progress=progress, note=note))
    session_of(goal).flush()
    data: dict[str, Any] = {"progress": progress}
    if goal.status != before:
        data["status"] = {"from": before.value, "to": goal.status.value}
    record(view, view.actor, "goals.checked_in", goal, **data)
    return _payload(view, goal, Sight.full)


def add_milestone(
    *, view: View, goal_id: int, text: str, due_date: date | None = None
) -> GoalPublic:
    goal = _own_goal(view, goal_id)
    _require_open(view)
    text = text.strip()
    problems: list[dict[str, str]] = []
    if len(goal.milestones) >= MILESTONES_MAX:
        problems.append(
            {"field": "milestones", "message": f"a goal has at most {MILESTONES_MAX} milestones"}
        )
    _check_milestone(problems, view, "", text, due_date, goal.target_date)
    _raise_if(problems, "The milestone cannot be added")
    milestone = Milestone(text=text, due_date=due_date)
    goal.milestones.append(milestone)
    session_of(goal).flush()
    record(view, view.actor, "goals.milestone_added", goal, milestone_id=milestone.id)
    return _payload(view, goal, Sight.full)


def complete_milestone(*, view: View, goal_id: int, milestone_id: int, done: bool) -> GoalPublic:
    """Tick a milestone off (or back on); progress becomes the share of milestones done."""
    goal = _own_goal(view, goal_id)
    _require_open(view)
    milestone = next((m for m in goal.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound(f"No milestone with id {milestone_id} in this goal.")
    if (milestone.done_at is not None) != done:
        milestone.done_at = utcnow() if done else None
        finished = sum(m.done_at is not None for m in goal.milestones)
        goal.progress = round(100 * finished / len(goal.milestones))
        if goal.status == GoalStatus.draft:
            goal.status = GoalStatus.active
        session_of(goal).flush()
        record(
            view,
            view.actor,
            "goals.milestone_completed" if done else "goals.milestone_reopened",
            goal,
            milestone_id=milestone.id,
            progress=goal.progress,
        )
    return _payload(view, goal, Sight.full)


def assess(*, view: View, goal_id: int, outcome: GoalOutcome, assessment: str = "") -> GoalPublic:
    """The mentee's final word on a goal, once it is closed or the relationship has ended."""
    goal = _own_goal(view, goal_id)
    if view.relationship.status.is_open and goal.status not in ASSESSABLE_GOALS:
        raise Conflict(
            f"A goal is assessed at its close: mark it achieved or dropped first (it is "
            f"{goal.status.value}), or assess it once the relationship has ended."
        )
    assessment = assessment.strip()
    problems: list[dict[str, str]] = []
    outcome = _choice(problems, "outcome", GoalOutcome, outcome)
    _check_text(problems, "assessment", assessment, most=ASSESSMENT_MAX, required=False)
    _raise_if(problems, "The assessment cannot be recorded")
    goal.final_outcome = outcome
    goal.final_assessment = assessment
    session_of(goal).flush()
    record(view, view.actor, "goals.assessed", goal, outcome=goal.final_outcome.value)
    return _payload(view, goal, Sight.full)


# Shared with goal coaching (companion.drafting.coaching), which sits above this
# package because it composes the goal with the drafter.
check_text = _check_text
raise_if = _raise_if
require_open = _require_open
