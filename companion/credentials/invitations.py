"""Invitations to a program's people by email, in bulk, their reminders, and who has joined.

Each invitee gets a one-use, expiring link to choose a password, by email to their own
address (or, where single sign-on is on, a link to sign in with the provider). A new
invitation revokes the link of the one before. The link is never stored (only its
digest), never shown, and never written to the audit trail or the logs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select, update
from sqlalchemy.orm import Session, aliased, load_only, sessionmaker

from companion.accounts import passwords, policy
from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, Invitation, LinkPurpose, User, WebSession
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db import session_scope
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs import policy as program_policy
from companion.programs.models import Program
from companion.review import outbox
from companion.settings import Settings

PRODUCT = "Mentoring Companion"
BATCH_SIZE = 250
INVITATION_DAYS = passwords.INVITATION_DAYS
_emails = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "emails"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
ROLE_WORDS = {"mentor": "a mentor", "mentee": "a mentee", "both": "a mentor and a mentee"}


class InviteState(enum.StrEnum):
    """Where a participant stands with signing in; the page filters by it."""

    joined = "joined"  # signed in at least once (a password, the provider, an API token)
    invited = "invited"  # a link that still works is out
    expired = "expired"  # invited before, but that link expired or was replaced
    not_invited = "not_invited"
    deactivated = "deactivated"  # no account to sign in to, or one that is switched off


STATE_LABELS = {
    InviteState.joined: "Joined",
    InviteState.invited: "Invited",
    InviteState.expired: "Invitation expired",
    InviteState.not_invited: "Not invited",
    InviteState.deactivated: "Deactivated",
}


@dataclass(frozen=True)
class Skipped:
    email: str
    reason: str


@dataclass
class InviteReport:
    """What a bulk invitation did, person by person."""

    invited: int = 0
    already_joined: int = 0
    already_invited: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = [f"{self.invited} invited"]
        if self.already_joined:
            parts.append(f"{self.already_joined} already joined")
        if self.already_invited:
            parts.append(f"{self.already_invited} already invited with a link that still works")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        text = "Invitations: " + ", ".join(parts) + "."
        for skip in self.skipped[:5]:
            text += f" {skip.email}: {skip.reason}."
        if len(self.skipped) > 5:
            text += f" And {len(self.skipped) - 5} more skipped."
        return text


@dataclass(frozen=True)
class ParticipantStatus:
    """One participant of a program, with where they stand and their latest invitation."""

    participant: Participant
    state: InviteState
    invited_at: datetime | None = None
    expires_at: datetime | None = None
    reminders_sent: int = 0


# --- where people stand, in SQL ------------------------------------------------------------


def _joined(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The account has signed in once: a password, a browser session (password, invitation or
    the provider), or an API token that still works."""
    account = aliased(User)
    return or_(
        exists().where(account.id == user_id, account.password_hash.is_not(None)),
        exists().where(WebSession.user_id == user_id),
        exists().where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)),
    )


def _live_invitation(user_id: ColumnElement[int], now: datetime) -> ColumnElement[bool]:
    return exists().where(
        Invitation.user_id == user_id,
        Invitation.purpose == LinkPurpose.invite,
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


def _state(now: datetime) -> ColumnElement[str]:
    ever = exists().where(
        Invitation.user_id == Participant.user_id, Invitation.purpose == LinkPurpose.invite
    )
    return case(
        (
            or_(Participant.user_id.is_(None), User.is_active.is_(False)),
            InviteState.deactivated.value,
        ),
        (_joined(Participant.user_id), InviteState.joined.value),
        (_live_invitation(Participant.user_id, now), InviteState.invited.value),
        (ever, InviteState.expired.value),
        else_=InviteState.not_invited.value,
    )


def _with_states(program_id: int, now: datetime):
    state = _state(now).label("state")
    # Who they are, not their profile: a large program's goals and skills are not read here.
    shown = load_only(
        Participant.id,
        Participant.program_id,
        Participant.user_id,
        Participant.external_id,
        Participant.name,
        Participant.email,
        Participant.role,
        Participant.title,
        Participant.capacity,
    )
    return (
        select(Participant, state)
        .options(shown)
        .outerjoin(User, User.id == Participant.user_id)
        .where(Participant.program_id == program_id)
    ), state


def list_statuses(
    *,
    session: Session,
    principal: Principal,
    program_id: int,
    state: InviteState | None = None,
    role: str | None = None,
    search: str | None = None,
    sort: str = "id",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ParticipantStatus], int]:
    """A page of the program's participants with where each stands, for its coordinators;
    `role`, `search` and `sort` as for `participants.list_participants`."""
    program_policy.coordinated_program(session=session, program_id=program_id, principal=principal)
    now = utcnow()
    order = participants.order_of(sort)
    query, state_column = _with_states(program_id, now)
    query = query.where(*participants.listed_where(role=role, search=search))
    if state is not None:
        query = query.where(state_column == state.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(*order).limit(limit).offset(offset)).all()
    latest = _latest_invitations(session, [p.user_id for p, _ in rows if p.user_id is not None])
    statuses = []
    for participant, found_state in rows:
        invitation = latest.get(participant.user_id)
        statuses.append(
            ParticipantStatus(
                participant=participant,
                state=InviteState(found_state),
                invited_at=invitation.created_at if invitation else None,
                expires_at=invitation.expires_at if invitation else None,
                reminders_sent=invitation.reminders_sent if invitation else 0,
            )
        )
    return statuses, total


def count_states(
    *, session: Session, principal: Principal, program_id: int
) -> dict[InviteState, int]:
    """How many of the program's participants stand in each state."""
    program_policy.coordinated_program(session=session, program_id=program_id, principal=principal)
    query, _ = _with_states(program_id, utcnow())
    states = query.subquery()
    counted = session.execute(select(states.c.state, func.count()).group_by(states.c.state)).all()
    found = {InviteState(name): number for name, number in counted}
    return {state: found.get(state, 0) for state in InviteState}


def _latest_invitations(session: Session, user_ids: Sequence[int]) -> dict[int, Invitation]:
    if not user_ids:
        return {}
    rows = session.scalars(
        select(Invitation)
        .where(Invitation.user_id.in_(user_ids), Invitation.purpose == LinkPurpose.invite)
        .order_by(Invitation.created_at, Invitation.id)
    )
    return {row.user_id: row for row in rows}


# --- the email -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def _day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def _moment(moment: datetime) -> str:
    return f"{_day(moment)}, {moment:%H:%M} UTC"


def compose(
    *,
    name: str,
    program: Program | None,
    role: str | None,
    inviter: User | None,
    link: str,
    expires_at: datetime,
    settings: Settings,
    reminder: bool = False,
    invited_at: datetime | None = None,
) -> Email:
    """The invitation (or its reminder) in words a coordinator would send themselves."""
    program_name = " ".join(program.name.split()) if program else None
    values = {
        "name": name,
        "product": PRODUCT,
        "program": program_name,
        "role": ROLE_WORDS.get(role or ""),
        "inviter": inviter.display_name if inviter is not None else None,
        "contact": f"{inviter.display_name} at {inviter.email}" if inviter is not None else None,
        "link": link,
        "expires": _moment(expires_at),
        "sso": settings.sso_enabled,
        "provider": settings.oidc_provider_name,
        "reminder": reminder,
        "invited_on": _day(invited_at) if invited_at else "",
    }
    place = program_name or PRODUCT
    if reminder:
        subject = f"Reminder: your invitation to {place}"
    elif inviter is not None:
        subject = f"{inviter.display_name} invites you to {place}"
    else:
        subject = f"You are invited to {place}"
    values["subject"] = subject
    return Email(
        subject=subject,
        text=_emails.get_template("invitation.txt.j2").render(values),
        html=_emails.get_template("invitation.html.j2").render(values),
    )


def link_for(settings: Settings, token: str) -> str:
    """Where an invitation's email points: the provider's sign-in, or the password link."""
    base = settings.public_url.rstrip("/")
    return f"{base}/login/sso" if settings.sso_enabled else f"{base}/invite/{token}"


# --- inviting in bulk ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    program_id: int
    to_invite: list[int]  # participant ids, in order
    report: InviteReport


def _plan(
    session: Session,
    principal: Principal,
    program: Program,
    *,
    emails: Sequence[str] | None,
    all_pending: bool,
    settings: Settings,
) -> _Plan:
    if not settings.smtp_host:
        raise InvalidInput(
            "Invitations go by email, and email is not configured on this server "
            "(COMPANION_SMTP_HOST). An administrator can still create a link for one person.",
            field="email",
        )
    if all_pending == bool(emails):
        raise InvalidInput(
            "Choose who to invite: everyone not yet joined, or the people you selected (not both).",
            field="email",
        )
    query, _ = _with_states(program.id, utcnow())
    rows = session.execute(query.order_by(Participant.external_id)).all()
    report = InviteReport()
    by_email = {p.email.lower(): (p, InviteState(s)) for p, s in rows}
    if all_pending:
        chosen = [(p, InviteState(s)) for p, s in rows]
    else:
        chosen = []
        seen: set[str] = set()
        for email in emails or []:
            key = email.strip().lower()
            if not key or key in seen:
                continue
            seen.add(key)
            if key not in by_email:
                report.skipped.append(Skipped(email.strip(), "not a participant of this program"))
                continue
            chosen.append(by_email[key])
    to_invite: list[int] = []
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_([p.user_id for p, _ in chosen if p.user_id]))
        )
    }
    for participant, state in chosen:
        if state == InviteState.joined:
            report.already_joined += 1
        elif state == InviteState.deactivated:
            report.skipped.append(Skipped(participant.email, "the account is deactivated"))
        elif state == InviteState.invited and all_pending:
            report.already_invited += 1
        elif not policy.may_invite(principal, users[participant.user_id], by_email=True):
            report.skipped.append(
                Skipped(
                    participant.email,
                    "they also take part in a program you do not coordinate; an "
                    "administrator can invite them",
                )
            )
        else:
            to_invite.append(participant.id)
    return _Plan(program_id=program.id, to_invite=to_invite, report=report)


def _invite_batch(
    session: Session,
    principal: Principal,
    program: Program,
    participant_ids: Sequence[int],
    settings: Settings,
    report: InviteReport,
) -> None:
    """Invite these participants now, in the caller's transaction: re-checked as they are."""
    now = utcnow()
    query, _ = _with_states(program.id, now)
    rows = session.execute(query.where(Participant.id.in_(participant_ids))).all()
    ready: list[tuple[Participant, User]] = []
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_([p.user_id for p, _ in rows if p.user_id]))
        )
    }
    for participant, state in rows:
        # Someone may have signed in, or been switched off, since the list was read.
        if state == InviteState.joined:
            report.already_joined += 1
        elif state == InviteState.deactivated:
            report.skipped.append(Skipped(participant.email, "the account is deactivated"))
        else:
            ready.append((participant, users[participant.user_id]))
    if not ready:
        return
    passwords.revoke_links(
        session=session, user_ids=[u.id for _, u in ready], purpose=LinkPurpose.invite
    )
    actor = actor_of(principal)
    inviter = principal if isinstance(principal, User) else None
    links = [
        passwords.new_link(
            user=user,
            purpose=LinkPurpose.invite,
            actor=actor,
            program_id=program.id,
            via_sso=settings.sso_enabled,
        )
        for _, user in ready
    ]
    # The links in one statement; each email below is flushed by the outbox as it is queued.
    session.add_all([row for row, _ in links])
    session.flush()
    for (participant, user), (row, token) in zip(ready, links, strict=True):
        email = compose(
            name=user.display_name,
            program=program,
            role=participant.role,
            inviter=inviter,
            link=link_for(settings, token),
            expires_at=row.expires_at,
            settings=settings,
        )
        outbox.enqueue_account_email(
            session=session,
            user=user,
            subject=email.subject,
            body=email.text,
            html=email.html,
            settings=settings,
        )
        report.invited += 1
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="invitations.sent",
        subject_type="program",
        subject_id=program.id,
        program_id=program.id,
        data={"user_ids": [u.id for _, u in ready], "via_sso": settings.sso_enabled},
    )


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


Progress = Callable[[int, int], None]


def invite_participants(
    *,
    session: Session,
    principal: Principal,
    program_id: int,
    settings: Settings,
    emails: Sequence[str] | None = None,
    all_pending: bool = False,
    batch_size: int = BATCH_SIZE,
) -> InviteReport:
    """Invite the selected people of a program, or everyone not yet joined who holds no
    link that still works, in the caller's one transaction: all of it, or none.

    Those invited before are sent a new link (the old one stops working) only when
    selected by name. Joined, deactivated and out-of-reach people are counted or skipped
    with their reason.
    """
    program = program_policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    plan = _plan(
        session, principal, program, emails=emails, all_pending=all_pending, settings=settings
    )
    for batch in _chunks(plan.to_invite, batch_size):
        _invite_batch(session, principal, program, batch, settings, plan.report)
    return plan.report


def invite_in_batches(
    *,
    sessions: sessionmaker[Session],
    principal: Principal,
    program_id: int,
    settings: Settings,
    emails: Sequence[str] | None = None,
    all_pending: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> InviteReport:
    """The same as `invite_participants`, committing each batch as it goes (a job, like the
    outbox's dispatcher): a run that stops half-way keeps the batches it finished, each
    whole, and running it again with `all_pending` goes on with the people left."""
    with session_scope(sessions) as session:
        program = program_policy.coordinated_program(
            session=session, program_id=program_id, principal=principal
        )
        plan = _plan(
            session, principal, program, emails=emails, all_pending=all_pending, settings=settings
        )
    done = 0
    for batch in _chunks(plan.to_invite, batch_size):
        with session_scope(sessions) as session:
            program = program_policy.coordinated_program(
                session=session, program_id=program_id, principal=principal
            )
            _invite_batch(session, principal, program, batch, settings, plan.report)
        done += len(batch)
        if progress is not None:
            progress(done, len(plan.to_invite))
    return plan.report


# --- reminders -----------------------------------------------------------------------------


def _unanswered(now: datetime) -> ColumnElement[bool]:
    """An invitation whose link still works, to an active account that never signed in."""
    return and_(
        Invitation.purpose == LinkPurpose.invite,
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
        exists().where(User.id == Invitation.user_id, User.is_active.is_(True)),
        not_(_joined(Invitation.user_id)),
    )


def send_reminders(
    *, sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> int:
    """Queue the reminders that are due; returns how many.

    Reminder k goes `invitation_reminder_days[k-1]` days after the invitation, at most
    `invitation_reminders` of them, and never once the person has joined or the link was
    revoked or expired. Each is claimed by a conditional UPDATE of the invitation's
    count, in a transaction of its own with the email it queues: of several processes
    doing this at once, one claims it, and a reminder is queued once or not at all.
    """
    if not settings.smtp_host or settings.invitation_reminders < 1:
        return 0
    now = now or utcnow()
    limit = settings.invitation_reminders
    days = settings.invitation_reminder_days
    with session_scope(sessions) as session:
        candidates = session.execute(
            select(Invitation.id, Invitation.reminders_sent, Invitation.created_at).where(
                _unanswered(now), Invitation.reminders_sent < limit
            )
        ).all()
    due = [
        (row.id, row.reminders_sent)
        for row in candidates
        if row.created_at + timedelta(days=days[row.reminders_sent]) <= now
    ]
    queued = 0
    for invitation_id, sent in due:
        with session_scope(sessions) as session:
            queued += _remind(session, invitation_id, sent, settings, now)
    return queued


def _remind(
    session: Session, invitation_id: int, sent: int, settings: Settings, now: datetime
) -> int:
    token = passwords.new_token()
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.reminders_sent == sent, _unanswered(now))
        .values(
            reminders_sent=sent + 1,
            last_reminded_at=now,
            # A new link: the old one is not stored anywhere to send again.
            token_hash=accounts.hash_token(token),
        ),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0  # another process reminded, or the person joined, since it was read
    invitation = session.get_one(Invitation, invitation_id, populate_existing=True)
    user = invitation.user
    program = session.get(Program, invitation.program_id) if invitation.program_id else None
    seat = (
        session.scalars(
            select(Participant).where(
                Participant.program_id == program.id, Participant.user_id == user.id
            )
        ).first()
        if program
        else None
    )
    inviter = _inviter(session, invitation.created_by)
    email = compose(
        name=user.display_name,
        program=program,
        role=seat.role if seat else None,
        inviter=inviter if inviter is not None and inviter.is_active else None,
        link=link_for(settings, token),
        expires_at=invitation.expires_at,
        settings=settings,
        reminder=True,
        invited_at=invitation.created_at,
    )
    outbox.enqueue_account_email(
        session=session,
        user=user,
        subject=email.subject,
        body=email.text,
        html=email.html,
        settings=settings,
        now=now,
    )
    audit.record(
        session=session,
        actor=audit.SYSTEM,
        action="invitations.reminded",
        subject_type="user",
        subject_id=user.id,
        program_id=invitation.program_id,
        data={"reminder": sent + 1},
    )
    return 1


def _inviter(session: Session, label: str) -> User | None:
    """The person who sent an invitation, from the name it recorded (a job or the command
    line records a label that is no address)."""
    try:
        return accounts.get_by_email(session=session, email=label)
    except InvalidInput:
        return None
