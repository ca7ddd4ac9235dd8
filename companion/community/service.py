"""Community questions: ask (with mentors-of-the-moment suggested by meaning), answer,
mark the answer that helped, find what was asked before, and opt in to being asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.accounts.models import User
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.community import conduct, guides, policy
from companion.community.models import Answer, Helper, PostStatus, Question, Suggestion
from companion.community.schemas import (
    ANONYMOUS,
    FORMER_MEMBER,
    AnswerCreate,
    AnswerPublic,
    HelperPublic,
    HelperUpdate,
    QuestionCreate,
    QuestionDetail,
    QuestionPublic,
    SimilarQuestion,
    SuggestedPerson,
)
from companion.db import fetch_page
from companion.db.base import utcnow
from companion.errors import InvalidInput, NotFound, PermissionDenied, TooManyRequests
from companion.matching.modes import MIN_QUESTION_COSINE
from companion.notifications.models import Kind, Notification, NotificationStatus
from companion.participants.models import Participant
from companion.programs import policy as program_policy
from companion.programs.models import Program
from companion.settings import Settings
from knowledge.tokens import terms

SUGGESTIONS = 3
SIMILAR = 5
# "Asked before": close in meaning, or sharing most of the question's words.
SIMILAR_COSINE = 0.5
SIMILAR_WORDS = 0.6
SIMILAR_POOL = 2000


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


def _name(user: User | None) -> str:
    if user is None:
        return FORMER_MEMBER
    return user.display_name or user.email.split("@")[0]


def _vector_of(encoder: TextEncoder, text: str) -> np.ndarray:
    return np.asarray(encoder.encode([text])[0], dtype=np.float32)


def _text(title: str, body: str) -> str:
    return f"{title}\n{body}".strip()


# --- rate limits -------------------------------------------------------------------------


def _check_rate(session: Session, principal: Principal, settings: Settings) -> None:
    """At most so many posts an hour and a day; the refusal says when to try again."""
    if isinstance(principal, System):
        return
    now = utcnow()
    for window, allowed, label in (
        (timedelta(hours=1), settings.community_posts_per_hour, "hour"),
        (timedelta(days=1), settings.community_posts_per_day, "day"),
    ):
        since = now - window
        times = [
            *session.scalars(
                select(Question.created_at).where(
                    Question.author_id == principal.id, Question.created_at > since
                )
            ),
            *session.scalars(
                select(Answer.created_at).where(
                    Answer.author_id == principal.id, Answer.created_at > since
                )
            ),
        ]
        if len(times) >= allowed:
            times.sort()
            free_at = times[len(times) - allowed] + window
            seconds = max(1, int((free_at - now).total_seconds()) + 1)
            minutes = (seconds + 59) // 60
            raise TooManyRequests(
                f"You have posted {len(times)} times in the last {label}, the most this "
                f"community allows. You can post again at {free_at:%H:%M} UTC "
                f"(in about {minutes} minute{'s' if minutes != 1 else ''}).",
                retry_after=seconds,
            )


# --- asking ------------------------------------------------------------------------------


def _scope_for_new(session: Session, principal: Principal, program_id: int | None) -> None:
    if program_id is None:
        if not conduct.current(session).organisation_wide:
            raise InvalidInput(
                "This organisation's questions are asked within a program: choose yours.",
                field="program_id",
            )
        return
    try:
        program_policy.readable_program(session=session, program_id=program_id, principal=principal)
    except NotFound:
        raise InvalidInput(
            f"You are not in a program with id {program_id}.", field="program_id"
        ) from None


def ask(
    *,
    session: Session,
    encoder: TextEncoder,
    settings: Settings,
    principal: Principal,
    question: QuestionCreate,
) -> Question:
    """Post a question, suggest people who opted in to being asked, and tell them."""
    _scope_for_new(session, principal, question.program_id)
    conduct.require_accepted(session, principal, accept=question.accept_code_of_conduct)
    _check_rate(session, principal, settings)
    vector = _vector_of(encoder, _text(question.title, question.body))
    row = Question(
        program_id=question.program_id,
        author_id=principal.id,
        anonymous=question.anonymous,
        title=question.title,
        body=question.body,
        topic=question.topic.lower(),
        vector=vector.tobytes(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.question_posted",
        subject_type="community_question",
        subject_id=row.id,
        program_id=row.program_id,
        data={"topic": row.topic, "anonymous": row.anonymous},
    )
    _suggest(session, encoder, row, vector)
    return row


def _helper_candidates(session: Session, question: Question) -> list[tuple[User, str]]:
    """Active people who opted in to being asked and may read the question's scope,
    with the text they are matched on: their own words and their program experience."""
    query = select(User, Helper.helps_with).join(Helper, Helper.user_id == User.id)
    query = query.where(User.is_active.is_(True))
    if question.program_id is not None:
        query = query.where(
            User.id.in_(
                select(Participant.user_id).where(
                    Participant.program_id == question.program_id,
                    Participant.user_id.is_not(None),
                )
            )
        )
    rows = session.execute(query.order_by(User.id)).all()
    if not rows:
        return []
    experience: dict[int, list[str]] = {}
    profile_query = select(Participant.user_id, Participant.expertise, Participant.skills).where(
        Participant.user_id.in_([u.id for u, _ in rows])
    )
    if question.program_id is not None:
        profile_query = profile_query.where(Participant.program_id == question.program_id)
    for user_id, expertise, skills in session.execute(profile_query):
        experience.setdefault(user_id, []).extend([expertise or "", ", ".join(skills or [])])
    found = []
    for user, helps_with in rows:
        text = " ".join(t for t in [helps_with, *experience.get(user.id, [])] if t.strip())
        if text.strip():
            found.append((user, text))
    return found


def _suggest(session: Session, encoder: TextEncoder, question: Question, vector) -> None:
    blocked = policy.blocked_ids(session, question.author_id)
    candidates = [
        (user, text)
        for user, text in _helper_candidates(session, question)
        if user.id != question.author_id and user.id not in blocked
    ]
    if not candidates:
        return
    scores = np.asarray(encoder.encode([text for _, text in candidates])) @ vector
    ranked = sorted(
        ((float(s), user) for s, (user, _) in zip(scores, candidates, strict=True)),
        key=lambda pair: (-pair[0], pair[1].id),
    )
    for score, user in ranked[:SUGGESTIONS]:
        if score < MIN_QUESTION_COSINE:
            break
        session.add(Suggestion(question_id=question.id, user_id=user.id, score=round(score, 4)))
        session.add(
            Notification(
                dedupe_key=f"community_question:{question.id}:{user.id}",
                kind=Kind.community_question.value,
                user_id=user.id,
                program_id=question.program_id,
                context={
                    "kind": Kind.community_question.value,
                    "question_id": question.id,
                    "title": question.title,
                    "topic": question.topic,
                },
            )
        )
    session.flush()


# --- reading -----------------------------------------------------------------------------


def _answer_counts(session: Session, principal: Principal, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    query = (
        select(Answer.question_id, func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.question_id.in_(ids))
    )
    shown = policy.visible_filter(principal, Answer)
    if shown is not None:
        query = query.where(shown)
    return dict(session.execute(query.group_by(Answer.question_id)).all())


def _public(
    session: Session, principal: Principal, question: Question, answers: int
) -> QuestionPublic:
    return QuestionPublic(
        id=question.id,
        program_id=question.program_id,
        title=question.title,
        body=question.body,
        topic=question.topic,
        anonymous=question.anonymous,
        author_name=_author_name(session, principal, question),
        mine=policy.is_author(principal, question.author_id),
        hidden=question.status == PostStatus.hidden,
        answers=answers,
        helpful_answer_id=question.helpful_answer_id,
        created_at=question.created_at,
    )


def _author_name(session: Session, principal: Principal, question: Question) -> str:
    if not policy.sees_author(principal, question):
        return ANONYMOUS
    name = _name(session.get(User, question.author_id) if question.author_id else None)
    if question.anonymous:
        return f"{name} (anonymous to members)"
    return name


def list_questions(
    *,
    session: Session,
    principal: Principal,
    limit: int,
    offset: int,
    topic: str | None = None,
    program_id: int | None = None,
    mine: bool = False,
) -> tuple[list[QuestionPublic], int]:
    """The questions this principal may read, newest first, a page at a time."""
    query = select(Question)
    scope = policy.readable_program_filter(principal)
    if scope is not None:
        query = query.where(scope)
    shown = policy.visible_filter(principal, Question)
    if shown is not None:
        query = query.where(shown)
    if topic:
        query = query.where(Question.topic == topic.strip().lower())
    if program_id is not None:
        query = query.where(Question.program_id == program_id)
    if mine:
        query = query.where(Question.author_id == principal.id)
    rows, total = fetch_page(
        session,
        query,
        order_by=(Question.created_at.desc(), Question.id.desc()),
        limit=limit,
        offset=offset,
    )
    counts = _answer_counts(session, principal, [q.id for q in rows])
    # The page's askers in one query; `_author_name` then finds them in the session.
    session.scalars(
        select(User).where(User.id.in_({q.author_id for q in rows if q.author_id}))
    ).all()
    return [_public(session, principal, q, counts.get(q.id, 0)) for q in rows], total


def topics(*, session: Session, principal: Principal) -> list[str]:
    """The topics already used in the questions this principal may read, for tagging."""
    query = select(Question.topic).where(Question.status == PostStatus.visible).distinct()
    scope = policy.readable_program_filter(principal)
    if scope is not None:
        query = query.where(scope)
    return sorted(session.scalars(query).all())


def get(*, session: Session, principal: Principal, question_id: int) -> QuestionDetail:
    question = policy.readable_question(
        session=session, question_id=question_id, principal=principal
    )
    query = select(Answer).where(Answer.question_id == question.id)
    shown = policy.visible_filter(principal, Answer)
    if shown is not None:
        query = query.join(Question, Question.id == Answer.question_id).where(shown)
    answers = session.scalars(query.order_by(Answer.created_at, Answer.id)).all()
    authors = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({a.author_id for a in answers if a.author_id}))
        )
    }
    sees_author = policy.sees_author(principal, question)
    answer_list = [
        AnswerPublic(
            id=a.id,
            body=a.body,
            # The anonymous asker replying in their own thread stays anonymous.
            author_name=(
                "What our guides say"
                if a.draft_id is not None
                else "The person who asked"
                if a.author_id == question.author_id and question.anonymous and not sees_author
                else _name(authors.get(a.author_id) if a.author_id else None)
            ),
            guide=a.draft_id is not None,
            disclosure=a.disclosure,
            mine=policy.is_author(principal, a.author_id),
            helpful=a.id == question.helpful_answer_id,
            hidden=a.status == PostStatus.hidden,
            created_at=a.created_at,
        )
        for a in answers
    ]
    suggested: list[SuggestedPerson] = []
    if policy.is_author(principal, question.author_id):
        suggested = [
            SuggestedPerson(name=_name(user), score=score)
            for user, score in session.execute(
                select(User, Suggestion.score)
                .join(Suggestion, Suggestion.user_id == User.id)
                .where(Suggestion.question_id == question.id)
                .order_by(Suggestion.score.desc())
            )
        ]
    public = _public(session, principal, question, len(answer_list))
    drafted = (
        guides.pending(session=session, principal=principal, question_id=question.id)
        if policy.may_moderate(principal, question.program_id)
        else []
    )
    return QuestionDetail(
        **public.model_dump(), answer_list=answer_list, suggested=suggested, guide_drafts=drafted
    )


def similar(
    *,
    session: Session,
    encoder: TextEncoder,
    principal: Principal,
    text: str,
    program_id: int | None = None,
    limit: int = SIMILAR,
) -> list[SimilarQuestion]:
    """Questions asked before that are close to `text`, by meaning and by words."""
    text = text.strip()
    if not text:
        raise InvalidInput("Write your question to look for similar ones.", field="q")
    query = select(Question).where(Question.status == PostStatus.visible)
    scope = policy.readable_program_filter(principal)
    if scope is not None:
        query = query.where(scope)
    if program_id is not None:
        query = query.where(Question.program_id == program_id)
    rows = session.scalars(query.order_by(Question.id.desc()).limit(SIMILAR_POOL)).all()
    if not rows:
        return []
    vector = _vector_of(encoder, text)
    matrix = np.frombuffer(b"".join(q.vector for q in rows), dtype=np.float32).reshape(
        len(rows), -1
    )
    cosines = matrix @ vector
    wanted = terms(text)
    counts = _answer_counts(session, principal, [q.id for q in rows])
    found = []
    for cosine, question in zip(cosines, rows, strict=True):
        shared = len(wanted & terms(_text(question.title, question.body))) / max(1, len(wanted))
        if cosine < SIMILAR_COSINE and shared < SIMILAR_WORDS:
            continue
        found.append(
            SimilarQuestion(
                id=question.id,
                title=question.title,
                topic=question.topic,
                answers=counts.get(question.id, 0),
                answered=question.helpful_answer_id is not None,
                created_at=question.created_at,
                score=round(float(cosine) + 0.2 * shared, 4),
            )
        )
    found.sort(key=lambda s: (-s.score, -s.id))
    return found[:limit]


# --- answering ---------------------------------------------------------------------------


def answer(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    question_id: int,
    reply: AnswerCreate,
) -> Answer:
    """Anyone who may read the question answers it, unless the asker blocked them."""
    question = policy.readable_question(
        session=session, question_id=question_id, principal=principal
    )
    if question.status == PostStatus.hidden:
        raise PermissionDenied("This question is hidden by a moderator: it takes no answers.")
    if question.anonymous:
        # Only the asker's own blocks: were the replier's counted, blocking a suspect and
        # trying to reply would tell who asked. The refusal names nobody.
        if policy.blocked_by(session, question.author_id, principal.id):
            raise PermissionDenied("You cannot answer this question.")
    elif policy.blocked_between(session, principal.id, question.author_id):
        raise PermissionDenied("You cannot reply to this person.")
    conduct.require_accepted(session, principal, accept=reply.accept_code_of_conduct)
    _check_rate(session, principal, settings)
    row = Answer(question_id=question.id, author_id=principal.id, body=reply.body)
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.answer_posted",
        subject_type="community_answer",
        subject_id=row.id,
        program_id=question.program_id,
        data={"question_id": question.id},
    )
    return row


def mark_helpful(
    *, session: Session, principal: Principal, question_id: int, answer_id: int | None
) -> QuestionDetail:
    """The asker marks the answer that helped (or clears the mark)."""
    question = policy.readable_question(
        session=session, question_id=question_id, principal=principal
    )
    policy.require_asker(principal, question)
    if answer_id is not None:
        row = session.get(Answer, answer_id)
        if row is None or row.question_id != question.id or row.status != PostStatus.visible:
            raise InvalidInput(
                f"No answer with id {answer_id} to this question.", field="answer_id"
            )
    question.helpful_answer_id = answer_id
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.answer_marked_helpful",
        subject_type="community_question",
        subject_id=question.id,
        program_id=question.program_id,
        data={"answer_id": answer_id},
    )
    return get(session=session, principal=principal, question_id=question.id)


# --- being asked -------------------------------------------------------------------------


def _own(principal: Principal) -> int:
    if isinstance(principal, System) or principal.id is None:
        raise NotFound("Only a person chooses whether to be asked.")
    return principal.id


def helper_status(*, session: Session, principal: Principal) -> HelperPublic:
    user_id = _own(principal)
    row = session.scalar(select(Helper).where(Helper.user_id == user_id))
    return HelperPublic(opted_in=row is not None, helps_with=row.helps_with if row else "")


def set_helper(*, session: Session, principal: Principal, change: HelperUpdate) -> HelperPublic:
    """Opt in to (or out of) being suggested as someone to ask; only for oneself."""
    user_id = _own(principal)
    row = session.scalar(select(Helper).where(Helper.user_id == user_id))
    if change.opted_in:
        if row is None:
            row = Helper(user_id=user_id)
            session.add(row)
        row.helps_with = change.helps_with.strip()
    elif row is not None:
        session.delete(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.helper_opt_in" if change.opted_in else "community.helper_opt_out",
        subject_type="user",
        subject_id=user_id,
    )
    return helper_status(session=session, principal=principal)


def may_moderate(*, principal: Principal, program_id: int | None) -> bool:
    """Whether to offer moderators' actions on a page (each action checks again)."""
    return policy.may_moderate(principal, program_id)


def program_names(*, session: Session, principal: Principal) -> dict[int, str]:
    """The programs this principal may ask in, by id."""
    readable = program_policy.readable_program_ids(principal=principal)
    query = select(Program.id, Program.name)
    if readable is not None:
        query = query.where(Program.id.in_(readable))
    return dict(session.execute(query.order_by(Program.name)).all())


def skip_pending_notices(session: Session, question_id: int) -> None:
    """A hidden question is told to nobody who has not been told yet."""
    for notice in session.scalars(
        select(Notification).where(
            Notification.kind == Kind.community_question.value,
            Notification.status == NotificationStatus.pending,
        )
    ):
        if notice.context.get("question_id") == question_id:
            notice.status = NotificationStatus.skipped
            notice.outcome = "the question was hidden by a moderator"
            notice.settled_at = utcnow()
