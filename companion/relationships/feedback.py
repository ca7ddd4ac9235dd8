"""Session feedback: each member rates a held session, revealed to the others only later.

Members answer blind: another member's answers stay hidden until everyone has
answered or the program's `feedback_reveal_days` have passed since the session
started, so that nobody's answers are shaped by reading the other's first.
Coordinators see ratings in aggregate only, never the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.principal import Principal
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound
from companion.programs.models import Program
from companion.relationships.access import View
from companion.relationships.events import record, session_of
from companion.relationships.models import (
    Feedback,
    MemberRole,
    MentoringSession,
    Relationship,
    RelationshipMember,
    SessionStatus,
)
from companion.relationships.schemas import FeedbackSummary, SessionFeedback

DEFAULT_QUESTIONS = [
    "How useful was this session to you? What made it so?",
    "How well did the session fit what you needed? What should we do differently next time?",
    "How clear are your next steps? What will you act on before the next session?",
]
RATING_MIN, RATING_MAX = 1, 5
TEXT_MAX = 2000
PRIVATE = "Feedback answers"


# How coordinators' aggregates name a question drafted for one pair: its text may
# draw on what only the pair may read.
DRAFTED_QUESTION = "A question drafted for the pair ({role})"


def questions_for(session_row: MentoringSession, program: Program, role: MemberRole) -> list[str]:
    """The questions drafted for this session and role, else the program's, else ours."""
    drafted = (session_row.feedback_questions or {}).get(role.value)
    if drafted:
        return list(drafted)
    if program.feedback_questions:
        return list(program.feedback_questions)
    return list(DEFAULT_QUESTIONS)


def _session_in(view: View, session_id: int) -> MentoringSession:
    row = session_of(view.relationship).get(MentoringSession, session_id)
    if row is None or row.relationship_id != view.relationship.id:
        raise NotFound(f"No session with id {session_id} in this relationship.")
    return row


def _given(session: Session, session_id: int) -> dict[int, Feedback]:
    """Participant id -> their feedback on the session."""
    rows = session.scalars(select(Feedback).where(Feedback.session_id == session_id))
    return {f.participant_id: f for f in rows}


def _clean_answers(
    questions: list[str], answers: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    if len(answers) != len(questions):
        message = (
            f"answer each of the {len(questions)} questions once, in order "
            f"({len(answers)} answers given)"
        )
        raise InvalidInput(
            f"answers: {message}.", details=[{"field": "answers", "message": message}]
        )
    cleaned: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    for index, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        rating = answer.get("rating")
        text = answer.get("text") or ""
        # bool is an int to Python, but `true` is no rating.
        if not isinstance(rating, int) or isinstance(rating, bool):
            problems.append(
                {"field": f"answers[{index}].rating", "message": "a whole number is required"}
            )
        elif not RATING_MIN <= rating <= RATING_MAX:
            problems.append(
                {
                    "field": f"answers[{index}].rating",
                    "message": f"rate from {RATING_MIN} to {RATING_MAX}, not {rating}",
                }
            )
        if not isinstance(text, str):
            problems.append({"field": f"answers[{index}].text", "message": "text is required"})
        elif len(text.strip()) > TEXT_MAX:
            problems.append(
                {"field": f"answers[{index}].text", "message": f"at most {TEXT_MAX} characters"}
            )
        else:
            cleaned.append({"question": question, "rating": rating, "text": text.strip()})
    if problems:
        raise InvalidInput(
            "The feedback cannot be saved: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            + ".",
            details=problems,
        )
    return cleaned


def submit(view: View, session_id: int, answers: Sequence[Mapping[str, Any]]) -> Feedback:
    """A member's answers to a held session's questions, once; they cannot be changed."""
    member = view.require_member(PRIVATE)
    session = session_of(view.relationship)
    row = _session_in(view, session_id)
    if row.status != SessionStatus.held:
        raise Conflict(
            f"Feedback opens once the session is marked held; session {row.id} is "
            f"{row.status.value}."
        )
    already = Conflict("You have already given feedback on this session; it cannot be changed.")
    if member.participant_id in _given(session, row.id):
        raise already
    feedback = Feedback(
        session_id=row.id,
        participant_id=member.participant_id,
        answers=_clean_answers(questions_for(row, view.program, member.role), answers),
    )
    try:
        with session.begin_nested():
            session.add(feedback)
    except IntegrityError:
        # The same member submitting twice at once: the unique constraint decides.
        raise already from None
    record(view, view.actor, "feedback.submitted", feedback, session_id=row.id)
    return feedback


def for_session(view: View, session_id: int, now: datetime | None = None) -> SessionFeedback:
    """The caller's own answers and, once revealed, the other members'."""
    member = view.require_member(PRIVATE)
    now = now or utcnow()
    row = _session_in(view, session_id)
    given = _given(session_of(view.relationship), row.id)
    reveal_at = row.starts_at + timedelta(days=view.program.feedback_reveal_days)
    everyone_answered = all(m.participant_id in given for m in view.relationship.members)
    revealed = everyone_answered or now >= reveal_at
    mine = given.get(member.participant_id)
    others: list[dict[str, Any]] = []
    hidden: list[dict[str, Any]] = []
    for other in view.relationship.members:
        feedback = given.get(other.participant_id)
        if other.participant_id == member.participant_id or feedback is None:
            continue
        person = view.people[other.participant_id]
        if revealed:
            others.append(
                {
                    "participant_id": person.external_id,
                    "name": person.name,
                    "answers": feedback.answers,
                }
            )
        else:
            hidden.append(
                {
                    "participant_id": person.external_id,
                    "name": person.name,
                    "reveal_on": reveal_at.date(),
                }
            )
    return SessionFeedback(
        session_id=row.id,
        questions=questions_for(row, view.program, member.role),
        mine=mine.answers if mine is not None else None,
        others=others,
        hidden=hidden,
    )


def _mean(ratings: list[int]) -> float | None:
    return round(sum(ratings) / len(ratings), 2) if ratings else None


def aggregate(*, session: Session, program: Program, principal: Principal) -> FeedbackSummary:
    """Ratings across the program's relationships, for coordinators: never any text."""
    policy.require_coordinator(principal, program.id)
    rows = session.execute(
        select(Feedback.answers, RelationshipMember.role, MentoringSession.feedback_questions)
        .join(MentoringSession, MentoringSession.id == Feedback.session_id)
        .join(Relationship, Relationship.id == MentoringSession.relationship_id)
        .outerjoin(
            RelationshipMember,
            and_(
                RelationshipMember.relationship_id == Relationship.id,
                RelationshipMember.participant_id == Feedback.participant_id,
            ),
        )
        .where(Relationship.program_id == program.id)
        .order_by(Feedback.id)
    ).all()
    every: list[int] = []
    by_question: dict[str, list[int]] = {}
    by_role: dict[str, list[int]] = {role.value: [] for role in MemberRole}
    for answers, role, drafted in rows:
        for answer in answers:
            every.append(answer["rating"])
            question = answer["question"]
            if drafted:
                who = MemberRole(role).value if role is not None else "member"
                question = DRAFTED_QUESTION.format(role=who)
            by_question.setdefault(question, []).append(answer["rating"])
            if role is not None:
                by_role[MemberRole(role).value].append(answer["rating"])
    return FeedbackSummary.model_validate(
        {
            "responses": len(rows),
            "mean_rating": _mean(every),
            "by_question": [
                {"question": question, "responses": len(ratings), "mean_rating": _mean(ratings)}
                for question, ratings in by_question.items()
            ],
            "by_role": {role: _mean(ratings) for role, ratings in by_role.items()},
        }
    )
