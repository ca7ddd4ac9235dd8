"""Safety: reports of posts and thread messages, the moderators' queue (hide, restore,
warn, dismiss), warnings to the people concerned, and blocks between two people."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role, User
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.community import policy
from companion.community.models import (
    Answer,
    Block,
    ModeratorWarning,
    PostStatus,
    Question,
    Report,
    ReportStatus,
    ReportTarget,
)
from companion.community.schemas import (
    FORMER_MEMBER,
    BlockCreate,
    BlockPublic,
    ModerationDecision,
    ReportCreate,
    ReportPublic,
    WarningPublic,
)
from companion.community.service import skip_pending_notices
from companion.db import fetch_page
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from companion.participants.models import Participant
from companion.relationships import access, threads
from companion.relationships.events import session_of
from companion.relationships.models import Message

EXCERPT = 400


def _person(principal: Principal) -> int:
    if isinstance(principal, System) or principal.id is None:
        raise NotFound("Only a person reports, blocks or reads their warnings.")
    return principal.id


def _target(session: Session, principal: Principal, target: ReportTarget, target_id: int):
    """What is reported, as this principal may read it: (program id, author user id, text,
    hidden). Anything they may not read answers as missing."""
    missing = NotFound(f"No {target.value} with id {target_id}.")
    if target == ReportTarget.question:
        question = session.get(Question, target_id)
        if question is None or not policy.may_see(
            principal,
            program_id=question.program_id,
            author_id=question.author_id,
            status=question.status,
        ):
            raise missing
        text = f"{question.title}\n{question.body}".strip()
        return question.program_id, question.author_id, text, question.status
    if target == ReportTarget.answer:
        found = session.get(Answer, target_id)
        question = session.get(Question, found.question_id) if found is not None else None
        if (
            found is None
            or question is None
            or not policy.may_see(
                principal,
                program_id=question.program_id,
                author_id=found.author_id,
                status=found.status,
            )
            or not policy.may_see(
                principal,
                program_id=question.program_id,
                author_id=question.author_id,
                status=question.status,
            )
        ):
            raise missing
        return question.program_id, found.author_id, found.body, found.status
    message = session.get(Message, target_id)
    if message is None:
        raise missing
    try:
        view = access.view(
            session=session, relationship_id=message.relationship_id, principal=principal
        )
    except NotFound:
        raise missing from None
    if view.member is None and not isinstance(principal, System):
        raise missing  # coordinators do not read threads, so they do not report them
    author = session.get(Participant, message.author_id)
    return (
        view.relationship.program_id,
        author.user_id if author else None,
        message.body,
        PostStatus.visible,
    )


def report(*, session: Session, principal: Principal, filed: ReportCreate) -> Report:
    """Anyone who can read a post or a message reports it to the moderators."""
    reporter = _person(principal)
    program_id, offender, _, _ = _target(session, principal, filed.target, filed.target_id)
    if offender == reporter:
        raise InvalidInput("You cannot report your own post.", field="target_id")
    row = Report(
        reporter_id=reporter,
        target=filed.target,
        target_id=filed.target_id,
        program_id=program_id,
        offender_id=offender,
        reason=filed.reason,
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.reported",
        subject_type="community_report",
        subject_id=row.id,
        program_id=program_id,
        data={"target": filed.target.value, "target_id": filed.target_id},
    )
    return row


def _moderated_filter(principal: Principal):
    if isinstance(principal, System) or accounts_policy.is_admin(principal):
        return None
    if accounts_policy.is_org_coordinator(principal):
        return None
    programs = [
        a.program_id
        for a in principal.roles
        if a.role == Role.coordinator and a.program_id is not None
    ]
    return Report.program_id.in_(programs) if programs else Report.id.is_(None)


def queue(
    *,
    session: Session,
    principal: Principal,
    limit: int,
    offset: int,
    status: ReportStatus = ReportStatus.open,
) -> tuple[list[ReportPublic], int]:
    """The reports this principal moderates, oldest open first."""
    if not isinstance(principal, System) and not any(
        a.role in (Role.coordinator, Role.admin) for a in principal.roles
    ):
        raise NotFound("No moderation queue here.")
    query = select(Report).where(Report.status == status)
    scope = _moderated_filter(principal)
    if scope is not None:
        query = query.where(scope)
    rows, total = fetch_page(
        session, query, order_by=(Report.created_at, Report.id), limit=limit, offset=offset
    )
    return [_report_public(session, row) for row in rows], total


def _report_public(session: Session, row: Report) -> ReportPublic:
    excerpt, hidden = "", False
    if row.target == ReportTarget.question:
        question = session.get(Question, row.target_id)
        if question is not None:
            excerpt = f"{question.title}\n{question.body}".strip()
            hidden = question.status == PostStatus.hidden
    elif row.target == ReportTarget.answer:
        found = session.get(Answer, row.target_id)
        if found is not None:
            excerpt, hidden = found.body, found.status == PostStatus.hidden
    else:
        message = session.get(Message, row.target_id)
        excerpt = message.body if message is not None else ""
    names = {
        u.id: u.display_name or u.email
        for u in session.scalars(
            select(User).where(User.id.in_([i for i in (row.reporter_id, row.offender_id) if i]))
        )
    }
    return ReportPublic(
        id=row.id,
        target=row.target,
        target_id=row.target_id,
        reason=row.reason,
        status=row.status.value,
        outcome=row.outcome,
        program_id=row.program_id,
        reporter_name=names.get(row.reporter_id or 0, FORMER_MEMBER),
        offender_name=names.get(row.offender_id or 0, FORMER_MEMBER),
        excerpt=excerpt[:EXCERPT] or "(no longer there)",
        target_hidden=hidden,
        created_at=row.created_at,
    )


def decide(
    *, session: Session, principal: Principal, report_id: int, decision: ModerationDecision
) -> ReportPublic:
    """A moderator hides or restores the reported post, warns its author, or dismisses."""
    row = session.get(Report, report_id)
    if row is None or not policy.may_moderate(principal, row.program_id):
        raise NotFound(f"No report with id {report_id}.")
    note = decision.note.strip()
    if decision.action in ("hide", "restore"):
        post = _post_of(session, row)
        if post is None:
            raise Conflict("Only a community question or answer can be hidden or restored.")
        post.status = PostStatus.hidden if decision.action == "hide" else PostStatus.visible
        if decision.action == "hide" and isinstance(post, Question):
            skip_pending_notices(session, post.id)
    if decision.action == "warn":
        if not note:
            raise InvalidInput("Write the warning the person will read.", field="note")
        if row.offender_id is None:
            raise Conflict("The author's account no longer exists: there is no one to warn.")
        session.add(ModeratorWarning(user_id=row.offender_id, report_id=row.id, note=note))
    row.outcome = decision.action
    row.status = ReportStatus.resolved
    row.resolved_by = principal.id
    row.resolved_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action=f"community.moderation_{decision.action}",
        subject_type="community_report",
        subject_id=row.id,
        program_id=row.program_id,
        data={"target": row.target.value, "target_id": row.target_id},
    )
    return _report_public(session, row)


def _post_of(session: Session, row: Report) -> Question | Answer | None:
    if row.target == ReportTarget.question:
        return session.get(Question, row.target_id)
    if row.target == ReportTarget.answer:
        return session.get(Answer, row.target_id)
    return None


def my_warnings(*, session: Session, principal: Principal) -> list[WarningPublic]:
    user_id = _person(principal)
    rows = session.scalars(
        select(ModeratorWarning)
        .where(ModeratorWarning.user_id == user_id)
        .order_by(ModeratorWarning.created_at.desc())
    )
    return [WarningPublic(note=w.note, created_at=w.created_at) for w in rows]


# --- blocks ------------------------------------------------------------------------------


def block(*, session: Session, principal: Principal, request: BlockCreate) -> BlockPublic:
    """Stop someone from contacting you: no thread messages, no replies to your
    questions, and neither of you suggested to the other as someone to ask."""
    blocker = _person(principal)
    other = session.scalar(select(User).where(User.email == request.email.strip().lower()))
    if other is None:
        raise InvalidInput(f"No account with the email {request.email.strip()}.", field="email")
    if other.id == blocker:
        raise InvalidInput("You cannot block yourself.", field="email")
    row = session.scalar(
        select(Block).where(Block.blocker_id == blocker, Block.blocked_id == other.id)
    )
    if row is None:
        row = Block(blocker_id=blocker, blocked_id=other.id)
        session.add(row)
        session.flush()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="community.blocked",
            subject_type="community_block",
            subject_id=row.id,
        )
    return BlockPublic(
        id=row.id,
        name=other.display_name or other.email,
        email=other.email,
        created_at=row.created_at,
    )


def blocks(*, session: Session, principal: Principal) -> list[BlockPublic]:
    blocker = _person(principal)
    rows = session.execute(
        select(Block, User)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == blocker)
        .order_by(Block.created_at)
    ).all()
    return [
        BlockPublic(id=b.id, name=u.display_name or u.email, email=u.email, created_at=b.created_at)
        for b, u in rows
    ]


def unblock(*, session: Session, principal: Principal, block_id: int) -> None:
    blocker = _person(principal)
    row = session.get(Block, block_id)
    if row is None or row.blocker_id != blocker:
        raise NotFound(f"No block with id {block_id}.")
    session.delete(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.unblocked",
        subject_type="community_block",
        subject_id=block_id,
    )


def may_contact(session: Session, sender_user_id: int | None, recipient_ids: list[int]) -> bool:
    """Whether none of the recipients blocked the sender (nor the sender them)."""
    if sender_user_id is None:
        return True
    return not (policy.blocked_ids(session, sender_user_id) & set(recipient_ids))


def post_message(view: access.View, body: str) -> Message:
    """A thread message, unless a member of the relationship blocked the sender."""
    sender = view.principal.id
    others = [
        person.user_id
        for person in view.people.values()
        if person.user_id is not None and person.user_id != sender
    ]
    if not may_contact(session_of(view.relationship), sender, others):
        raise PermissionDenied("You cannot message this person: one of you blocked the other.")
    return threads.post(view, body)
