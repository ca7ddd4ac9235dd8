"""Who may see what of a relationship: object-level permissions in one place.

- Members (the mentor and mentee(s)) see their relationship and its contents.
- Coordinators of the program see program-level data: members, dates, status,
  session times and counts, goal status and progress, ratings in aggregate.
  They never read threads, notes, feedback text or unshared goal text.
- The System (the command line, background jobs) sees like a coordinator of
  every program and is never a member.
- Everyone else gets 404, exactly as if the relationship did not exist, so
  that ids do not reveal who is paired with whom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Session, load_only
from sqlalchemy.orm.attributes import set_committed_value

from companion.accounts import policy
from companion.accounts.models import Role, User
from companion.accounts.principal import Principal, System, actor_of
from companion.audit.service import Actor
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships.models import (
    MemberRole,
    MentoringSession,
    Relationship,
    RelationshipMember,
)


@dataclass
class View:
    """A relationship as one principal may see it."""

    relationship: Relationship
    program: Program
    principal: Principal
    people: dict[int, Participant]  # participant id -> member
    member: RelationshipMember | None  # the user's own membership, if any
    coordinator: bool

    @property
    def actor(self) -> Actor:
        return actor_of(self.principal)

    @property
    def is_mentor(self) -> bool:
        return self.member is not None and self.member.role == MemberRole.mentor

    @property
    def is_mentee(self) -> bool:
        return self.member is not None and self.member.role == MemberRole.mentee

    def require_member(self, what: str) -> RelationshipMember:
        """The caller's membership; coordinators are told the data is private."""
        if self.member is None:
            raise PermissionDenied(f"{what} are private to the members of the relationship.")
        return self.member

    def require_member_to_answer(self) -> RelationshipMember:
        """Proposed times are agreed between the members; a coordinator sees them only."""
        if self.member is None:
            raise PermissionDenied(
                "Only the members of the relationship propose, accept, decline or suggest "
                "session times."
            )
        return self.member

    def require_member_or_coordinator(self) -> None:
        if self.member is None and not self.coordinator:
            raise PermissionDenied("Only members or a coordinator of the program may do this.")

    def mentors(self) -> list[RelationshipMember]:
        return [m for m in self.relationship.members if m.role == MemberRole.mentor]

    def mentees(self) -> list[RelationshipMember]:
        return [m for m in self.relationship.members if m.role == MemberRole.mentee]

    def external_id(self, participant_id: int) -> str:
        return self.people[participant_id].external_id

    def by_external_id(self, external_id: str, *, field: str) -> RelationshipMember:
        for m in self.relationship.members:
            if self.people[m.participant_id].external_id == external_id:
                return m
        names = ", ".join(
            self.people[m.participant_id].external_id for m in self.relationship.members
        )
        raise InvalidInput(
            f"{field}: {external_id!r} is not a member of this relationship (members: {names}).",
            details=[{"field": field, "message": "not a member"}],
        )


def _not_found(relationship_id: int) -> NotFound:
    return NotFound(f"No relationship with id {relationship_id}.")


def membership(
    relationship: Relationship, people: dict[int, Participant], *, principal: Principal
) -> RelationshipMember | None:
    if isinstance(principal, System):
        return None
    for m in relationship.members:
        person = people.get(m.participant_id)
        if person is not None and person.user_id == principal.id:
            return m
    return None


# Built once: building a statement costs more than running this one.
_VIEW = (
    select(Relationship, Program, RelationshipMember, Participant)
    .join(Program, Program.id == Relationship.program_id)
    .outerjoin(RelationshipMember, RelationshipMember.relationship_id == Relationship.id)
    .outerjoin(Participant, Participant.id == RelationshipMember.participant_id)
    .where(Relationship.id == bindparam("relationship_id"))
    .order_by(RelationshipMember.id)
)
# The same, with only the columns the relationship's read model shows of its people and
# its program, for a quick read (`api.deps.run_as_user`) whose session ends with it: a
# person's profile and a program's settings are most of the statement's columns, and
# each costs its decoding (JSON lists, on PostgreSQL a column description). Any other
# column raises rather than being loaded one person at a time.
_FEW_COLUMNS = _VIEW.options(
    load_only(
        Participant.id,
        Participant.user_id,
        Participant.external_id,
        Participant.name,
        Participant.timezone,
        raiseload=True,
    ),
    load_only(
        Program.id,
        Program.cadence_days,
        Program.overdue_after_days,
        Program.stalled_after_days,
        raiseload=True,
    ),
)


def view(
    *, session: Session, relationship_id: int, principal: Principal, few_columns: bool = False
) -> View:
    """The relationship as `principal` may see it, or NotFound if they may not see it at all.

    With `few_columns`, its people and program hold only what `relationships.detail`
    shows (for a read whose session ends with it); reading any other of their columns
    raises.
    """
    # The relationship, its members, their people and its program in one statement: a
    # read of one relationship is the commonest request of the API (docs/performance.md,
    # "Throughput"). An instance the session already holds keeps what it has loaded.
    statement = _FEW_COLUMNS if few_columns else _VIEW
    rows = session.execute(statement, {"relationship_id": relationship_id}).all()
    if not rows:
        raise _not_found(relationship_id)
    relationship, program = rows[0][0], rows[0][1]
    if "members" in inspect(relationship).unloaded:
        set_committed_value(
            relationship, "members", [member for _, _, member, _ in rows if member is not None]
        )
    people = {person.id: person for *_, person in rows if person is not None}
    if any(m.participant_id not in people for m in relationship.members):
        people = members_of(session, [relationship])
    member = membership(relationship, people, principal=principal)
    coordinator = policy.has_role(principal, Role.coordinator, relationship.program_id)
    if member is None and not coordinator:
        raise _not_found(relationship_id)
    return View(relationship, program, principal, people, member, coordinator)


def view_of_session(*, session: Session, session_id: int, principal: Principal) -> View:
    """The relationship a session belongs to, as `principal` may see it.

    Outsiders get the same NotFound as for a session that does not exist, so that
    session ids reveal nothing about relationships.
    """
    not_found = NotFound(f"No session with id {session_id}.")
    row = session.get(MentoringSession, session_id)
    if row is None:
        raise not_found
    try:
        return view(session=session, relationship_id=row.relationship_id, principal=principal)
    except NotFound:
        raise not_found from None


def load_members(session: Session, relationships: Iterable[Relationship]) -> None:
    """Load `members` of every relationship that lacks them, in one query for them all."""
    missing = {r.id: r for r in relationships if "members" in inspect(r).unloaded}
    if not missing:
        return
    found: dict[int, list[RelationshipMember]] = {rid: [] for rid in missing}
    for member in session.scalars(
        select(RelationshipMember)
        .where(RelationshipMember.relationship_id.in_(list(missing)))
        .order_by(RelationshipMember.id)
    ):
        found[member.relationship_id].append(member)
    for rid, relationship in missing.items():
        set_committed_value(relationship, "members", found[rid])


def members_of(session: Session, relationships: list[Relationship]) -> dict[int, Participant]:
    """Participant id -> participant, for every member of the relationships (members loaded)."""
    load_members(session, relationships)
    ids = {m.participant_id for r in relationships for m in r.members}
    if not ids:
        return {}
    rows = session.scalars(select(Participant).where(Participant.id.in_(ids))).all()
    return {p.id: p for p in rows}


def relationships_of_user(user: User) -> Select[tuple[int]]:
    """The ids of every relationship the user is a member of, as a subquery to filter by."""
    return (
        select(RelationshipMember.relationship_id)
        .join(Participant, Participant.id == RelationshipMember.participant_id)
        .where(Participant.user_id == user.id)
    )


def relationship_ids_of_user(session: Session, user: User) -> list[int]:
    """Every relationship, in any program, that the user is a member of."""
    return list(
        session.scalars(
            select(RelationshipMember.relationship_id)
            .join(Participant, Participant.id == RelationshipMember.participant_id)
            .where(Participant.user_id == user.id)
            .order_by(RelationshipMember.relationship_id)
        ).all()
    )
