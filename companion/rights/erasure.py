"""Erase a person: what is theirs alone goes, what others rely on keeps a placeholder.

- Gone: the account and every way to sign in (password, API tokens, browser
  sessions, links to an identity provider, SCIM records, invitations, calendar
  feeds), private notes, goals (with milestones and check-ins), drafts about them
  that no one else holds as the record of a session, e-mails still queued to them,
  and the vectors of their profile sentences in the matching index.
- Kept with a placeholder: each profile becomes "A former participant" with no
  text, so a relationship, its sessions and its thread still make sense to the
  other members; the person's messages keep their place with their words removed;
  feedback keeps its ratings (a program's figures) without the written answers;
  names of the person left as "who did it" on shared records become the
  placeholder.
- The audit trail keeps every event: the ones by or about the person lose who
  and data (`audit.redact`), and an `account.erased` event, with no personal
  data, names them, so `companion audit verify` still passes.

All of it happens in the caller's transaction: a failure half-way erases nothing.
The one step outside it is the vector index, which is a cache of encodings: if
the transaction then fails, the next matching run encodes those sentences again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, String, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import (
    ApiToken,
    EmailChange,
    Invitation,
    RoleAssignment,
    User,
    WebSession,
)
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.community import holdings as community_holdings
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput
from companion.identity.models import (
    ExternalIdentity,
    OidcSignIn,
    ScimGroupMember,
    ScimToken,
    ScimUser,
)
from companion.jobs.models import Job
from companion.leadership import personal as leadership
from companion.matching.meaning import need_sentences, offer_sentences
from companion.matching.models import MatchProposal, MatchRun
from companion.matching.profiles import to_profile
from companion.participants.models import Participant
from companion.relationships.models import (
    ActionItem,
    CalendarFeed,
    Feedback,
    Goal,
    MatchReviewRequest,
    MentoringSession,
    Message,
    PrivateNote,
    Relationship,
    RelationshipMember,
)
from companion.review.models import OutboxMessage
from companion.rights import holdings, policy
from companion.rights.schemas import ErasureReport
from embeddings.encoder import content_hash

if TYPE_CHECKING:
    from embeddings import VectorIndex

PLACEHOLDER = "A former participant"
REMOVED_MESSAGE = "(This message was removed when its author's data was erased.)"


def erase(
    *,
    session: Session,
    principal: Principal,
    user_id: int,
    vectors: VectorIndex | None,
) -> ErasureReport:
    """Erase the account `user_id` and what is held about its person.

    `vectors` is the matching index of profile sentences (None where no index was ever
    built, e.g. a server without matching).
    """
    user = session.get(User, user_id)
    if user is None:
        raise policy.account_not_found()
    policy.require_may_erase(session=session, principal=principal, user=user)
    held = holdings.of(session=session, user=user)
    pids = held.participant_ids
    labels = {user.email}
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}

    def count(into: dict[str, int], name: str, result: CursorResult[Any]) -> None:
        into[name] = into.get(name, 0) + (result.rowcount or 0)

    vector_ids = sorted(
        {
            content_hash(sentence)
            for p in held.participants
            for sentence in (*need_sentences(to_profile(p)), *offer_sentences(to_profile(p)))
        }
    )
    # Audit first, while the events still say whose they are.
    events = held.audit_events(session)
    redacted = audit.redact(session=session, events=events)

    # What only they hold.
    count(
        deleted,
        "private_notes",
        session.execute(delete(PrivateNote).where(PrivateNote.author_user_id == user.id)),
    )
    goal_ids = held.goal_ids
    count(
        deleted,
        "drafts",
        session.execute(
            delete(Draft).where(
                (Draft.subject_participant_id.in_(pids) | Draft.goal_id.in_(goal_ids))
                & ~((Draft.status == DraftStatus.delivered) & Draft.session_id.is_not(None))
            )
        ),
    )
    for goal in session.scalars(select(Goal).where(Goal.id.in_(goal_ids))):
        session.delete(goal)
    deleted["goals"] = len(goal_ids)
    count(
        deleted,
        "match_review_requests",
        session.execute(
            delete(MatchReviewRequest).where(MatchReviewRequest.participant_id.in_(pids))
        ),
    )
    count(
        deleted,
        "queued_emails",
        session.execute(delete(OutboxMessage).where(OutboxMessage.target == user.email)),
    )

    # What others rely on: kept, without the person.
    count(
        anonymised,
        "messages",
        session.execute(
            update(Message).where(Message.author_id.in_(pids)).values(body=REMOVED_MESSAGE)
        ),
    )
    for feedback in session.scalars(select(Feedback).where(Feedback.participant_id.in_(pids))):
        feedback.answers = [{**a, "text": ""} for a in feedback.answers]
        anonymised["feedback"] = anonymised.get("feedback", 0) + 1
    count(
        anonymised,
        "memberships",
        session.execute(
            update(RelationshipMember)
            .where(RelationshipMember.participant_id.in_(pids))
            .values(expectations="", closing_reflection="", story_consent=False)
        ),
    )
    count(
        anonymised,
        "match_reasons",
        session.execute(
            update(MatchProposal)
            .where(MatchProposal.mentor_id.in_(pids) | MatchProposal.mentee_id.in_(pids))
            .values(reasons=[])
        ),
    )
    external_ids = {(p.program_id, p.external_id) for p in held.participants}
    for run in session.scalars(
        select(MatchRun).where(MatchRun.program_id.in_({p for p, _ in external_ids}))
    ):
        if any((run.program_id, u.get("mentee_id")) in external_ids for u in run.unmatched):
            run.unmatched = [
                {"mentee_id": "erased", "reason": ""}
                if (run.program_id, u.get("mentee_id")) in external_ids
                else u
                for u in run.unmatched
            ]
            anonymised["unmatched_entries"] = anonymised.get("unmatched_entries", 0) + 1
    # Their stories leave the knowledge base with them; their reflections go too.
    deleted.update(
        leadership.erase(session, user_id=user.id, labels=labels, placeholder=PLACEHOLDER)
    )
    for participant in held.participants:
        _anonymise(participant)
    anonymised["profiles"] = len(pids)
    _replace_labels(session, labels)
    session.flush()

    # Their community posts stay, under "a former member".
    community_deleted, community_anonymised = community_holdings.erase(session, user.id)
    for into, counts in ((deleted, community_deleted), (anonymised, community_anonymised)):
        for name, n in counts.items():
            into[name] = into.get(name, 0) + n

    # Every way to sign in, then the account itself.
    for table, column in (
        (ApiToken, ApiToken.user_id),
        (WebSession, WebSession.user_id),
        (Invitation, Invitation.user_id),
        (EmailChange, EmailChange.user_id),
        (ExternalIdentity, ExternalIdentity.user_id),
        (OidcSignIn, OidcSignIn.link_user_id),
        (ScimUser, ScimUser.user_id),
        (ScimGroupMember, ScimGroupMember.user_id),
        (CalendarFeed, CalendarFeed.user_id),
        (RoleAssignment, RoleAssignment.user_id),
        (Job, Job.started_by_id),
    ):
        count(deleted, table.__tablename__, session.execute(delete(table).where(column == user.id)))
    session.execute(
        update(Draft).where(Draft.requested_by_id == user.id).values(requested_by_id=None)
    )
    user_id = user.id
    session.expunge(user)
    session.execute(delete(User).where(User.id == user_id))
    deleted["accounts"] = 1

    if vectors is not None and vector_ids:
        vectors.delete(vector_ids)
    report = ErasureReport(
        user_id=user_id,
        programs=sorted({p.program_id for p in held.participants}),
        deleted={k: v for k, v in deleted.items() if v},
        anonymised={k: v for k, v in anonymised.items() if v},
        vectors_deleted=len(vector_ids) if vectors is not None else 0,
        audit_events_redacted=len(redacted),
    )
    # Who erased: by address, unless it was the person themself.
    by_themself = isinstance(principal, User) and principal.id == user_id
    audit.record(
        session=session,
        actor=audit.Actor(id=user_id, label="themself") if by_themself else actor_of(principal),
        action=audit.ERASURE_ACTION,
        subject_type="user",
        subject_id=user_id,
        data={
            audit.REDACTED_SEQS: redacted,
            "deleted": report.deleted,
            "anonymised": report.anonymised,
        },
    )
    return report


def require_may_erase_others(*, principal: Principal) -> None:
    """Only an administrator erases other people (the administration's erase page)."""
    accounts_policy.require_admin(principal)


def erase_by_address(
    *,
    session: Session,
    principal: Principal,
    email: str,
    confirm: str,
    vectors: VectorIndex | None,
) -> ErasureReport:
    """An administrator's erasure by address, confirmed by typing the address again."""
    require_may_erase_others(principal=principal)
    address = email.strip().lower()
    if not address:
        raise InvalidInput("Give the address of the account to erase.", field="email")
    user_id = session.scalar(select(User.id).where(User.email == address))
    if user_id is None:
        raise InvalidInput(f"No account has the address {address}.", field="email")
    if isinstance(principal, User) and principal.id == user_id:
        raise InvalidInput(
            "Another administrator must erase an administrator's account.", field="email"
        )
    if confirm.strip().lower() != address:
        raise InvalidInput(
            "Type the address again, exactly, to confirm: erasure cannot be undone.",
            field="confirm",
        )
    return erase(session=session, principal=principal, user_id=user_id, vectors=vectors)


def account_id(*, session: Session, email: str) -> int:
    """The id of the account with this address (for the command line)."""
    found = session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if found is None:
        raise policy.account_not_found()
    return found


def may_erase_self(*, session: Session, principal: Principal) -> bool:
    """Whether the account page offers its owner to erase it."""
    if not isinstance(principal, User):
        return False
    return policy.self_erasure_refusal(session=session, user=principal) is None


def _anonymise(participant: Participant) -> None:
    participant.user_id = None
    participant.name = PLACEHOLDER
    # Unique in the program, and no one's address.
    participant.email = f"erased-{participant.id}@erased.invalid"
    participant.external_id = f"erased-{participant.id}"
    for name in (
        "title",
        "department",
        "location",
        "expertise",
        "goals",
        "challenges",
        "industry",
        "working_style",
        "availability_text",
    ):
        setattr(participant, name, "")
    for name in ("languages", "skills", "communication", "availability", "avoid"):
        setattr(participant, name, [])
    participant.timezone = "UTC"
    participant.manager_id = None
    participant.years_experience = None
    participant.gender = None
    participant.underrepresented = None
    participant.consent_demographics = False
    participant.capacity = 0
    participant.shared_fields = []


def _replace_labels(session: Session, labels: set[str]) -> None:
    """Where shared records name the person as who did something, name the placeholder."""
    for column in (
        MentoringSession.created_by,
        ActionItem.created_by,
        Relationship.ended_by,
        MatchProposal.decided_by,
        MatchRun.created_by,
        Invitation.created_by,
        EmailChange.requested_by,
        EmailChange.decided_by,
        ScimToken.created_by,
        Draft.requested_by,
        Draft.edited_by,
        Draft.decided_by,
    ):
        session.execute(
            update(column.class_).where(column.in_(labels)).values({column.key: PLACEHOLDER})
        )
    named = or_(
        *(cast(Draft.approvals, String).contains(label, autoescape=True) for label in labels)
    )
    for draft in session.scalars(select(Draft).where(named)):
        if any(a.get("by") in labels for a in draft.approvals):
            draft.approvals = [
                {**a, "by": PLACEHOLDER} if a.get("by") in labels else a for a in draft.approvals
            ]
