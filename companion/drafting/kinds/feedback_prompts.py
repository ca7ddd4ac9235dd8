"""Feedback prompts: questions for each member to reflect on after a session; approved,
they become the questions of that session's feedback form.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.pair import goal_order, note_topics, owned_by, still_open
from companion.drafting.text import first_name, first_sentences, spoken_date, strip_end
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
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    last = data.last_session
    topics = note_topics(last.shared_notes) if last else []
    goal = goals[0] if goals else None
    goal_title = f"'{strip_end(goal.title)}'" if goal else ""
    first = topics[0] if topics else (f"your goal {goal_title}" if goal else "")
    second = topics[1] if len(topics) > 1 else (f"{goal_title}" if goal else first)
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
                else f"What do you most want to get from {data.program_name}?"
            ),
        ]
        for_mentor = [
            f"What do you already know about what {mentee} wants from {data.program_name}, "
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

    since = spoken_date(last.date)
    if not first:
        opening = (
            strip_end(first_sentences(last.shared_notes, limit=120))
            if (last.shared_notes.strip())
            else ""
        )
        first = f"what you covered ('{opening}')" if opening else "what you covered"
        second = second or "the topic you spent most time on"
    progress = f" from {goal.progress}%" if goal else ""
    for_mentee = [
        f"How useful was the time you spent on {first} in the session on {since}, and what "
        "will you do differently because of it?",
        f"When you discussed {second}, did {mentor} give you room to think it through "
        "yourself, or would more direct advice have helped?",
        (
            f"What could {mentor} do next time to help you move {goal_title}{progress}?"
            if goal
            else f"What would you like {mentor} to do more of, or less of, next time?"
        ),
    ]
    for_mentor = [
        f"How prepared was {mentee} to discuss {first}, and what would help them prepare "
        "next time?",
        f"What did you notice about how {mentee} approaches {second}: where are they "
        "strongest, and where did they get stuck?",
        (
            f"How is {mentee} following through on '{strip_end(mentee_action.text)}', and what "
            "support would help them finish it?"
            if mentee_action
            else (
                f"Is {goal_title} still the right goal for {mentee}{progress}, and is the "
                "pace realistic?"
                if goal
                else f"What one goal do you think {mentee} should set next?"
            )
        ),
    ]
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
