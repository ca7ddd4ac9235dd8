"""Who may review a draft, and who receives it once delivered.

Each kind declares its reviewers and receivers in its module under
`companion/drafting/kinds/` (registered in `kinds.KINDS`); the rules here read them:

- agenda: reviewed by the relationship's mentor or a coordinator; for the members.
- brief: reviewed by the mentor or a coordinator; for the mentor.
- smart_goal, smart_check: reviewed by the mentee it was drafted for; for that
  mentee (an approved goal then becomes their goal, shared with the mentor).
- feedback_prompts: reviewed by the mentor or a coordinator; for the members.
- answer: reviewed by the coordinator who asked; for that coordinator.
- nudge: reviewed by a coordinator of the program; for the members.
- success_story: reviewed by a coordinator, then by both members it names;
  for everyone in the program.

With the program's `four_eyes` set, a coordinator must approve too (two
different people). Nobody may review a draft they may not see: a draft made
from a pair's notes, action items or goals shared only with the mentor
(`members_only`) is reviewed by the mentor, never by a coordinator, so
drafting leaves that material out under four eyes and from nudges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.models import Role, User
from companion.accounts.principal import Principal, System
from companion.drafting.kinds import KINDS, Audience, KindSpec, Reviewer
from companion.drafting.models import Draft
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import access
from companion.relationships.models import MemberRole, Relationship, RelationshipMember
from prompts.schemas import DraftKind


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    name: str
    email: str


def _members(session: Session, draft: Draft) -> list[tuple[RelationshipMember, Participant]]:
    if draft.relationship_id is None:
        return []
    relationship = session.get(Relationship, draft.relationship_id)
    if relationship is None:
        return []
    people = access.members_of(session, [relationship])
    return [(m, people.get(m.participant_id)) for m in relationship.members]


def member_user_ids(session: Session, draft: Draft, role: MemberRole | None = None) -> set[int]:
    return {
        person.user_id
        for member, person in _members(session, draft)
        if person is not None and person.user_id and (role is None or member.role == role)
    }


def is_coordinator(*, principal: Principal, draft: Draft) -> bool:
    if isinstance(principal, System):
        return True
    if draft.program_id is None:
        return any(a.role == Role.coordinator for a in principal.roles)
    return policy.has_role(principal, Role.coordinator, draft.program_id)


def may_review(*, session: Session, draft: Draft, principal: Principal) -> bool:
    """Whether `principal` may see this draft before it is delivered and decide on it."""
    if isinstance(principal, System):
        return True
    reviewers = KINDS[DraftKind(draft.kind)].reviewers
    coordinator = is_coordinator(principal=principal, draft=draft)
    if Reviewer.requester in reviewers:
        return draft.requested_by_id == principal.id and coordinator
    if Reviewer.coordinator in reviewers and not draft.members_only and coordinator:
        return True
    if Reviewer.mentor in reviewers:
        return principal.id in member_user_ids(session, draft, MemberRole.mentor)
    if Reviewer.subject in reviewers:
        subject = (
            session.get(Participant, draft.subject_participant_id)
            if draft.subject_participant_id
            else None
        )
        return subject is not None and subject.user_id == principal.id
    return False


def four_eyes(session: Session, draft: Draft) -> bool:
    if draft.program_id is None:
        return False
    program = session.get(Program, draft.program_id)
    return bool(program and program.four_eyes)


# A mentee's own goal drafts are private to the mentee (`KindSpec.personal`): a
# coordinator may not read them, so four eyes cannot apply (nobody approves a draft
# they may not see).
def four_eyes_impossible(session: Session, draft: Draft) -> bool:
    """Four eyes applies, but no coordinator may read the draft (made before it was on)."""
    return (
        draft.members_only
        and not KINDS[DraftKind(draft.kind)].personal
        and four_eyes(session, draft)
    )


def approvals_complete(session: Session, draft: Draft) -> bool:
    """Enough people have approved: one reviewer, or with four eyes also a coordinator."""
    approvals = draft.approvals or []
    if not approvals:
        return False
    if not four_eyes(session, draft) or KINDS[DraftKind(draft.kind)].personal:
        return True
    people = {a["user_id"] for a in approvals}
    return any(a["coordinator"] for a in approvals) and len(people) >= 2


def story_approvals_missing(session: Session, draft: Draft) -> list[str]:
    """Names of the members a success story names who have not approved it yet."""
    if Reviewer.members not in KINDS[DraftKind(draft.kind)].reviewers:
        return []
    approved = {a["user_id"] for a in draft.approvals or [] if a.get("as_member")}
    return [
        person.name
        for _, person in _members(session, draft)
        if person is not None and person.user_id not in approved
    ]


def may_approve_story_as_member(*, session: Session, draft: Draft, principal: Principal) -> bool:
    if isinstance(principal, System):
        return False
    reviewers = KINDS[DraftKind(draft.kind)].reviewers
    return Reviewer.members in reviewers and principal.id in member_user_ids(session, draft)


def recipients(session: Session, draft: Draft) -> list[Recipient]:
    """Who may read the draft once delivered."""
    receivers = KINDS[DraftKind(draft.kind)].receivers
    if receivers == Audience.requester:
        user = session.get(User, draft.requested_by_id) if draft.requested_by_id else None
        return [Recipient(user.id, user.display_name or user.email, user.email)] if user else []
    if receivers == Audience.program:
        rows = session.scalars(
            select(Participant).where(Participant.program_id == draft.program_id)
        ).all()
        return [Recipient(p.user_id, p.name, p.email) for p in rows]
    members = _members(session, draft)
    if receivers == Audience.mentor:
        members = [(m, p) for m, p in members if m.role == MemberRole.mentor]
    if receivers == Audience.subject:
        members = [(m, p) for m, p in members if m.participant_id == draft.subject_participant_id]
    return [Recipient(p.user_id, p.name, p.email) for _, p in members if p is not None]


def is_recipient(*, session: Session, draft: Draft, principal: Principal) -> bool:
    """The System reads every draft as a reviewer, but nothing is ever delivered to it."""
    if isinstance(principal, System):
        return False
    return any(r.user_id == principal.id for r in recipients(session, draft))


# --- the same rules as SQL conditions on drafts, for lists paged in the database --------
#
# Each condition selects exactly the drafts its Python rule above accepts (a test
# checks them against each other draft by draft), so that a list is counted and
# paged by the database instead of checking every draft of the history in Python.


def _member_exists(
    user_id: int,
    *,
    role: MemberRole | None = None,
    participant_id: ColumnElement[int | None] | None = None,
) -> ColumnElement[bool]:
    """The draft's relationship has a member (of `role`, or that participant) who is the user."""
    conditions = [
        RelationshipMember.relationship_id == Draft.relationship_id,
        Participant.user_id == user_id,
    ]
    if role is not None:
        conditions.append(RelationshipMember.role == role)
    if participant_id is not None:
        conditions.append(RelationshipMember.participant_id == participant_id)
    return exists(
        select(RelationshipMember.id)
        .join(Participant, Participant.id == RelationshipMember.participant_id)
        .where(*conditions)
    )


def _kind_in(*kinds: DraftKind) -> ColumnElement[bool]:
    return Draft.kind.in_([k.value for k in kinds])


def _coordinates_draft(principal: User) -> ColumnElement[bool]:
    """`is_coordinator` as SQL."""
    if policy.is_org_coordinator(principal):
        return true()
    programs = [
        a.program_id
        for a in principal.roles
        if a.role == Role.coordinator and a.program_id is not None
    ]
    if not programs:
        return false()
    # A draft of no program: a coordinator of any program coordinates it.
    return or_(Draft.program_id.in_(programs), Draft.program_id.is_(None))


def _kinds(test: Callable[[KindSpec], bool]) -> list[DraftKind]:
    return [kind for kind, spec in KINDS.items() if test(spec)]


def reviewable_by(*, principal: Principal) -> ColumnElement[bool]:
    """`may_review` as SQL: the drafts `principal` may see before delivery and decide on."""
    if isinstance(principal, System):
        return true()
    coordinator = _coordinates_draft(principal)
    # The same order of rules as `may_review`: a kind reviewed by its requester is
    # reviewed by nobody else; the subject decides only where no mentor does.
    requester = _kinds(lambda s: Reviewer.requester in s.reviewers)
    others = _kinds(lambda s: Reviewer.requester not in s.reviewers)
    by_coordinator = [k for k in others if Reviewer.coordinator in KINDS[k].reviewers]
    by_mentor = [k for k in others if Reviewer.mentor in KINDS[k].reviewers]
    by_subject = [
        k for k in others if Reviewer.subject in KINDS[k].reviewers and k not in by_mentor
    ]
    return or_(
        _kind_in(*requester) & (Draft.requested_by_id == principal.id) & coordinator,
        _kind_in(*by_coordinator) & (Draft.members_only == false()) & coordinator,
        _kind_in(*by_mentor) & _member_exists(principal.id, role=MemberRole.mentor),
        _kind_in(*by_subject)
        & exists(
            select(Participant.id).where(
                Participant.id == Draft.subject_participant_id,
                Participant.user_id == principal.id,
            )
        ),
    )


def received_by(*, principal: Principal) -> ColumnElement[bool]:
    """`is_recipient` as SQL: the drafts that, once delivered, `principal` may read."""
    if isinstance(principal, System):
        return false()

    def to(audience: Audience) -> ColumnElement[bool]:
        return _kind_in(*_kinds(lambda s: s.receivers == audience))

    return or_(
        to(Audience.requester) & (Draft.requested_by_id == principal.id),
        to(Audience.program)
        & exists(
            select(Participant.id).where(
                Participant.program_id == Draft.program_id, Participant.user_id == principal.id
            )
        ),
        to(Audience.mentor) & _member_exists(principal.id, role=MemberRole.mentor),
        to(Audience.subject)
        & _member_exists(principal.id, participant_id=Draft.subject_participant_id),
        to(Audience.members) & _member_exists(principal.id),
    )


def story_member(*, principal: Principal) -> ColumnElement[bool]:
    """`may_approve_story_as_member` as SQL: stories about a relationship `principal` is in."""
    if isinstance(principal, System):
        return false()
    return _kind_in(*_kinds(lambda s: Reviewer.members in s.reviewers)) & _member_exists(
        principal.id
    )
