"""Relationships the demo program has lived through: sessions, notes, goals, a stalled pair.

Dates are relative to the moment the demo is loaded, so the demo always looks
like a program some weeks into its run. All text is written for this demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

if TYPE_CHECKING:
    from companion.runtime import Services

from companion.accounts.principal import System
from companion.audit.service import Actor
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import (
    ActionItem,
    CheckIn,
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MemberRole,
    MentoringSession,
    Message,
    Milestone,
    Modality,
    Relationship,
    SessionStatus,
)


@dataclass
class DemoGoal:
    title: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    time_bound: str
    weeks_to_target: int
    status: GoalStatus
    visibility: GoalVisibility
    check_ins: list[tuple[int, int, str]]  # (days ago, progress, note)
    milestones: list[tuple[str, int, bool]]  # (text, weeks from start, done)


@dataclass
class DemoPair:
    mentor: str
    mentee: str
    weeks_ago: int
    held: list[tuple[int, str]]  # (days ago, shared notes)
    next_in_days: int | None
    expectations: tuple[str, str]
    actions: list[tuple[str, str, int, bool]]  # (owner role, text, due in days, done)
    goals: list[DemoGoal] = field(default_factory=list)
    messages: list[tuple[str, int, str]] = field(default_factory=list)  # (role, hours ago, text)
    feedback: list[tuple[str, list[tuple[int, str]]]] = field(default_factory=list)


PAIRS = [
    DemoPair(
        mentor="E1001",
        mentee="E1020",
        weeks_ago=6,
        held=[
            (
                40,
                "Agreed what we want from the six months: Samuel wants to lead a design "
                "review by spring. Walked through how Priya prepares for one.",
            ),
            (
                26,
                "Read Samuel's notes on the ledger service. Practised naming the one risk "
                "that matters most before listing the small ones.",
            ),
            (
                12,
                "Samuel raised a concern in Tuesday's review and it changed the rollout "
                "plan. Talked about what made it land.",
            ),
        ],
        next_in_days=5,
        expectations=(
            "Bring a real design each time; I will ask hard questions and say what I would do.",
            "I want honest feedback on how I come across in reviews, not reassurance.",
        ),
        actions=[
            ("mentee", "Write a one-page design note for the refund retry job", -20, True),
            ("mentor", "Share two design reviews from last year with comments", -12, True),
            ("mentee", "Present the retry design to the payments guild", 9, False),
        ],
        goals=[
            DemoGoal(
                title="Lead a design review for a service other teams depend on",
                specific="Prepare and run the design review of the refund retry job "
                "for the payments guild.",
                measurable="The review happens, with a written design note and at "
                "least two decisions recorded.",
                achievable="Priya reviews my note beforehand; my lead has agreed I "
                "can take the slot.",
                relevant="Designing services others rely on is the step between my "
                "current role and a senior one.",
                time_bound="By the end of next quarter.",
                weeks_to_target=10,
                status=GoalStatus.active,
                visibility=GoalVisibility.mentor,
                check_ins=[
                    (30, 20, "Design note drafted; not yet reviewed."),
                    (10, 40, "Note reviewed by Priya; guild slot booked."),
                ],
                milestones=[
                    ("Design note written", 3, True),
                    ("Note reviewed by two engineers", 6, True),
                    ("Review held with the guild", 10, False),
                ],
            ),
            DemoGoal(
                title="Speak up earlier in meetings",
                specific="Say my main concern within the first ten minutes of a review.",
                measurable="",
                achievable="",
                relevant="",
                time_bound="",
                weeks_to_target=16,
                status=GoalStatus.draft,
                visibility=GoalVisibility.private,
                check_ins=[],
                milestones=[],
            ),
        ],
        messages=[
            (
                "mentee",
                50,
                "I found the post-mortem from the 2024 outage you mentioned: "
                "https://wiki.example.org/postmortems/ledger-2024 — is the "
                "second section the part you meant?",
            ),
            (
                "mentor",
                30,
                "Yes, that one. Notice how they name the assumption that "
                "failed before the timeline. Try that shape in your note.",
            ),
            ("mentee", 4, "Draft is in the shared folder; no rush before our session."),
        ],
        feedback=[
            (
                "mentor",
                [
                    (5, "Samuel came prepared."),
                    (4, "I talked too much."),
                    (5, "He will present the design."),
                ],
            ),
            (
                "mentee",
                [
                    (5, "The practice round helped."),
                    (4, "More time on questions."),
                    (5, "Book the guild slot."),
                ],
            ),
        ],
    ),
    DemoPair(
        mentor="E1002",
        mentee="E1021",
        weeks_ago=6,
        held=[
            (
                38,
                "Lena wants to try leading a team. Mapped what an engineering manager "
                "does in a week that she does not do now.",
            ),
            (17, "Lena shadowed a one-to-one and a hiring debrief. Discussed what surprised her."),
        ],
        next_in_days=11,
        expectations=(
            "Weekly async check-ins in the thread, a proper session every two weeks.",
            "Help me find out whether management is for me before I ask for it.",
        ),
        actions=[
            ("mentee", "Shadow a hiring debrief", -10, True),
            ("mentee", "List three management tasks to try this month", 4, False),
        ],
        goals=[
            DemoGoal(
                title="Decide whether to move into engineering management",
                specific="Try three parts of a manager's job and decide if I want it.",
                measurable="Three tasks tried and a written decision shared with my lead.",
                achievable="Jonas arranges the shadowing; my lead supports it.",
                relevant="My lead asked me to consider the open team lead role.",
                time_bound="Before the role is advertised in eight weeks.",
                weeks_to_target=8,
                status=GoalStatus.achieved,
                visibility=GoalVisibility.program,
                check_ins=[(20, 50, "Two tasks tried."), (3, 100, "Decided: yes, I will apply.")],
                milestones=[
                    ("Shadow a one-to-one", 2, True),
                    ("Shadow a hiring debrief", 4, True),
                    ("Write the decision down", 6, True),
                ],
            )
        ],
    ),
    # The stalled pair: one session long ago and an action item forgotten since.
    DemoPair(
        mentor="E1014",
        mentee="E1028",
        weeks_ago=7,
        held=[(44, "First meeting: Emily wants to move from support into product.")],
        next_in_days=None,
        expectations=("", ""),
        actions=[("mentee", "Send Rebecca three product specs you admire", -30, False)],
        goals=[],
    ),
]

# Pair 2 has written closing reflections and agreed to a success story.
REFLECTIONS = {
    "E1002": "Lena found her answer faster than I expected: by doing the work, not "
    "reading about it. I will shadow-first with every future mentee.",
    "E1021": "Shadowing real conversations told me more than any course. I am applying "
    "for the team lead role, and I know what the first month will ask of me.",
}


def load_drafts(session: Session, services: Services, program: Program, actor: Actor) -> int:
    """One draft of every kind, made by the offline drafter, waiting in the review queue."""
    from companion.drafting import service as drafting
    from companion.drafting.gateway import Gateway
    from prompts.schemas import DraftKind

    pairs = {
        (r.mentor_id, r.mentee_id): r
        for r in session.scalars(
            select(Relationship)
            .where(Relationship.program_id == program.id)
            .options(selectinload(Relationship.members))
        )
    }
    people = {
        p.external_id: p.id
        for p in session.scalars(select(Participant).where(Participant.program_id == program.id))
    }
    first = pairs[people["E1001"], people["E1020"]]
    second = pairs[people["E1002"], people["E1021"]]
    stalled = pairs[people["E1014"], people["E1028"]]
    for member in second.members:
        external = next(k for k, v in people.items() if v == member.participant_id)
        member.closing_reflection = REFLECTIONS[external]
        member.story_consent = True
    session.flush()
    shared_goal = session.scalars(
        select(Goal).where(Goal.relationship_id == first.id).order_by(Goal.id)
    ).first()
    achieved = session.scalars(select(Goal).where(Goal.relationship_id == second.id)).first()
    offline = Gateway(services.settings.model_copy(update={"llm_model": "offline"}))
    requests = [
        (DraftKind.agenda, {"relationship_id": first.id}),
        (DraftKind.brief, {"relationship_id": first.id}),
        (DraftKind.feedback_prompts, {"relationship_id": first.id}),
        (
            DraftKind.smart_goal,
            {
                "relationship_id": first.id,
                "text": "I want to get better at explaining my designs to senior engineers.",
            },
        ),
        (DraftKind.smart_check, {"goal_id": shared_goal.id}),
        (DraftKind.nudge, {"relationship_id": stalled.id}),
        (DraftKind.answer, {"text": "How should a mentor prepare for a first session?"}),
        (DraftKind.success_story, {"relationship_id": second.id, "goal_id": achieved.id}),
    ]
    for kind, target in requests:
        drafting.request_draft(
            services=services,
            session=session,
            kind=kind,
            principal=System(actor.label),
            gateway=offline,
            **target,
        )
    return len(requests)


def load(session: Session, program: Program, actor: Actor, now: datetime) -> int:
    """Add the demo's pairs (the caller checks that the program has none yet)."""
    people = {
        p.external_id: p
        for p in session.scalars(select(Participant).where(Participant.program_id == program.id))
    }
    for pair in PAIRS:
        _add_pair(session, program, people, pair, actor, now)
    return len(PAIRS)


def _add_pair(
    session: Session,
    program: Program,
    people: dict[str, Participant],
    pair: DemoPair,
    actor: Actor,
    now: datetime,
) -> None:
    from companion.relationships.feedback import DEFAULT_QUESTIONS

    mentor, mentee = people[pair.mentor], people[pair.mentee]
    started = now - timedelta(weeks=pair.weeks_ago)
    relationship = relationships.create_pair(
        session=session,
        program=program,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        start=started.date(),
    )
    relationship.created_at = started
    relationship.modalities = [Modality.video.value, Modality.chat.value]
    by_role = {m.role: m for m in relationship.members}
    by_role[MemberRole.mentor].expectations = pair.expectations[0]
    by_role[MemberRole.mentee].expectations = pair.expectations[1]
    ids = {MemberRole.mentor.value: mentor.id, MemberRole.mentee.value: mentee.id}

    sessions = []
    for days_ago, notes in pair.held:
        held = MentoringSession(
            relationship_id=relationship.id,
            starts_at=(now - timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0),
            duration_minutes=program.session_minutes,
            modality=Modality.video,
            status=SessionStatus.held,
            shared_notes=notes,
            created_by=actor.label,
        )
        session.add(held)
        sessions.append(held)
    if pair.next_in_days is not None:
        session.add(
            MentoringSession(
                relationship_id=relationship.id,
                starts_at=(now + timedelta(days=pair.next_in_days)).replace(
                    minute=0, second=0, microsecond=0
                ),
                duration_minutes=program.session_minutes,
                modality=Modality.video,
                created_by=actor.label,
            )
        )
    session.flush()
    for role, text, due_in_days, done in pair.actions:
        session.add(
            ActionItem(
                relationship_id=relationship.id,
                session_id=sessions[-1].id if sessions else None,
                owner_id=ids[role],
                text=text,
                due_date=(now + timedelta(days=due_in_days)).date(),
                done_at=now + timedelta(days=due_in_days - 1) if done else None,
                created_by=actor.label,
            )
        )
    for goal in pair.goals:
        row = Goal(
            relationship_id=relationship.id,
            mentee_id=mentee.id,
            title=goal.title,
            specific=goal.specific,
            measurable=goal.measurable,
            achievable=goal.achievable,
            relevant=goal.relevant,
            time_bound=goal.time_bound,
            target_date=(started + timedelta(weeks=goal.weeks_to_target)).date(),
            status=goal.status,
            visibility=goal.visibility,
            progress=goal.check_ins[-1][1] if goal.check_ins else 0,
            created_at=started,
            milestones=[
                Milestone(
                    text=text,
                    due_date=(started + timedelta(weeks=weeks)).date(),
                    done_at=started + timedelta(weeks=weeks) if done else None,
                )
                for text, weeks, done in goal.milestones
            ],
            check_ins=[
                CheckIn(progress=progress, note=note, created_at=now - timedelta(days=days))
                for days, progress, note in goal.check_ins
            ],
        )
        session.add(row)
    for role, hours_ago, text in pair.messages:
        session.add(
            Message(
                relationship_id=relationship.id,
                author_id=ids[role],
                body=text,
                created_at=now - timedelta(hours=hours_ago),
            )
        )
    if sessions:
        for role, answers in pair.feedback:
            session.add(
                Feedback(
                    session_id=sessions[-1].id,
                    participant_id=ids[role],
                    answers=[
                        {"question": question, "rating": rating, "text": text}
                        for question, (rating, text) in zip(DEFAULT_QUESTIONS, answers, strict=True)
                    ],
                    submitted_at=sessions[-1].starts_at + timedelta(hours=3),
                )
            )
    session.flush()
