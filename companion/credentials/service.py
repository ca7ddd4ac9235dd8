"""Invitations, password resets and password changes, each told to the account's owner.

A link that sets a password goes only to the account's own address, through
the outbox; nobody else sees it. The one exception is a server without email
(the demo): there an administrator may create an invitation link for an
account that has never had credentials, and hand it over in person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import api_tokens, passwords, policy
from companion.accounts import service as accounts
from companion.accounts.models import (
    EmailChange,
    EmailChangeStatus,
    Invitation,
    LinkPurpose,
    Role,
    RoleAssignment,
    User,
)
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.credentials import invitations
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.review import outbox
from companion.settings import Settings

PRODUCT = "Mentoring Companion"
RESET_EMAIL_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class InvitationOutcome:
    """An invitation either went by email, or (no email here) is a link for an administrator."""

    email: str
    emailed: bool
    link: str | None = None
    provider: str | None = None  # where single sign-on is on: the email links to it

    @property
    def notice(self) -> str:
        """What to tell whoever invited, once."""
        days = passwords.INVITATION_DAYS
        if self.emailed and self.provider:
            return f"Invitation sent to {self.email}; it links to sign-in with {self.provider}."
        if self.emailed:
            return f"Invitation sent to {self.email}; its link works once, for {days} days."
        return (
            f"Email is not configured here, so give this link to {self.email} in person: "
            f"{self.link} — it works once, for {days} days, and is shown only now."
        )


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}/{token}"


def invite(
    *, session: Session, principal: Principal, email: str, settings: Settings
) -> InvitationOutcome:
    """Invite the person with this email to set their first password.

    Refused for an account that can already sign in (a password or a live API
    token): an invitation never replaces credentials. Unknown addresses and
    accounts beyond the principal's authority get the same answer, so that
    nobody learns which accounts exist elsewhere.
    """
    if not email.strip():
        raise InvalidInput(
            "Enter the email of the person to invite.",
            details=[{"field": "email", "message": "missing"}],
        )
    address = accounts.normalise_email(email)
    account = accounts.get_by_email(session=session, email=address)
    by_email = bool(settings.smtp_host)
    if account is None or not policy.may_invite(principal, account, by_email=by_email):
        if not by_email and not policy.is_admin(principal):
            raise PermissionDenied(
                "Email is not configured on this server, so invitation links can only be "
                "created by an administrator; ask one, or configure COMPANION_SMTP_HOST."
            )
        # The same answer for an unknown address and one beyond the principal's reach.
        raise InvalidInput(
            f"Nobody you may invite has the address {address}; import them as a participant "
            "of your program first.",
            details=[{"field": "email", "message": "not someone you may invite"}],
        )
    if passwords.has_credentials(session, account):
        raise Conflict(
            f"{address} can already sign in. If they forgot their password, they can reset it "
            "from the sign-in page.",
            details=[{"field": "email", "message": "already signed up"}],
        )
    token = passwords.issue_link(
        session=session,
        user=account,
        purpose=LinkPurpose.invite,
        actor=actor_of(principal),
        via_sso=by_email and settings.sso_enabled,
    )
    if not by_email:
        return InvitationOutcome(
            email=account.email, emailed=False, link=_link(settings, "invite", token)
        )
    message = invitations.compose(
        name=account.display_name,
        program=None,
        role=None,
        inviter=principal if isinstance(principal, User) else None,
        link=invitations.link_for(settings, token),
        expires_at=utcnow() + passwords.LINK_LIFETIME[LinkPurpose.invite],
        settings=settings,
    )
    outbox.enqueue_account_email(
        session=session,
        user=account,
        subject=message.subject,
        body=message.text,
        html=message.html,
        settings=settings,
    )
    return InvitationOutcome(
        email=account.email,
        emailed=True,
        provider=settings.oidc_provider_name if settings.sso_enabled else None,
    )


def request_reset(*, session: Session, email: str, settings: Settings) -> None:
    """Email a reset link to the owner of this address, if there is one.

    Says nothing either way, so that the form does not tell who has an account.
    Refused outright where email is not configured: there is no one to send it to.
    """
    if not settings.password_sign_in:
        raise InvalidInput(
            "Password sign-in is turned off here, so there is no password to reset: sign in "
            f"with {settings.oidc_provider_name}.",
            field="email",
        )
    if not settings.smtp_host:
        raise InvalidInput(
            "Password resets go by email, and email is not configured on this server. "
            "Ask an administrator to help you.",
            field="email",
        )
    try:
        account = accounts.get_by_email(session=session, email=email)
    except InvalidInput:
        return
    if account is None or not account.is_active or _reset_sent_lately(session, account):
        return
    owner = Actor(id=account.id, label=account.email)
    token = passwords.issue_link(
        session=session, user=account, purpose=LinkPurpose.reset, actor=owner
    )
    outbox.enqueue_account_email(
        session=session,
        user=account,
        subject=f"Reset your {PRODUCT} password",
        body=(
            f"Hello {account.display_name},\n\n"
            "Someone (we hope you) asked to reset your password. Choose a new one here; "
            f"the link works once, for {passwords.RESET_HOURS} hour:\n\n"
            f"{_link(settings, 'reset', token)}\n\n"
            "If you did not ask, ignore this message: your password stays as it is."
        ),
        settings=settings,
    )


def _reset_sent_lately(session: Session, account: User) -> bool:
    """One reset email per few minutes: the form must not flood someone's mailbox."""
    since = utcnow() - RESET_EMAIL_INTERVAL
    recent = select(Invitation.id).where(
        Invitation.user_id == account.id,
        Invitation.purpose == LinkPurpose.reset,
        Invitation.created_at > since,
    )
    return session.scalars(recent.limit(1)).first() is not None


def complete_link(*, session: Session, token: str, password: str, settings: Settings) -> User:
    """Set the password a link is for; a reset (which also revokes the account's API
    tokens) is then told to the owner."""
    user, purpose = passwords.accept(session=session, token=token, password=password)
    if purpose == LinkPurpose.reset:
        notify_password_changed(session=session, user=user, settings=settings, tokens_revoked=True)
    return user


def change_password(
    *,
    session: Session,
    principal: Principal,
    current: str,
    new: str,
    revoke_tokens: bool,
    settings: Settings,
) -> User:
    """The signed-in person changes their own password, proving they know the current one;
    with `revoke_tokens`, every API token of theirs is revoked too."""
    if not isinstance(principal, User):
        raise PermissionDenied("Only a signed-in person changes their own password.")
    try:
        passwords.authenticate(session=session, email=principal.email, password=current)
    except Unauthenticated as exc:
        raise InvalidInput(
            "current_password: that is not your current password.",
            details=[{"field": "current_password", "message": "does not match"}],
        ) from exc
    passwords.set_password(session=session, user=principal, password=new, actor=actor_of(principal))
    if revoke_tokens:
        api_tokens.revoke_live(
            session=session,
            user_id=principal.id,
            actor=actor_of(principal),
            reason="password_changed",
        )
    notify_password_changed(
        session=session, user=principal, settings=settings, tokens_revoked=revoke_tokens
    )
    return principal


def notify_password_changed(
    *, session: Session, user: User, settings: Settings, tokens_revoked: bool
) -> None:
    """Tell the owner their password changed, so that a change they did not make is seen."""
    if not settings.smtp_host:
        return
    ended = (
        "every other signed-in browser was signed out and your API tokens were revoked"
        if tokens_revoked
        else "every other signed-in browser was signed out"
    )
    outbox.enqueue_account_email(
        session=session,
        user=user,
        subject=f"Your {PRODUCT} password was changed",
        body=(
            f"Hello {user.display_name},\n\n"
            f"The password of your {PRODUCT} account ({user.email}) was just changed, and "
            f"{ended}.\n\n"
            "If this was not you, reset your password from the sign-in page at once "
            f"({settings.public_url.rstrip('/')}/forgot) and tell your administrator."
        ),
        settings=settings,
    )


def list_email_changes(
    *, session: Session, principal: Principal, status: EmailChangeStatus | None = None
) -> list[EmailChange]:
    """Address changes asked for by imports, newest first: administrators only."""
    policy.require_admin(principal)
    query = select(EmailChange).order_by(EmailChange.created_at.desc(), EmailChange.id.desc())
    if status is not None:
        query = query.where(EmailChange.status == status)
    return list(session.scalars(query))


def account_roles(session: Session, change: EmailChange) -> list[str]:
    """What the account a change would move is now, in words: "administrator",
    "coordinator of Pilot", "mentee of Pilot", for the administrator who decides."""
    account = session.get(User, change.user_id)
    return [] if account is None else _roles(session, account)


def may_apply(session: Session, change: EmailChange) -> bool:
    """Whether an administrator may apply the change (else only reject it)."""
    account = session.get(User, change.user_id)
    return account is not None and _movable(account)


def _movable(account: User) -> bool:
    # An import names participants; an account with an organisation-wide role (an
    # administrator, an organisation coordinator) is not moved by one.
    return all(a.program_id is not None for a in account.roles)


def _roles(session: Session, account: User) -> list[str]:
    names = {
        p.id: p.name
        for p in session.scalars(
            select(Program).where(Program.id.in_({a.program_id for a in account.roles}))
        )
    }
    return sorted(_role_words(a, names) for a in account.roles)


def _role_words(assignment: RoleAssignment, names: dict[int, str]) -> str:
    if assignment.program_id is None:
        return (
            "administrator"
            if assignment.role == Role.admin
            else f"organisation {assignment.role.value}"
        )
    return f"{assignment.role.value} of {names.get(assignment.program_id, assignment.program_id)}"


def _roles_text(account: User) -> str:
    return ", ".join(sorted(_role_words(a, {}) for a in account.roles if a.program_id is None))


def decide_email_change(
    *,
    session: Session,
    principal: Principal,
    change_id: int,
    approve: bool,
    settings: Settings,
) -> EmailChange:
    """An administrator applies or rejects a held address change, audited old -> new.

    Applying it moves the account and its participant seats to the new address
    and tells the old address, so that an unwanted change does not go unseen.
    """
    policy.require_admin(principal)
    change = session.get(EmailChange, change_id)
    if change is None:
        raise NotFound(f"No email change with id {change_id}.")
    if change.status != EmailChangeStatus.pending:
        raise Conflict(f"Email change {change_id} was already {change.status.value}.")
    account = session.get(User, change.user_id)
    actor = actor_of(principal)
    if approve and not _movable(account):
        raise Conflict(
            f"{account.email} holds an organisation-wide role ({_roles_text(account)}): an "
            "import cannot change its address. Reject this change."
        )
    if approve:
        holder = accounts.get_by_email(session=session, email=change.new_email)
        if holder is not None and holder.id != account.id:
            raise Conflict(
                f"{change.new_email} already belongs to another account; merge or remove "
                "that account first, or reject this change."
            )
        if account.email != change.old_email:
            raise Conflict(
                f"The account's address is now {account.email}, not {change.old_email}; "
                "reject this change and import the row again."
            )
        notice_to_old_address(
            session=session, user=account, new_email=change.new_email, settings=settings
        )
        account.email = change.new_email
        for seat in session.scalars(
            select(Participant).where(
                Participant.user_id == account.id, Participant.email == change.old_email
            )
        ):
            seat.email = change.new_email
    change.status = EmailChangeStatus.approved if approve else EmailChangeStatus.rejected
    change.decided_by = actor.label
    change.decided_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="users.email_changed" if approve else "users.email_change_rejected",
        subject_type="user",
        subject_id=account.id,
        program_id=change.program_id,
        data={"old": change.old_email, "new": change.new_email, "change_id": change.id},
    )
    return change


def notice_to_old_address(
    *, session: Session, user: User, new_email: str, settings: Settings
) -> None:
    if not settings.smtp_host:
        return
    outbox.enqueue_account_email(
        session=session,
        user=user,
        subject=f"Your {PRODUCT} sign-in address was changed",
        body=(
            f"Hello {user.display_name},\n\n"
            f"An administrator changed the address you sign in to {PRODUCT} with from "
            f"{user.email} to {new_email}. Messages about your account now go there.\n\n"
            "If this is not what you expected, tell your administrator at once."
        ),
        settings=settings,
    )
