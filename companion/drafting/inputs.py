"""What a draft is grounded in: the pieces each kind's `gather` builds its input from.

A kind's module (`companion/drafting/kinds/`) says what its input holds; the request
it is gathered for (`Sources`) was resolved and permission-checked by the drafting
service, and says whether the draft may use what only the pair may read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import availability
from companion.db.base import utcnow
from companion.drafting import grounding, privacy, situations
from companion.errors import InvalidInput
from companion.participants import sharing
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships.models import (
    ActionItem,
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MemberRole,
    MentoringSession,
    Message,
    Relationship,
    RelationshipMember,
    SessionStatus,
)
from prompts import schemas

if TYPE_CHECKING:
    from companion.runtime import Services
    from knowledge.search import SearchResult

GUIDANCE_CHUNKS = 4


@dataclass
class Target:
    """What a draft is about, resolved and permission-checked."""

    program: Program | None = None
    relationship: Relationship | None = None
    people: dict[int, Participant] = field(default_factory=dict)
    goal: Goal | None = None
    subject_id: int | None = None


def person(person: Participant, role: str, allowed: list[str] | None) -> schemas.Person:
    return schemas.Person(
        name=person.name,
        role=role,
        title=person.title if allowed is None or "title" in allowed else "",
        timezone=person.timezone or "UTC",
        profile=privacy.profile_of(person, allowed=allowed),
    )


def goal_summary(goal: Goal) -> schemas.GoalSummary:
    return schemas.GoalSummary(
        id=goal.id,
        title=goal.title,
        specific=goal.specific,
        measurable=goal.measurable,
        achievable=goal.achievable,
        relevant=goal.relevant,
        time_bound=goal.time_bound,
        target_date=goal.target_date,
        status=goal.status.value,
        progress=goal.progress,
        milestones=[
            schemas.Milestone(text=m.text, due_date=m.due_date, done=m.done_at is not None)
            for m in goal.milestones
        ],
    )


# Who a pair's own drafts (an agenda, a brief, feedback prompts) are for: guidance written
# only for coordinators (designing a program, recruiting mentors, re-engaging stalled
# pairs) is not quoted to them. A document with no audience is used for anyone.
PAIR_READERS = frozenset({"mentor", "mentee"})


def written_for(hits: list[SearchResult], readers: frozenset[str]) -> list[SearchResult]:
    """The hits from documents written for at least one of `readers`, or for anyone."""
    return [h for h in hits if not h.audience or readers & set(h.audience)]


def guidance(
    services: Services,
    session: Session,
    query: str,
    top_k: int = GUIDANCE_CHUNKS,
    *,
    readers: frozenset[str] | None = None,
) -> list[schemas.Guidance]:
    """The passages found for `query`; with `readers`, only from documents written for
    at least one of them (a guide's `audience`)."""
    from companion.guidance import service as kb

    try:
        hits = kb.search(
            session=session,
            kb=services.knowledge_base,
            query=query[:1000],
            top_k=min(50, top_k * 2) if readers else top_k,
        )
    except InvalidInput:
        return []
    if readers:
        hits = written_for(hits, readers)[:top_k]
    return as_guidance(hits)


def as_guidance(hits: list[SearchResult]) -> list[schemas.Guidance]:
    return [
        schemas.Guidance(
            chunk_id=h.chunk_id, document_id=h.doc_id, title=h.title, heading=h.heading, text=h.text
        )
        for h in hits
    ]


@dataclass(frozen=True)
class Sources:
    """One draft request, as a kind's `gather` reads it."""

    session: Session
    services: Services
    target: Target
    # The aspiration or question the requester wrote, for the kinds made from one.
    text: str | None
    today: date
    # The model runs on this machine: every profile field may go into the prompt.
    local: bool
    # The draft may be made from what only the pair may read (its mentor alone reviews it).
    member_reviewed: bool
    # Guidance documents not to use again (a reviewer asked for different guidance).
    avoid_documents: frozenset[str] = frozenset()

    def guidance(self, query: str, top_k: int = GUIDANCE_CHUNKS) -> list[schemas.Guidance]:
        if not self.avoid_documents:
            return guidance(self.services, self.session, query, top_k)
        found = guidance(self.services, self.session, query, top_k * 3)
        return [g for g in found if g.document_id not in self.avoid_documents][:top_k]

    def local_day(self, moment: datetime) -> date:
        """The day `moment` falls on for the pair: in the time zone its members share, else
        the mentee's (a session at 23:00 UTC is the next day in Berlin)."""
        people = self.target.people
        members = self.target.relationship.members
        zones = {people[m.participant_id].timezone for m in members if m.participant_id in people}
        zone = (
            zones.pop() if len(zones) == 1 else people[self._mentee_row().participant_id].timezone
        )
        known = availability.canonical_timezone(zone or "")
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(known)).date() if known else aware.date()

    def next_booked_day(self, now: datetime | None = None) -> date | None:
        """The day of the pair's next scheduled session that has not started, if any, as
        the pair sees it (`local_day`)."""
        starts = self.session.scalars(
            select(MentoringSession.starts_at)
            .where(
                MentoringSession.relationship_id == self.target.relationship.id,
                MentoringSession.status == SessionStatus.scheduled,
                MentoringSession.starts_at >= (now or utcnow()),
            )
            .order_by(MentoringSession.starts_at)
            .limit(1)
        ).first()
        return self.local_day(starts) if starts else None

    def stored_vectors(self) -> dict:
        """The knowledge base's passage vectors by chunk id, as its searcher holds them."""
        searcher = self.services.knowledge_base.searcher(self.session)
        return {
            p.chunk_id: searcher.matrix[row]
            for row, p in enumerate(searcher.passages)
            if not p.is_question
        }

    def _mentee_row(self) -> RelationshipMember:
        """The mentee the draft is about: its subject, else the relationship's mentee."""
        members = self.target.relationship.members
        return next(
            (m for m in members if m.participant_id == self.target.subject_id),
            next(m for m in members if m.role == MemberRole.mentee),
        )

    def pair(self) -> tuple[schemas.Person, schemas.Person]:
        """The relationship's mentor and the mentee the draft is about, as a prompt sees them."""
        program, relationship = self.target.program, self.target.relationship
        allowed = None if self.local else list(program.llm_profile_fields or [])
        people = self.target.people
        mentor_row = next(m for m in relationship.members if m.role == MemberRole.mentor)
        mentee_row = self._mentee_row()
        mentor = person(people[mentor_row.participant_id], "mentor", allowed)
        mentee = person(people[mentee_row.participant_id], "mentee", allowed)
        return mentor, mentee

    def relationship(
        self,
        *,
        query: Callable[[str, str], str],
        stalled_reasons: list[str] | None = None,
        days_quiet: int | None = None,
        every_member: bool = True,
        readers: frozenset[str] | None = PAIR_READERS,
        situated: bool = False,
    ) -> schemas.RelationshipInput:
        """The relationship as a draft about it reads it; `query(goal titles, notes)` is
        what guidance is retrieved for. Every draft of a relationship goes to its members
        (the mentor's brief to the mentor), so each person's profile holds only what they
        share with the other members of their relationships, never what they wrote about
        their challenges (`participants.sharing`), and guidance is not chosen by what they
        keep back. `every_member`: the draft goes to every member (an agenda, feedback
        prompts, a nudge), so in a circle it holds no mentee's goals, which the other
        mentees may not know of; the brief, for the mentor alone, passes False.
        `readers`: whom the guidance quoted must be written for (a nudge, which the
        program writes, passes None). `situated`: add the guide sections written for the
        pair's situation (`drafting.situations`), for a brief or an agenda."""
        session, program, relationship = self.session, self.target.program, self.target.relationship
        people = self.target.people
        mentor, mentee = self.pair()
        mentor_row = next(m for m in relationship.members if m.role == MemberRole.mentor)
        mentor = _as_shared(mentor, people[mentor_row.participant_id])
        mentee = _as_shared(mentee, people[self._mentee_row().participant_id])
        # What a draft is made from, its reviewers may read. Coordinators may not read a
        # pair's notes, action items or goals shared only with the mentor, so those go
        # only into drafts the mentor alone reviews (an agenda, brief or feedback prompts,
        # without four eyes); such a draft is marked members_only and hidden from
        # coordinators. A nudge, or anything under four eyes, uses what the program sees.
        members = self.member_reviewed
        shared = (
            {GoalVisibility.mentor, GoalVisibility.program} if members else {GoalVisibility.program}
        )
        # In a circle, a mentee's goals are not the other mentees' to know (goals.sight):
        # a draft every member receives holds none of them.
        circle = sum(m.role == MemberRole.mentee for m in relationship.members) > 1
        seen = (
            []
            if every_member and circle
            else list(
                session.scalars(
                    select(Goal)
                    .where(Goal.relationship_id == relationship.id, Goal.visibility.in_(shared))
                    .order_by(Goal.id)
                )
            )
        )
        goals = [goal_summary(g) for g in seen if g.status in (GoalStatus.draft, GoalStatus.active)]
        achieved = [g.title for g in seen if g.status == GoalStatus.achieved]
        last = session.scalars(
            select(MentoringSession)
            .where(
                MentoringSession.relationship_id == relationship.id,
                MentoringSession.status == SessionStatus.held,
            )
            .order_by(MentoringSession.starts_at.desc())
            .limit(1)
        ).first()
        actions = [
            schemas.ActionSummary(
                text=a.text,
                owner=people[a.owner_id].name,
                due_date=a.due_date,
                done=False,
            )
            for a in session.scalars(
                select(ActionItem)
                .where(ActionItem.relationship_id == relationship.id, ActionItem.done_at.is_(None))
                .order_by(ActionItem.due_date, ActionItem.id)
            )
            if members
        ]
        notes = last.shared_notes if last and members else ""
        subject = people[self._mentee_row().participant_id]
        # Only what the mentee shares picks the guidance, never their challenges: guidance
        # on a bullying manager would tell the mentor what the challenge was.
        shares = sharing.shared_names(subject)
        wants = subject.goals if "goals" in shares else ""
        title = subject.title if "title" in shares else ""
        # What the search names: the pair's goals, else what the mentee wrote they want.
        topics = " ".join(g.title for g in goals) or wants[:200]
        # What the pair is about, for choosing guidance by meaning. Only for ranking on
        # this machine: the profile fields here never reach a prompt unless allowed.
        focus = " ".join(
            [
                title,
                wants,
                *(f"{g.title}. {g.specific}" for g in goals),
                notes[:300],
            ]
        )
        private = (
            _members_context(session, program, relationship, people, self.local_day)
            if members
            else {}
        )
        drafted = schemas.RelationshipInput(
            program_name=program.name,
            program_values=program.values or "",
            session_minutes=program.session_minutes,
            today=self.today,
            mentor=mentor,
            mentee=mentee,
            goals=goals,
            achieved_goals=achieved,
            last_session=(
                schemas.SessionSummary(date=self.local_day(last.starts_at), shared_notes=notes)
                if last
                else None
            ),
            open_actions=actions,
            guidance=grounding.by_meaning(
                [
                    g
                    for g in guidance(
                        self.services,
                        session,
                        query(topics, notes),
                        GUIDANCE_CHUNKS * 3 if self.avoid_documents else GUIDANCE_CHUNKS * 2,
                        readers=readers,
                    )
                    if g.document_id not in self.avoid_documents
                ],
                focus,
                title,
                self.services.encoder,
                keep=GUIDANCE_CHUNKS,
                stored=self.stored_vectors(),
                aims=[wants, *(f"{g.title}. {g.specific}" for g in goals)],
            ),
            stalled_reasons=stalled_reasons or [],
            days_quiet=days_quiet,
            **private,
        )
        if not situated:
            return drafted
        return self._situated(
            drafted, every_member, readers, goals_known=not every_member or not circle
        )

    def _situated(
        self,
        data: schemas.RelationshipInput,
        every_member: bool,
        readers: frozenset[str] | None,
        *,
        goals_known: bool,
    ) -> schemas.RelationshipInput:
        """`data` with the guide sections for the pair's situation, each found in the
        knowledge base as it stands (a retired guide or a renamed section is left out)
        and written for `readers`."""
        # The searcher of the contents as they stand (retired guides left out), read once
        # for every section looked up.
        searcher = self.services.knowledge_base.searcher(self.session)

        def section(doc_id: str, heading: str) -> list[schemas.Guidance]:
            hits = searcher.section(doc_id, heading)
            return as_guidance(written_for(hits, readers) if readers else hits)

        return situations.situated(
            data,
            to_both=every_member,
            section=section,
            avoid=self.avoid_documents,
            goals_known=goals_known,
        )


def _as_shared(person: schemas.Person, participant: Participant) -> schemas.Person:
    """`person` as the other members of their relationships may read them."""
    shared = set(sharing.shared_names(participant))
    return person.model_copy(
        update={
            "title": person.title if "title" in shared else "",
            "profile": {k: v for k, v in person.profile.items() if k in shared},
        }
    )


EARLIER_SESSIONS = 2
FEEDBACK_SESSIONS = 3
THREAD_MESSAGES = 6


def _members_context(
    session: Session,
    program: Program,
    relationship: Relationship,
    people: dict,
    day_of: Callable[[datetime], date],
) -> dict:
    """What only the pair may read, for a draft its mentor alone reviews: the members'
    expectations, earlier shared notes, revealed feedback and the gist of the thread.
    Never a private note: those are their author's alone."""
    names = {m.participant_id: people[m.participant_id].name for m in relationship.members}
    expectations = {
        f"{m.role.value} {names[m.participant_id]}": m.expectations.strip()
        for m in relationship.members
        if m.expectations.strip()
    }
    held = list(
        session.scalars(
            select(MentoringSession)
            .where(
                MentoringSession.relationship_id == relationship.id,
                MentoringSession.status == SessionStatus.held,
            )
            .order_by(MentoringSession.starts_at.desc())
            .limit(max(EARLIER_SESSIONS + 1, FEEDBACK_SESSIONS))
        )
    )
    earlier = [
        schemas.SessionSummary(date=day_of(s.starts_at), shared_notes=s.shared_notes)
        for s in held[1 : EARLIER_SESSIONS + 1]
        if s.shared_notes.strip()
    ]
    now = utcnow()
    recent = held[:FEEDBACK_SESSIONS]
    given: dict[int, list[Feedback]] = {s.id: [] for s in recent}
    if recent:
        for row in session.scalars(
            select(Feedback).where(Feedback.session_id.in_(list(given))).order_by(Feedback.id)
        ):
            given[row.session_id].append(row)
    ratings: dict[str, list[int]] = {}
    answers: dict[str, list[str]] = {}
    for held_session in recent:
        rows = given[held_session.id]
        starts = held_session.starts_at
        if starts.tzinfo is None:
            starts = starts.replace(tzinfo=now.tzinfo)
        # Members answer blind: only answers already revealed to both are used.
        revealed = len(rows) >= len(relationship.members) or now >= starts + timedelta(
            days=program.feedback_reveal_days
        )
        if not revealed:
            continue
        for row in rows:
            for answer in row.answers or []:
                question = str(answer.get("question", "")).strip()
                if not question:
                    continue
                if isinstance(answer.get("rating"), int):
                    ratings.setdefault(question, []).append(answer["rating"])
                text = str(answer.get("text") or "").strip()
                if text:
                    answers.setdefault(question, []).append(text[:300])
    themes = [
        schemas.FeedbackTheme(
            question=question,
            mean_rating=(
                round(sum(ratings[question]) / len(ratings[question]), 1)
                if ratings.get(question)
                else None
            ),
            answers=answers.get(question, [])[:4],
        )
        for question in dict.fromkeys([*ratings, *answers])
    ][:6]
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.relationship_id == relationship.id)
            .order_by(Message.id.desc())
            .limit(THREAD_MESSAGES)
        )
    )
    thread = [
        f"{names.get(m.author_id, 'a member')} ({m.created_at.date().isoformat()}): {_gist(m.body)}"
        for m in reversed(messages)
    ]
    return {
        "expectations": expectations,
        "earlier_notes": earlier,
        "feedback_themes": themes,
        "thread_summary": thread,
    }


def _gist(body: str, limit: int = 240) -> str:
    """The opening of a message, cut at a word boundary."""
    text = " ".join(body.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
