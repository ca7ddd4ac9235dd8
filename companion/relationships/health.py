"""Which relationships have gone quiet, and the coordinator's overview of a program."""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.principal import Principal
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import feedback
from companion.relationships.activity import session_counts
from companion.relationships.models import (
    ActionItem,
    Goal,
    MentoringSession,
    Relationship,
    RelationshipMember,
    RelationshipStatus,
    SessionStatus,
)
from companion.relationships.schemas import ProgramHealthPublic


class StalledCode(enum.StrEnum):
    """Why a relationship counts as stalled, for code to act on (the nudge, the prompt)."""

    # No session has been held since the relationship started.
    not_started = "not_started"
    # No session held for longer than the program's `stalled_after_days`.
    quiet = "quiet"
    # Open action items overdue by more than the program's `overdue_after_days`.
    actions_overdue = "actions_overdue"


@dataclass(frozen=True)
class StalledReason:
    code: StalledCode
    # not_started / quiet: days since the start or the last held session;
    # actions_overdue: the program's threshold in days.
    days: int
    # actions_overdue: how many actions.
    count: int = 0

    def describe(self) -> str:
        """The reason in words, as the coordinator's overview shows it."""
        if self.code == StalledCode.not_started:
            return f"no session held since the start {self.days} days ago"
        if self.code == StalledCode.quiet:
            return f"no session held for {self.days} days"
        return f"{self.count} action item(s) overdue by more than {self.days} days"


@dataclass
class Health:
    stalled: bool = False
    codes: list[StalledReason] = field(default_factory=list)
    last_held_at: datetime | None = None
    overdue_actions: int = 0

    @property
    def reasons(self) -> list[str]:
        return [reason.describe() for reason in self.codes]


def start_of(relationship: Relationship) -> datetime:
    start = relationship.start_date or relationship.created_at.date()
    return datetime.combine(start, time(0), tzinfo=UTC)


def assess(
    *, session: Session, program: Program, relationships: list[Relationship], now: datetime
) -> dict[int, Health]:
    """Stalled: active, and no session held for `stalled_after_days` (counted from the
    start when none was ever held), or an open action item overdue by more than
    `overdue_after_days`. Paused and ended relationships are never stalled."""
    ids = [r.id for r in relationships]
    result = {rid: Health() for rid in ids}
    if not ids:
        return result
    last_held = dict(
        session.execute(
            select(MentoringSession.relationship_id, func.max(MentoringSession.starts_at))
            .where(
                MentoringSession.relationship_id.in_(ids),
                MentoringSession.status == SessionStatus.held,
            )
            .group_by(MentoringSession.relationship_id)
        ).all()
    )
    overdue = dict(
        session.execute(
            select(ActionItem.relationship_id, func.count())
            .where(
                ActionItem.relationship_id.in_(ids),
                ActionItem.done_at.is_(None),
                ActionItem.due_date < overdue_before(program, now),
            )
            .group_by(ActionItem.relationship_id)
        ).all()
    )
    for relationship in relationships:
        held = last_held.get(relationship.id)
        if held is not None and held.tzinfo is None:
            held = held.replace(tzinfo=UTC)
        result[relationship.id] = judge(
            relationship=relationship,
            program=program,
            last_held_at=held,
            overdue_actions=overdue.get(relationship.id, 0),
            now=now,
        )
    return result


def overdue_before(program: Program, now: datetime) -> date:
    """An open action item due before this day is overdue for the program's rule."""
    return now.date() - timedelta(days=program.overdue_after_days)


def judge(
    *,
    relationship: Relationship,
    program: Program,
    last_held_at: datetime | None,
    overdue_actions: int,
    now: datetime,
) -> Health:
    """`assess`'s rule for one relationship whose facts were read already."""
    health = Health(last_held_at=last_held_at, overdue_actions=overdue_actions)
    if relationship.status != RelationshipStatus.active:
        return health
    quiet_since = last_held_at or start_of(relationship)
    quiet_days = (now - quiet_since).days
    if quiet_days > program.stalled_after_days:
        code = StalledCode.quiet if last_held_at else StalledCode.not_started
        health.codes.append(StalledReason(code, quiet_days))
    if overdue_actions:
        health.codes.append(
            StalledReason(
                StalledCode.actions_overdue, program.overdue_after_days, count=overdue_actions
            )
        )
    health.stalled = bool(health.codes)
    return health


def stalled_clause(*, program: Program, now: datetime) -> ColumnElement[bool]:
    """`assess`'s stalled rule as a SQL condition on `Relationship`, for lists that page
    in the database. The two must agree relationship by relationship
    (`tests/relationships/test_stalled_sql.py`).

    Quiet for more than `stalled_after_days` whole days means the last held session (or,
    if none was held, the start at midnight UTC) is at or before `cutoff`.
    """
    cutoff = now - timedelta(days=program.stalled_after_days + 1)
    overdue_before = now.date() - timedelta(days=program.overdue_after_days)
    held = select(MentoringSession.id).where(
        MentoringSession.relationship_id == Relationship.id,
        MentoringSession.status == SessionStatus.held,
    )
    started_long_ago = or_(
        Relationship.start_date <= cutoff.date(),
        and_(
            Relationship.start_date.is_(None),
            Relationship.created_at
            < datetime.combine(cutoff.date() + timedelta(days=1), time(0), tzinfo=UTC),
        ),
    )
    quiet = and_(
        ~held.where(MentoringSession.starts_at > cutoff).exists(),
        or_(held.exists(), started_long_ago),
    )
    actions_overdue = (
        select(ActionItem.id)
        .where(
            ActionItem.relationship_id == Relationship.id,
            ActionItem.done_at.is_(None),
            ActionItem.due_date < overdue_before,
        )
        .exists()
    )
    return and_(Relationship.status == RelationshipStatus.active, or_(quiet, actions_overdue))


def overview(
    *,
    session: Session,
    program: Program,
    principal: Principal,
    now: datetime,
    upcoming_days: int = 14,
) -> ProgramHealthPublic:
    """Program-level data for coordinators: never notes, threads, or unshared goal text."""
    policy.require_coordinator(principal, program.id)
    rows = list(
        session.scalars(
            select(Relationship)
            .where(Relationship.program_id == program.id)
            .order_by(Relationship.id)
        ).all()
    )
    ids = [r.id for r in rows]
    # Only the members' names, in one statement: loading every member and every member's
    # whole participant (its profile is JSON columns) was most of this page's time at
    # 3,000 pairs (docs/performance.md, "Lists at a few thousand rows").
    member_names: dict[int, list[str]] = defaultdict(list)
    for relationship_id, name in session.execute(
        select(RelationshipMember.relationship_id, Participant.name)
        .join(Participant, Participant.id == RelationshipMember.participant_id)
        .join(Relationship, Relationship.id == RelationshipMember.relationship_id)
        .where(Relationship.program_id == program.id)
        .order_by(RelationshipMember.id)
    ):
        member_names[relationship_id].append(name)
    flags = assess(session=session, program=program, relationships=rows, now=now)
    counts = session_counts(session, ids)
    goals: dict[int, list[Goal]] = defaultdict(list)
    if ids:
        for goal in session.scalars(
            select(Goal).where(Goal.relationship_id.in_(ids)).order_by(Goal.id)
        ):
            goals[goal.relationship_id].append(goal)
    upcoming = (
        session.scalars(
            select(MentoringSession)
            .where(
                MentoringSession.relationship_id.in_(ids),
                MentoringSession.status == SessionStatus.scheduled,
                MentoringSession.starts_at >= now,
                MentoringSession.starts_at < now + timedelta(days=upcoming_days),
            )
            .order_by(MentoringSession.starts_at)
        ).all()
        if ids
        else []
    )
    by_id = {r.id: r for r in rows}

    def names(relationship: Relationship) -> list[str]:
        return list(member_names[relationship.id])

    per_relationship = []
    for r in rows:
        own_goals = goals[r.id]
        per_relationship.append(
            {
                "id": r.id,
                "kind": r.kind.value,
                "name": r.name,
                "members": names(r),
                "status": r.status.value,
                "sessions": counts[r.id],
                "last_held_at": flags[r.id].last_held_at,
                "stalled": flags[r.id].stalled,
                "stalled_reasons": flags[r.id].reasons,
                "goals": [
                    {"id": g.id, "status": g.status.value, "progress": g.progress}
                    for g in own_goals
                ],
                "mean_goal_progress": (
                    round(sum(g.progress for g in own_goals) / len(own_goals), 1)
                    if own_goals
                    else None
                ),
            }
        )
    status_counts: dict[str, int] = defaultdict(int)
    for r in rows:
        status_counts[r.status.value] += 1
    return ProgramHealthPublic.model_validate(
        {
            "program_id": program.id,
            "as_of": now,
            "relationships": dict(status_counts),
            "sessions": {
                status: sum(c[status] for c in counts.values())
                for status in (s.value for s in SessionStatus)
            },
            "stalled": [item for item in per_relationship if item["stalled"]],
            "upcoming_sessions": [
                {
                    "session_id": s.id,
                    "relationship_id": s.relationship_id,
                    "members": names(by_id[s.relationship_id]),
                    "starts_at": s.starts_at,
                    "duration_minutes": s.duration_minutes,
                    "modality": s.modality.value,
                }
                for s in upcoming
            ],
            "per_relationship": per_relationship,
            "feedback": feedback.aggregate(session=session, program=program, principal=principal),
        }
    )


def is_overdue(item: ActionItem, today: date) -> bool:
    return item.done_at is None and item.due_date is not None and item.due_date < today


def held_per_week(
    session: Session, *, program_id: int, now: datetime, weeks: int = 12
) -> list[tuple[date, int]]:
    """Held sessions per ISO week (by its Monday, UTC) over the last `weeks` weeks."""
    today = now.astimezone(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    starts = session.scalars(
        select(MentoringSession.starts_at)
        .join(Relationship, Relationship.id == MentoringSession.relationship_id)
        .where(
            Relationship.program_id == program_id,
            MentoringSession.status == SessionStatus.held,
            MentoringSession.starts_at >= datetime.combine(first_monday, time(0), tzinfo=UTC),
        )
    ).all()
    counts = Counter(
        day - timedelta(days=day.weekday()) for day in (s.astimezone(UTC).date() for s in starts)
    )
    return [
        (monday, counts[monday])
        for monday in (first_monday + timedelta(weeks=k) for k in range(weeks))
    ]
