"""Relationships: creation from approved matches, the agreement, pausing and ending."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from companion.accounts import policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal, System, actor_of
from companion.db import fetch_page
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, InvalidTransition
from companion.pagination import choice, contains
from companion.participants.models import Participant
from companion.programs import policy as program_policy
from companion.programs.models import Program
from companion.relationships import access, activity, health
from companion.relationships.access import View
from companion.relationships.activity import (
    NextSession,
    next_sessions,
    session_counts,
    unread_count,
    unread_counts,
)
from companion.relationships.events import record, session_of
from companion.relationships.models import (
    MemberRole,
    MentoringSession,
    Modality,
    Relationship,
    RelationshipKind,
    RelationshipMember,
    RelationshipStatus,
    SessionStatus,
)
from companion.relationships.schemas import RelationshipPublic

MAX_CIRCLE_MENTEES = 12
EXPECTATIONS_MAX = 4000
REFLECTION_MAX = 8000
REASON_MAX = 2000


def _dates(program: Program, start: date) -> tuple[date, date]:
    return start, start + timedelta(weeks=program.duration_weeks)


def create_pair(
    *,
    session: Session,
    program: Program,
    mentor_id: int,
    mentee_id: int,
    proposal_id: int | None = None,
    start: date | None = None,
) -> Relationship:
    """A pair from an approved proposal; dates follow the program's duration."""
    start_date, end_date = _dates(program, start or utcnow().date())
    relationship = Relationship(
        program_id=program.id,
        kind=RelationshipKind.pair,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        proposal_id=proposal_id,
        start_date=start_date,
        planned_end_date=end_date,
        members=[
            RelationshipMember(participant_id=mentor_id, role=MemberRole.mentor),
            RelationshipMember(participant_id=mentee_id, role=MemberRole.mentee),
        ],
    )
    session.add(relationship)
    session.flush()
    return relationship


def open_relationship_ids(session: Session, program_id: int) -> dict[int, int]:
    """Mentee participant id -> the open relationship they are in, for one program."""
    rows = session.execute(
        select(RelationshipMember.participant_id, Relationship.id)
        .join(Relationship, Relationship.id == RelationshipMember.relationship_id)
        .where(
            Relationship.program_id == program_id,
            RelationshipMember.role == MemberRole.mentee,
            Relationship.status.in_([RelationshipStatus.active, RelationshipStatus.paused]),
        )
    ).all()
    return {participant: relationship for participant, relationship in rows}


def create_circle(
    *,
    session: Session,
    program: Program,
    name: str,
    mentor: str,
    mentees: list[str],
    principal: Principal,
    start: date | None = None,
) -> Relationship:
    """A circle a coordinator forms: one mentor leading several mentees (ids as imported)."""
    policy.require_coordinator(principal, program.id)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name: a circle needs a name.", details=[{"field": "name"}])
    if not 2 <= len(set(mentees)) <= MAX_CIRCLE_MENTEES:
        raise InvalidInput(
            f"mentees: a circle has 2 to {MAX_CIRCLE_MENTEES} different mentees, "
            f"not {len(set(mentees))}.",
            details=[{"field": "mentees"}],
        )
    by_id = {
        p.external_id: p
        for p in session.scalars(
            select(Participant).where(
                Participant.program_id == program.id,
                Participant.external_id.in_([mentor, *mentees]),
            )
        )
    }
    problems = []
    lead = by_id.get(mentor)
    if lead is None:
        problems.append({"field": "mentor", "message": f"{mentor!r} is not in this program"})
    elif not lead.is_mentor:
        problems.append({"field": "mentor", "message": f"{mentor!r} is not a mentor"})
    taken = open_relationship_ids(session, program.id)
    for index, external_id in enumerate(dict.fromkeys(mentees)):
        person = by_id.get(external_id)
        field = f"mentees[{index}]"
        if person is None:
            problems.append({"field": field, "message": f"{external_id!r} is not in this program"})
        elif not person.is_mentee:
            problems.append({"field": field, "message": f"{external_id!r} is not a mentee"})
        elif person.id in taken:
            problems.append(
                {
                    "field": field,
                    "message": f"{external_id!r} is already in relationship {taken[person.id]}",
                }
            )
        elif lead is not None and person.id == lead.id:
            problems.append({"field": field, "message": "the mentor cannot also be a mentee"})
    if problems:
        raise InvalidInput(
            "The circle cannot be formed: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            + ".",
            details=problems,
        )
    start_date, end_date = _dates(program, start or utcnow().date())
    relationship = Relationship(
        program_id=program.id,
        kind=RelationshipKind.circle,
        name=name,
        mentor_id=lead.id,
        mentee_id=None,
        start_date=start_date,
        planned_end_date=end_date,
        members=[
            RelationshipMember(participant_id=lead.id, role=MemberRole.mentor),
            *(
                RelationshipMember(participant_id=by_id[m].id, role=MemberRole.mentee)
                for m in dict.fromkeys(mentees)
            ),
        ],
    )
    session.add(relationship)
    session.flush()
    record(program.id, actor_of(principal), "relationships.circle_formed", relationship, name=name)
    return relationship


# --- reading ---------------------------------------------------------------------------


def effective_cadence(relationship: Relationship, program: Program) -> int:
    return relationship.cadence_days or program.cadence_days


def member_payload(member: RelationshipMember, people: dict[int, Participant]) -> dict[str, Any]:
    person = people[member.participant_id]
    return {
        "participant_id": person.external_id,
        "name": person.name,
        "role": member.role.value,
        "timezone": person.timezone,
    }


def summary(
    *,
    session: Session,
    relationship: Relationship,
    program: Program,
    people: dict[int, Participant],
    member: RelationshipMember | None,
    counts: dict[str, int],
    upcoming: MentoringSession | NextSession | None,
    health: Any | None = None,
    unread: int | None = None,
) -> RelationshipPublic:
    """What a member or a coordinator sees of a relationship in lists and detail.

    `unread` is the member's unread messages when a list counted them for all its
    relationships at once; otherwise they are counted here.
    """
    mentor = people.get(relationship.mentor_id)
    mentee = people.get(relationship.mentee_id) if relationship.mentee_id else None
    data: dict[str, Any] = {
        "id": relationship.id,
        "program_id": relationship.program_id,
        "kind": relationship.kind.value,
        "name": relationship.name,
        "status": relationship.status.value,
        "mentor_name": mentor.name if mentor else None,
        "mentee_name": mentee.name if mentee else None,
        "members": [member_payload(m, people) for m in relationship.members],
        "start_date": relationship.start_date,
        "planned_end_date": relationship.planned_end_date,
        "ended_at": relationship.ended_at,
        "end_reason": relationship.end_reason or None,
        "agreement": {
            "cadence_days": effective_cadence(relationship, program),
            "modalities": list(relationship.modalities or []),
        },
        "sessions": counts,
        "next_session": (
            {"id": upcoming.id, "starts_at": upcoming.starts_at, "modality": upcoming.modality}
            if upcoming
            else None
        ),
        "created_at": relationship.created_at,
    }
    if member is not None:
        data["my_role"] = member.role.value
        data["unread_messages"] = unread if unread is not None else unread_count(session, member)
        data["agreement"]["expectations"] = {
            people[m.participant_id].external_id: m.expectations for m in relationship.members
        }
        data["closing_reflections"] = {
            people[m.participant_id].external_id: m.closing_reflection
            for m in relationship.members
            if m.closing_reflection
        }
    if health is not None:
        data["stalled"] = health.stalled
        data["stalled_reasons"] = health.reasons
    return RelationshipPublic.model_validate(data)


def detail(*, session: Session, view: View, now: datetime | None = None) -> RelationshipPublic:
    """What `summary` shows of one relationship, its activity read in one statement."""
    now = now or utcnow()
    relationship, program = view.relationship, view.program
    facts = activity.of_relationship(
        session,
        relationship.id,
        now=now,
        overdue_before=health.overdue_before(program, now),
        member=view.member,
    )
    return summary(
        session=session,
        relationship=relationship,
        program=program,
        people=view.people,
        member=view.member,
        counts=facts.sessions,
        upcoming=facts.upcoming,
        health=health.judge(
            relationship=relationship,
            program=program,
            last_held_at=facts.last_held_at,
            overdue_actions=facts.overdue_actions,
            now=now,
        ),
        unread=facts.unread,
    )


RELATIONSHIP_SORTS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "mentor": "Mentor's name",
}
# How long a relationship has run, by its start date: (at least, under) so many days.
RELATIONSHIP_AGES = {
    "new": ("Started in the last 4 weeks", 0, 28),
    "months": ("4 weeks to 3 months", 28, 91),
    "long": ("Over 3 months", 91, None),
}


def list_visible(
    *,
    session: Session,
    program: Program,
    principal: Principal,
    status: RelationshipStatus | None = None,
    stalled_only: bool = False,
    search: str | None = None,
    kind: str | None = None,
    age: str | None = None,
    sort: str = "oldest",
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[RelationshipPublic], int]:
    """Coordinators (and the System) see every relationship of the program; members their own.

    `search` keeps those whose name or a member's name holds it (any case); `kind` is
    pair or circle; `age` one of RELATIONSHIP_AGES; `sort` one of RELATIONSHIP_SORTS.
    Every condition is SQL, after the one that says who may read what."""
    if not program_policy.may_read(program_id=program.id, principal=principal):
        raise program_policy.program_not_found(program.id)
    now = now or utcnow()
    query = (
        select(Relationship)
        .where(Relationship.program_id == program.id)
        .options(selectinload(Relationship.members))
    )
    if not policy.has_role(principal, Role.coordinator, program.id):
        query = query.where(Relationship.id.in_(access.relationships_of_user(principal)))
    if status is not None:
        query = query.where(Relationship.status == status)
    if stalled_only:
        # Exact in SQL (`health.stalled_clause` states `health.assess`'s rule), so the
        # database counts and cuts the page, whatever the program's history.
        query = query.where(health.stalled_clause(program=program, now=now))
    query = query.where(*_listed_where(search=search, kind=kind, age=age, now=now))
    if sort not in RELATIONSHIP_SORTS:
        raise InvalidInput(f"sort: choose one of {', '.join(RELATIONSHIP_SORTS)}.", field="sort")
    order: tuple[Any, ...] = (Relationship.id,)
    if sort == "newest":
        order = (Relationship.id.desc(),)
    elif sort == "mentor":
        mentor = aliased(Participant)
        query = query.join(mentor, mentor.id == Relationship.mentor_id)
        order = (mentor.name, Relationship.id)
    rows, total = fetch_page(session, query, order_by=order, limit=limit, offset=offset)
    flags = health.assess(session=session, program=program, relationships=rows, now=now)
    programs = {program.id: program}
    return _summaries(session, rows, programs, principal, flags=flags, now=now), total


def _listed_where(
    *, search: str | None, kind: str | None, age: str | None, now: datetime
) -> list[Any]:
    conditions: list[Any] = []
    kind = choice(kind, [k.value for k in RelationshipKind], field="kind")
    if kind:
        conditions.append(Relationship.kind == RelationshipKind(kind))
    age = choice(age, RELATIONSHIP_AGES, field="age")
    if age:
        _, at_least, under = RELATIONSHIP_AGES[age]
        today = now.date()
        conditions.append(Relationship.start_date <= today - timedelta(days=at_least))
        if under is not None:
            conditions.append(Relationship.start_date > today - timedelta(days=under))
    if search and search.strip():
        member_named = (
            select(RelationshipMember.relationship_id)
            .join(Participant, Participant.id == RelationshipMember.participant_id)
            .where(contains(Participant.name, search))
        )
        conditions.append(
            or_(contains(Relationship.name, search), Relationship.id.in_(member_named))
        )
    return conditions


def list_mine(
    *, session: Session, principal: Principal, now: datetime | None = None
) -> list[RelationshipPublic]:
    """Every relationship, in any program, that `principal` is a member of, oldest first.

    The same summary as `detail` gives each, read for all of them at once: the number
    of queries does not grow with the number of relationships.
    """
    if isinstance(principal, System):
        return []
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(Relationship)
            .where(Relationship.id.in_(access.relationships_of_user(principal)))
            .options(selectinload(Relationship.members))
            .order_by(Relationship.id)
        ).all()
    )
    programs = {
        p.id: p
        for p in session.scalars(
            select(Program).where(Program.id.in_({r.program_id for r in rows}))
        )
    }
    flags: dict[int, health.Health] = {}
    for program_id, program in programs.items():
        flags |= health.assess(
            session=session,
            program=program,
            relationships=[r for r in rows if r.program_id == program_id],
            now=now,
        )
    return _summaries(session, rows, programs, principal, flags=flags, now=now)


def _summaries(
    session: Session,
    rows: list[Relationship],
    programs: dict[int, Program],
    principal: Principal,
    *,
    flags: dict[int, health.Health],
    now: datetime,
) -> list[RelationshipPublic]:
    """`summary` of many relationships, each fact read for all of them in one query."""
    people = access.members_of(session, rows)
    ids = [r.id for r in rows]
    counts = session_counts(session, ids)
    upcoming = next_sessions(session, ids, now)
    members = {r.id: access.membership(r, people, principal=principal) for r in rows}
    unread = unread_counts(session, [m for m in members.values() if m is not None])
    return [
        summary(
            session=session,
            relationship=r,
            program=programs[r.program_id],
            people=people,
            member=members[r.id],
            counts=counts[r.id],
            upcoming=upcoming.get(r.id),
            health=flags[r.id],
            unread=unread[members[r.id].id] if members[r.id] is not None else None,
        )
        for r in rows
    ]


# --- the agreement, pausing, ending ------------------------------------------------------


def update_agreement(
    *,
    view: View,
    cadence_days: int | None = None,
    modalities: list[str] | None = None,
    expectations: str | None = None,
) -> Relationship:
    """Members shape their agreement; each writes their own expectations."""
    member = view.require_member("The agreement's terms")
    relationship = view.relationship
    _require_open(relationship)
    changed: dict[str, Any] = {}
    if cadence_days is not None:
        if not 1 <= cadence_days <= 90:
            raise InvalidInput(
                "cadence_days: meet every 1 to 90 days.", details=[{"field": "cadence_days"}]
            )
        relationship.cadence_days = cadence_days
        changed["cadence_days"] = cadence_days
    if modalities is not None:
        known = {m.value for m in Modality}
        unknown = [m for m in modalities if m not in known]
        if unknown:
            raise InvalidInput(
                f"modalities: {', '.join(map(repr, unknown))} unknown; "
                f"use {', '.join(sorted(known))}.",
                details=[{"field": "modalities"}],
            )
        relationship.modalities = list(dict.fromkeys(modalities))
        changed["modalities"] = relationship.modalities
    if expectations is not None:
        if len(expectations) > EXPECTATIONS_MAX:
            raise InvalidInput(
                f"expectations: at most {EXPECTATIONS_MAX} characters.",
                details=[{"field": "expectations"}],
            )
        member.expectations = expectations.strip()
        changed["expectations_of"] = view.external_id(member.participant_id)
    session_of(relationship).flush()
    record(view, view.actor, "relationships.agreement_updated", relationship, **changed)
    return relationship


def _require_open(relationship: Relationship) -> None:
    if not relationship.status.is_open:
        raise Conflict(f"This relationship has ended ({relationship.status.value}).")


PAUSE_TRANSITIONS = {
    (RelationshipStatus.active, RelationshipStatus.paused),
    (RelationshipStatus.paused, RelationshipStatus.active),
}


def set_status(*, view: View, status: RelationshipStatus) -> Relationship:
    """Pause or resume; a member or a coordinator of the program may."""
    view.require_member_or_coordinator()
    relationship = view.relationship
    if relationship.status == status:
        return relationship
    if (relationship.status, status) not in PAUSE_TRANSITIONS:
        raise InvalidTransition(
            f"A relationship cannot go from {relationship.status.value} to {status.value} here; "
            "pause and resume with this call, end it with the end call."
        )
    before = relationship.status
    relationship.status = status
    session_of(relationship).flush()
    record(
        view,
        view.actor,
        "relationships.status_changed",
        relationship,
        **{"from": before.value, "to": status.value},
    )
    return relationship


def end(
    *, view: View, outcome: RelationshipStatus, reason: str = "", now: datetime | None = None
) -> Relationship:
    """Complete or end early (a reason is then required); future sessions are cancelled."""
    view.require_member_or_coordinator()
    relationship = view.relationship
    if outcome not in (RelationshipStatus.completed, RelationshipStatus.ended_early):
        raise InvalidInput(
            "outcome: end a relationship as completed or ended_early.",
            details=[{"field": "outcome"}],
        )
    if relationship.status == outcome:
        return relationship
    _require_open(relationship)
    reason = reason.strip()
    if outcome == RelationshipStatus.ended_early and not reason:
        raise InvalidInput(
            "reason: say why the relationship is ending early (it helps the coordinator "
            "learn and the next match go better).",
            details=[{"field": "reason"}],
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"reason: at most {REASON_MAX} characters.", details=[{"field": "reason"}]
        )
    now = now or utcnow()
    session = session_of(relationship)
    cancelled = 0
    for upcoming in session.scalars(
        select(MentoringSession).where(
            MentoringSession.relationship_id == relationship.id,
            # Times still waiting for an answer go with the confirmed ones.
            MentoringSession.status.in_([SessionStatus.scheduled, SessionStatus.proposed]),
            MentoringSession.starts_at > now,
        )
    ):
        upcoming.status = SessionStatus.cancelled
        upcoming.sequence += 1
        cancelled += 1
    relationship.status = outcome
    relationship.end_reason = reason
    relationship.ended_at = now
    relationship.ended_by = view.actor.label
    session.flush()
    record(
        view,
        view.actor,
        "relationships.ended",
        relationship,
        outcome=outcome.value,
        cancelled_sessions=cancelled,
    )
    return relationship


def reflect(*, view: View, text: str) -> RelationshipMember:
    """A member's closing reflection: what they take away, what they would change."""
    member = view.require_member("Closing reflections")
    text = text.strip()
    if not text:
        raise InvalidInput("text: write a few words of reflection.", details=[{"field": "text"}])
    if len(text) > REFLECTION_MAX:
        raise InvalidInput(
            f"text: at most {REFLECTION_MAX} characters.", details=[{"field": "text"}]
        )
    member.closing_reflection = text
    member.reflected_at = utcnow()
    session_of(member).flush()
    record(view, view.actor, "relationships.reflection_recorded", view.relationship)
    return member


def set_story_consent(*, view: View, consent: bool) -> RelationshipMember:
    """A member agrees (or stops agreeing) to a success story about the relationship."""
    member = view.require_member("Consent to a success story")
    member.story_consent = consent
    session_of(member).flush()
    record(view, view.actor, "relationships.story_consent", view.relationship, consent=consent)
    return member


def get_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    """A program the principal may read; any other answers exactly like a missing one."""
    return program_policy.readable_program(
        session=session, program_id=program_id, principal=principal
    )
