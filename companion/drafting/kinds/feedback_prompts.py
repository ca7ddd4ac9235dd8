"""Feedback prompts: questions for each member to reflect on after a session; approved,
they become the questions of that session's feedback form.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.pair import goal_order, owned_by, still_open
from companion.drafting.text import first_name, program_in_prose, shorten, strip_end
from companion.relationships.models import Feedback, MemberRole, MentoringSession
from prompts.schemas import (
    DraftKind,
    FeedbackPrompts,
    RelationshipInput,
)

KIND = DraftKind.feedback_prompts
HEADLINE = "Questions to reflect on after your session"
REVIEWERS = frozenset({Reviewer.coordinator, Reviewer.mentor})
RECEIVERS = Audience.members


def gather(sources: Sources) -> RelationshipInput:
    return sources.relationship(
        query=lambda topics, notes: f"feedback questions after a session {notes[:300]}"
    )


def compose(data: RelationshipInput) -> FeedbackPrompts:
    program = program_in_prose(data.program_name)
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    last = data.last_session
    goal = goals[0] if goals else None
    goal_title = f"'{shorten(strip_end(goal.title), 80)}'" if goal else ""
    actions = still_open(data.open_actions)
    mentee_action = next((a for a in actions if owned_by(a, data.mentee)), None)

    if last is None:
        for_mentee = [
            f"Before your first session with {mentor}: what would make the time most useful "
            "for you?",
            f"What do you want {mentor} to know about how you like to work and get feedback?",
            (
                f"What would show you, after a few sessions, that {goal_title} is moving?"
                if goal
                else f"What do you most want to get from {program}?"
            ),
        ]
        for_mentor = [
            f"What do you already know about what {mentee} wants from {program}, "
            "and what do you still need to ask?",
            f"How will you help {mentee} set the agenda rather than follow yours?",
            (
                f"What experience of your own relates to {goal_title}, and when would it help "
                "to share it?"
                if goal
                else f"What questions will help {mentee} shape a first goal?"
            ),
        ]
        return FeedbackPrompts(for_mentee=for_mentee, for_mentor=for_mentor)

    # Whole questions in plain words: a goal is named by its own short title, and
    # nothing is cut out of the notes and spliced into a sentence.
    for_mentee = [
        f"What was the most useful thing you took from this session with {mentor}, and "
        "what will you do with it?",
        (
            f"How much closer do you feel to {goal_title} after this session, and what is "
            "your next step?"
            if goal
            else "What would you like to work towards in the next few sessions?"
        ),
        f"Did {mentor} give you enough room to think things through yourself, or would "
        "more direct advice have helped?",
    ]
    if mentee_action:
        for_mentee.append(
            f"What would help you finish '{shorten(strip_end(mentee_action.text), 80)}'?"
        )
    for_mentor = [
        f"What did {mentee} seem to get most from this session, and what landed less well?",
        (
            f"Is {goal_title} still the right focus for {mentee}, and is the pace realistic?"
            if goal
            else f"What one goal do you think {mentee} could set next?"
        ),
        "How well did you listen rather than advise this time, and what would you change "
        "next time?",
    ]
    if mentee_action:
        for_mentor.append(
            f"How is {mentee} getting on with '{shorten(strip_end(mentee_action.text), 80)}', "
            "and what support would help?"
        )
    return FeedbackPrompts(for_mentee=for_mentee, for_mentor=for_mentor)


def deliver(session: Session, draft: Draft) -> None:
    """Delivered, the questions become those of their session's feedback form."""
    if draft.session_id is not None:
        target = session.get(MentoringSession, draft.session_id)
        answered = session.scalars(
            select(Feedback.id).where(Feedback.session_id == draft.session_id).limit(1)
        ).first()
        # Once someone has answered, the questions stay those they answered.
        if target is not None and answered is None:
            content = draft.content or {}
            target.feedback_questions = {
                MemberRole.mentor.value: list(content.get("for_mentor") or []),
                MemberRole.mentee.value: list(content.get("for_mentee") or []),
            }
