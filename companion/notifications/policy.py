"""Who may read or change what of notifications, and who may be told about what.

- A person reads and changes only their own preferences (no one else, not even an
  administrator: these are personal choices).
- An unsubscribe link stands for one person and one kind: it turns that kind off for
  that person and does nothing else.
- A program's team chat is set by a coordinator of that program or an administrator;
  it only ever receives coordinator notices, never a personal one.
- A personal notice about a relationship goes only to a current member of it with an
  active account; a coordinator notice only to an active coordinator of the program.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.models import Role, RoleAssignment, User
from companion.accounts.principal import Principal, System
from companion.errors import NotFound, PermissionDenied
from companion.notifications.models import Kind
from companion.participants.models import Participant
from companion.programs import policy as program_policy
from companion.relationships.models import Relationship, RelationshipMember

# The kinds a program's coordinators receive; only these may reach a team chat.
COORDINATOR_KINDS = frozenset({Kind.stalled_pairs, Kind.matching_runs})


def require_self(principal: Principal, user_id: int) -> User:
    """The principal's own account; anyone else's preferences do not exist for them."""
    if isinstance(principal, System) or principal.id != user_id:
        raise NotFound("No notification settings here.")
    return principal


def require_team_chat_manager(*, session: Session, principal: Principal, program_id: int) -> None:
    """A coordinator of the program, or an administrator; others as for programs."""
    program_policy.readable_program(session=session, program_id=program_id, principal=principal)
    if not (
        policy.is_admin(principal)
        or program_policy.may_coordinate(program_id=program_id, principal=principal)
    ):
        raise PermissionDenied("Only a coordinator of this program may set its team chat.")


def may_reach_team_chat(kind: Kind) -> bool:
    return kind in COORDINATOR_KINDS


def member_users(session: Session, relationship: Relationship) -> dict[int, tuple[User, str]]:
    """Active accounts of the relationship's current members: user id -> (user, role)."""
    return members_of_many(session, [relationship.id]).get(relationship.id, {})


def members_of_many(
    session: Session, relationship_ids: list[int]
) -> dict[int, dict[int, tuple[User, str]]]:
    """`member_users` for many relationships in one query: relationship id -> members."""
    found: dict[int, dict[int, tuple[User, str]]] = {}
    if not relationship_ids:
        return found
    rows = session.execute(
        select(RelationshipMember.relationship_id, User, RelationshipMember.role)
        .join(Participant, Participant.user_id == User.id)
        .join(RelationshipMember, RelationshipMember.participant_id == Participant.id)
        .where(RelationshipMember.relationship_id.in_(relationship_ids), User.is_active.is_(True))
        .order_by(RelationshipMember.id)
    ).all()
    for relationship_id, user, role in rows:
        found.setdefault(relationship_id, {})[user.id] = (user, role.value)
    return found


def is_current_member(session: Session, relationship_id: int, user_id: int) -> bool:
    """Whether the user is, now, an active member of the relationship."""
    return (
        session.scalar(
            select(RelationshipMember.id)
            .join(Participant, Participant.id == RelationshipMember.participant_id)
            .join(User, User.id == Participant.user_id)
            .where(
                RelationshipMember.relationship_id == relationship_id,
                User.id == user_id,
                User.is_active.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def program_coordinators(session: Session, program_id: int) -> list[User]:
    """Active accounts that coordinate this program: by name, or organisation-wide."""
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == Role.coordinator,
                or_(RoleAssignment.program_id == program_id, RoleAssignment.program_id.is_(None)),
                User.is_active.is_(True),
            )
            .order_by(User.id)
            .distinct()
        ).all()
    )


def is_current_coordinator(session: Session, program_id: int, user_id: int) -> bool:
    return any(user.id == user_id for user in program_coordinators(session, program_id))
