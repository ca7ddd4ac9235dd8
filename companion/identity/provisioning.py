"""SCIM 2.0 provisioning: an identity provider creates, updates and deactivates people.

The provider acts through a SCIM token an administrator created; that token does
SCIM and nothing else, and the API's own tokens do not open SCIM. What it may
touch is bounded: accounts it created or adopted (by userName, the account's
email; only an account nobody can sign in to yet), never an administrator's.
Deactivating a person ends their browser sessions and API tokens and takes their
seats out of matching; their history (relationships, sessions, drafts, the audit
trail) stays. Deleting one through SCIM deactivates the account and lets go of it;
nothing is erased.

A group maps to a program's seats by its name: "<program name> mentors" or
"<program name> mentees" (docs/identity.md). Its members get a seat in the program
with that role, and lose the role when they leave the group.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    Email,
    Group,
    GroupMember,
    ListResponse,
    Meta,
    Name,
    PatchOp,
    SCIMException,
    SearchRequest,
    User,
)
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from companion.accounts import passwords, policy, web_sessions
from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, Role, RoleAssignment, WebSession
from companion.accounts.models import User as Account
from companion.accounts.principal import Principal, actor_of
from companion.accounts.service import hash_token
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import CompanionError, InvalidInput, NotFound, Unauthenticated
from companion.identity.models import (
    ExternalIdentity,
    ScimGroup,
    ScimGroupMember,
    ScimToken,
    ScimUser,
)
from companion.participants.models import Participant
from companion.programs.models import Program

SCIM_TOKEN_PREFIX = "mcscim_"
MAX_COUNT = 200
DEFAULT_COUNT = 100


class ScimError(CompanionError):
    """A refusal in SCIM's terms: an HTTP status and, where RFC 7644 names one, a scimType."""

    def __init__(self, status: int, message: str, scim_type: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.code = scim_type or "scim_error"
        self.scim_type = scim_type


@dataclass(frozen=True)
class Provisioner:
    """An identity provider, acting through one SCIM token: SCIM and nothing else."""

    token_id: int
    name: str

    @property
    def actor(self) -> Actor:
        return Actor(id=None, label=f"scim:{self.name}")


# Tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedScimToken:
    token: ScimToken
    plaintext: str


def create_token(*, session: Session, principal: Principal, name: str) -> IssuedScimToken:
    """An administrator creates a SCIM token for an identity provider; shown once."""
    policy.require_admin(principal)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("A SCIM token's name must be 1 to 100 characters.", field="name")
    plaintext = SCIM_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(
        name=name,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:14],
        created_by=actor_of(principal).label,
    )
    session.add(token)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="scim_token.created",
        subject_type="scim_token",
        subject_id=token.id,
        data={"name": name, "prefix": token.prefix},
    )
    return IssuedScimToken(token=token, plaintext=plaintext)


def revoke_token(*, session: Session, principal: Principal, token_id: int) -> ScimToken:
    policy.require_admin(principal)
    token = session.get(ScimToken, token_id)
    if token is None:
        raise NotFound(f"No SCIM token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="scim_token.revoked",
            subject_type="scim_token",
            subject_id=token.id,
        )
    return token


def list_tokens(*, session: Session, principal: Principal) -> list[ScimToken]:
    """Every SCIM token, newest first (never the token itself): administrators only."""
    policy.require_admin(principal)
    return list(session.scalars(select(ScimToken).order_by(ScimToken.id.desc())))


def authenticate(*, session: Session, token: str) -> Provisioner:
    """The provisioner a SCIM bearer token stands for, or Unauthenticated."""
    if not token.startswith(SCIM_TOKEN_PREFIX):
        raise Unauthenticated("This endpoint takes a SCIM token (mcscim_…), not an API token.")
    row = session.scalars(
        select(ScimToken).where(ScimToken.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("Unknown or revoked SCIM token.")
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 3600:
        row.last_used_at = now
    return Provisioner(token_id=row.id, name=row.name)


def _require(principal: object) -> Provisioner:
    if not isinstance(principal, Provisioner):
        raise ScimError(403, "Only an identity provider's SCIM token may do this.")
    return principal


# Reading requests ---------------------------------------------------------------------


def _parse(model: Any, payload: object, context: Context) -> Any:
    try:
        return model.model_validate(payload, scim_ctx=context)
    except SCIMException as exc:
        raise ScimError(exc.status, exc.detail, exc.scim_type or None) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise ScimError(400, f"Invalid {model.__name__}: {problems}", "invalidValue") from None


_FILTER = re.compile(r'^\s*([A-Za-z][\w.]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def _equality(filter_text: str | None, allowed: set[str]) -> tuple[str, str] | None:
    """`attribute eq "value"`, the filter identity providers send; anything else is refused."""
    if not filter_text:
        return None
    found = _FILTER.match(filter_text)
    if found is None or found.group(1).lower() not in allowed:
        raise ScimError(
            400,
            f"Filter {filter_text!r} is not supported: use "
            + " or ".join(f'{a} eq "…"' for a in sorted(allowed)),
            "invalidFilter",
        )
    return found.group(1).lower(), found.group(2).replace('\\"', '"').replace("\\\\", "\\")


def _number(name: str, text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise ScimError(
            400, f"{name} must be a whole number, not {text!r}.", "invalidValue"
        ) from None


def _page(start_index: str | None, count: str | None) -> tuple[int, int]:
    """RFC 7644, section 3.4.2.4: a startIndex below 1 means 1, a negative count 0; both are
    held to what a page can be."""
    start = min(max(1, _number("startIndex", start_index) or 1), 2**31)
    wanted = _number("count", count)
    size = DEFAULT_COUNT if wanted is None else max(0, min(wanted, MAX_COUNT))
    return start, size


@dataclass(frozen=True)
class Search:
    """A search sent with POST …/.search (RFC 7644, section 3.4.3), as the GET query has it."""

    filter: str | None
    start_index: str | None
    count: str | None
    attributes: list[str] | None
    excluded_attributes: list[str] | None


def read_search(payload: object) -> Search:
    """The search a POST body asks for; a body that is not a SearchRequest is refused."""
    if not isinstance(payload, dict):
        raise ScimError(400, "The body must be a SearchRequest object.", "invalidSyntax")
    request = _parse(SearchRequest, payload, Context.SEARCH_REQUEST)
    text = payload.get("filter")
    if text is not None and not isinstance(text, str):
        raise ScimError(400, "filter must be a string.", "invalidFilter")
    return Search(
        filter=text,
        start_index=None if request.start_index is None else str(request.start_index),
        count=None if request.count is None else str(request.count),
        attributes=request.attributes,
        excluded_attributes=request.excluded_attributes,
    )


def search_all(
    *, session: Session, principal: object, search: Search, base_url: str
) -> ListResponse[User | Group]:
    """A search at the root: users, then groups, as one list (RFC 7644, section 3.4.3).

    `id eq` and `externalId eq` look in both; `userName eq` only among users and
    `displayName eq` only among groups.
    """
    _require(principal)
    wanted = _equality(search.filter, {"username", "displayname", "externalid", "id"})
    attribute = wanted[0] if wanted else None
    start, size = _page(search.start_index, search.count)
    users = groups = None
    if attribute != "displayname":
        users = list_users(
            session=session,
            principal=principal,
            filter=search.filter,
            start_index=str(start),
            count=str(size),
            base_url=base_url,
        )
    users_total = users.total_results if users else 0
    if attribute != "username":
        first_group = max(1, start - users_total)
        taken = len(users.resources or []) if users else 0
        groups = list_groups(
            session=session,
            principal=principal,
            filter=search.filter,
            start_index=str(first_group),
            count=str(size - taken),
            base_url=base_url,
        )
    found: list[User | Group] = [*(users.resources or [] if users else [])]
    found += [*(groups.resources or [] if groups else [])]
    return ListResponse[User | Group](
        total_results=users_total + (groups.total_results if groups else 0),
        start_index=start,
        items_per_page=len(found),
        resources=found or None,
    )


# Users --------------------------------------------------------------------------------


def _meta(kind: str, location: str, created: datetime, modified: datetime) -> Meta:
    return Meta(
        resource_type=kind,
        created=created,
        last_modified=modified,
        location=location,
        version=f'W/"{int(modified.timestamp() * 1_000_000)}"',
    )


def user_resource(account: Account, managed: ScimUser, base_url: str) -> User:
    given, _, family = account.display_name.partition(" ")
    return User(
        id=str(account.id),
        user_name=managed.user_name,
        external_id=managed.external_id,
        display_name=account.display_name,
        name=Name(
            formatted=account.display_name, given_name=given or None, family_name=family or None
        ),
        emails=[Email(value=account.email, primary=True, type="work")],
        active=account.is_active,
        meta=_meta(
            "User", f"{base_url}/Users/{account.id}", managed.created_at, managed.updated_at
        ),
    )


def _visible_users():
    """Accounts SCIM manages, never an organisation administrator's."""
    admins = select(RoleAssignment.user_id).where(
        RoleAssignment.role == Role.admin, RoleAssignment.program_id.is_(None)
    )
    return (
        select(Account, ScimUser)
        .join(ScimUser, ScimUser.user_id == Account.id)
        .where(Account.id.not_in(admins))
    )


def _managed(session: Session, user_id: str) -> tuple[Account, ScimUser]:
    if not user_id.isdigit() or len(user_id) > 18:
        raise ScimError(404, f"No user with id {user_id!r}.")
    row = session.execute(_visible_users().where(Account.id == int(user_id))).first()
    if row is None:
        raise ScimError(404, f"No user with id {user_id!r}.")
    return row[0], row[1]


def _user_name(resource: User) -> str:
    name = (resource.user_name or "").strip().lower()
    if not name or len(name) > 320:
        raise ScimError(400, "userName is required (at most 320 characters).", "invalidValue")
    return name


def _email_of(resource: User) -> str:
    """The address the account signs in with: userName when it is an email address, else
    the primary (or first) of `emails`."""
    candidates = [resource.user_name or ""]
    emails = sorted(resource.emails or [], key=lambda e: not e.primary)
    candidates += [str(e.value) for e in emails if e.value]
    for candidate in candidates:
        try:
            return accounts.normalise_email(candidate)
        except InvalidInput:
            continue
    raise ScimError(
        400,
        f"userName {resource.user_name!r} is not an email address and no email is given in "
        "'emails': send the address the person signs in with.",
        "invalidValue",
    )


def _display_name(resource: User, email: str) -> str:
    name = resource.display_name or (resource.name.formatted if resource.name else None)
    if not name and resource.name:
        name = " ".join(p for p in (resource.name.given_name, resource.name.family_name) if p)
    return (name or email.split("@")[0]).strip()[:200]


def get_user(*, session: Session, principal: object, user_id: str, base_url: str) -> User:
    _require(principal)
    return user_resource(*_managed(session, user_id), base_url)


def list_users(
    *,
    session: Session,
    principal: object,
    filter: str | None,
    start_index: str | None,
    count: str | None,
    base_url: str,
) -> ListResponse[User]:
    _require(principal)
    query = _visible_users()
    wanted = _equality(filter, {"username", "externalid", "id"})
    if wanted is not None:
        attribute, value = wanted
        if attribute == "username":
            query = query.where(ScimUser.user_name == value.strip().lower())
        elif attribute == "externalid":
            query = query.where(ScimUser.external_id == value)
        else:
            query = query.where(Account.id == (int(value) if value.isdigit() else -1))
    start, size = _page(start_index, count)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Account.id).offset(start - 1).limit(size)).all()
    return ListResponse[User](
        total_results=total,
        start_index=start,
        items_per_page=len(rows),
        resources=[user_resource(a, m, base_url) for a, m in rows] or None,
    )


def create_user(*, session: Session, principal: object, payload: object, base_url: str) -> User:
    """Create a person, or take charge of the account that already has this email.

    The account gets no role: it opens nothing until the person has a seat in a
    program (an import, or a group mapped to a program) or an administrator grants one.
    """
    provisioner = _require(principal)
    resource = _parse(User, payload, Context.RESOURCE_CREATION_REQUEST)
    user_name, email = _user_name(resource), _email_of(resource)
    if session.scalars(select(ScimUser).where(ScimUser.user_name == user_name)).first():
        raise ScimError(409, f"A user with userName {user_name} already exists.", "uniqueness")
    account = accounts.get_by_email(session=session, email=email)
    if account is not None:
        if not _adoptable(session, account):
            raise ScimError(409, f"A user with the address {email} already exists.", "uniqueness")
        action = "scim.user_adopted"
    else:
        account = Account(email=email, display_name=_display_name(resource, email))
        session.add(account)
        session.flush()
        action = "user.created"
    managed = ScimUser(user_id=account.id, user_name=user_name, external_id=resource.external_id)
    session.add(managed)
    session.flush()
    audit.record(
        session=session,
        actor=provisioner.actor,
        action=action,
        subject_type="user",
        subject_id=account.id,
        data={"email": email, "external_id": resource.external_id},
    )
    _apply(session, provisioner, account, managed, resource, email)
    return user_resource(account, managed, base_url)


def _adoptable(session: Session, account: Account) -> bool:
    """Whether the provider may take charge of an account it did not create.

    Only one nobody can sign in to yet (no password, no working API token, no provider
    account linked for single sign-on, never a browser session: an invited participant)
    and that is not an administrator's. The provider may change the address of an
    account it manages, and a password reset goes to that address, so adopting an
    account someone already uses would hand it to whoever holds the SCIM token.
    """
    if policy.is_admin(account) or session.get(ScimUser, account.id) is not None:
        return False
    if passwords.has_credentials(session, account):
        return False
    used = (
        select(ExternalIdentity.id).where(ExternalIdentity.user_id == account.id),
        select(WebSession.id).where(WebSession.user_id == account.id),
    )
    return all(session.scalars(query.limit(1)).first() is None for query in used)


def _apply(
    session: Session,
    provisioner: Provisioner,
    account: Account,
    managed: ScimUser,
    resource: User,
    email: str,
) -> None:
    """Make the account say what the provider says: address, name, externalId, active."""
    user_name = _user_name(resource)
    if user_name != managed.user_name:
        if session.scalars(select(ScimUser).where(ScimUser.user_name == user_name)).first():
            raise ScimError(409, f"A user with userName {user_name} already exists.", "uniqueness")
        managed.user_name = user_name
    if email != account.email:
        holder = accounts.get_by_email(session=session, email=email)
        if holder is not None:
            raise ScimError(409, f"A user with the address {email} already exists.", "uniqueness")
        audit.record(
            session=session,
            actor=provisioner.actor,
            action="users.email_changed",
            subject_type="user",
            subject_id=account.id,
            data={"old": account.email, "new": email},
        )
        session.execute(
            update(Participant)
            .where(Participant.user_id == account.id, Participant.email == account.email)
            .values(email=email)
        )
        account.email = email
    account.display_name = _display_name(resource, email)
    managed.external_id = resource.external_id
    active = True if resource.active is None else bool(resource.active)
    if active != account.is_active:
        _set_active(session, provisioner, account, active)
    managed.updated_at = utcnow()
    session.flush()


def _set_active(session: Session, provisioner: Provisioner, account: Account, active: bool) -> None:
    account.is_active = active
    data: dict[str, int] = {}
    if not active:
        data["web_sessions_ended"] = web_sessions.end_all(session=session, user_id=account.id)
        revoked = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == account.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        data["api_tokens_revoked"] = revoked.rowcount
    audit.record(
        session=session,
        actor=provisioner.actor,
        action="user.activated" if active else "user.deactivated",
        subject_type="user",
        subject_id=account.id,
        data=data,
    )


def replace_user(
    *, session: Session, principal: object, user_id: str, payload: object, base_url: str
) -> User:
    provisioner = _require(principal)
    account, managed = _managed(session, user_id)
    resource = _parse(User, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    _apply(session, provisioner, account, managed, resource, _email_of(resource))
    return user_resource(account, managed, base_url)


def patch_user(
    *, session: Session, principal: object, user_id: str, payload: object, base_url: str
) -> User:
    provisioner = _require(principal)
    account, managed = _managed(session, user_id)
    operations = _parse(PatchOp[User], payload, Context.RESOURCE_PATCH_REQUEST)
    resource = user_resource(account, managed, base_url)
    try:
        operations.patch(resource)
    except SCIMException as exc:
        raise ScimError(exc.status, exc.detail, exc.scim_type or None) from None
    _apply(session, provisioner, account, managed, resource, _email_of(resource))
    return user_resource(account, managed, base_url)


def delete_user(*, session: Session, principal: object, user_id: str) -> None:
    """Deactivate the person and let go of the account; their history stays."""
    provisioner = _require(principal)
    account, managed = _managed(session, user_id)
    for membership in session.scalars(
        select(ScimGroupMember).where(ScimGroupMember.user_id == account.id)
    ):
        group = session.get(ScimGroup, membership.group_id)
        _leave(session, provisioner, group, account)
        session.delete(membership)
    if account.is_active:
        _set_active(session, provisioner, account, False)
    session.delete(managed)
    audit.record(
        session=session,
        actor=provisioner.actor,
        action="scim.user_released",
        subject_type="user",
        subject_id=account.id,
    )
    session.flush()


# Groups -------------------------------------------------------------------------------

_SEAT = re.compile(r"^(?P<program>.+?)\s+(?P<role>mentors|mentees)$", re.IGNORECASE)


def mapped_program(session: Session, group: ScimGroup) -> tuple[Program, Role] | None:
    """The program and role a group's name gives its members: "<program name> mentors" or
    "<program name> mentees" (its displayName, or else its externalId)."""
    for name in (group.display_name, group.external_id):
        found = _SEAT.match((name or "").strip())
        if found is None:
            continue
        program = session.scalars(
            select(Program).where(func.lower(Program.name) == found["program"].lower())
        ).first()
        if program is not None:
            role = Role.mentor if found["role"].lower() == "mentors" else Role.mentee
            return program, role
    return None


def _join(session: Session, provisioner: Provisioner, group: ScimGroup, account: Account) -> None:
    mapped = mapped_program(session, group)
    if mapped is None:
        return
    program, role = mapped
    seat = session.scalars(
        select(Participant).where(
            Participant.program_id == program.id,
            or_(Participant.user_id == account.id, Participant.email == account.email),
        )
    ).first()
    if seat is None:
        session.add(
            Participant(
                program_id=program.id,
                user_id=account.id,
                external_id=f"scim-{account.id}",
                name=account.display_name,
                email=account.email,
                role=str(role),
            )
        )
    elif seat.role != "both" and seat.role != str(role):
        seat.role = "both"
        seat.updated_at = utcnow()
    accounts.grant_role(
        session=session, user=account, role=role, program_id=program.id, actor=provisioner.actor
    )


def _leave(session: Session, provisioner: Provisioner, group: ScimGroup, account: Account) -> None:
    mapped = mapped_program(session, group)
    if mapped is None:
        return
    program, role = mapped
    removed = session.execute(
        delete(RoleAssignment).where(
            RoleAssignment.user_id == account.id,
            RoleAssignment.role == role,
            RoleAssignment.program_id == program.id,
        )
    )
    session.expire(account, ["roles"])
    if removed.rowcount:
        audit.record(
            session=session,
            actor=provisioner.actor,
            action="user.role_revoked",
            subject_type="user",
            subject_id=account.id,
            program_id=program.id,
            data={"role": str(role), "group": group.display_name},
        )


def group_resource(session: Session, group: ScimGroup, base_url: str) -> Group:
    members = session.execute(
        select(Account.id, Account.display_name)
        .join(ScimGroupMember, ScimGroupMember.user_id == Account.id)
        .where(ScimGroupMember.group_id == group.id)
        .order_by(Account.id)
    ).all()
    return Group(
        id=str(group.id),
        display_name=group.display_name,
        external_id=group.external_id,
        members=[
            GroupMember(value=str(i), display=name, ref=f"{base_url}/Users/{i}", type="User")
            for i, name in members
        ]
        or None,
        meta=_meta("Group", f"{base_url}/Groups/{group.id}", group.created_at, group.updated_at),
    )


def _group(session: Session, group_id: str) -> ScimGroup:
    group = (
        session.get(ScimGroup, int(group_id)) if group_id.isdigit() and len(group_id) < 19 else None
    )
    if group is None:
        raise ScimError(404, f"No group with id {group_id!r}.")
    return group


def _set_members(
    session: Session, provisioner: Provisioner, group: ScimGroup, wanted: list[GroupMember] | None
) -> None:
    ids: list[int] = []
    for member in wanted or []:
        account, _ = _managed(session, str(member.value or ""))
        ids.append(account.id)
    current = {
        m.user_id: m
        for m in session.scalars(
            select(ScimGroupMember).where(ScimGroupMember.group_id == group.id)
        )
    }
    for user_id in set(ids) - set(current):
        session.add(ScimGroupMember(group_id=group.id, user_id=user_id))
        _join(session, provisioner, group, session.get(Account, user_id))
    for user_id in set(current) - set(ids):
        _leave(session, provisioner, group, session.get(Account, user_id))
        session.delete(current[user_id])
    session.flush()


def _apply_group(
    session: Session, provisioner: Provisioner, group: ScimGroup, resource: Group
) -> None:
    if not resource.display_name or not resource.display_name.strip():
        raise ScimError(400, "displayName is required.", "invalidValue")
    before = {
        m.user_id
        for m in session.scalars(
            select(ScimGroupMember).where(ScimGroupMember.group_id == group.id)
        )
    }
    renamed = (group.display_name, group.external_id) != (
        resource.display_name.strip()[:255],
        resource.external_id,
    )
    if renamed and before:
        # The name decides the program: members leave the old mapping, then join the new.
        for user_id in before:
            _leave(session, provisioner, group, session.get(Account, user_id))
    group.display_name = resource.display_name.strip()[:255]
    group.external_id = resource.external_id
    if renamed and before:
        for user_id in before:
            _join(session, provisioner, group, session.get(Account, user_id))
    _set_members(session, provisioner, group, resource.members)
    group.updated_at = utcnow()
    session.flush()


def create_group(*, session: Session, principal: object, payload: object, base_url: str) -> Group:
    provisioner = _require(principal)
    resource = _parse(Group, payload, Context.RESOURCE_CREATION_REQUEST)
    name = (resource.display_name or "").strip()
    if (
        name
        and session.scalars(
            select(ScimGroup).where(func.lower(ScimGroup.display_name) == name.lower())
        ).first()
    ):
        raise ScimError(409, f"A group named {name!r} already exists.", "uniqueness")
    group = ScimGroup(display_name=name[:255] or "?", external_id=resource.external_id)
    session.add(group)
    session.flush()
    _apply_group(session, provisioner, group, resource)
    audit.record(
        session=session,
        actor=provisioner.actor,
        action="scim.group_created",
        subject_type="scim_group",
        subject_id=group.id,
        data={"display_name": group.display_name},
    )
    return group_resource(session, group, base_url)


def get_group(*, session: Session, principal: object, group_id: str, base_url: str) -> Group:
    _require(principal)
    return group_resource(session, _group(session, group_id), base_url)


def list_groups(
    *,
    session: Session,
    principal: object,
    filter: str | None,
    start_index: str | None,
    count: str | None,
    base_url: str,
) -> ListResponse[Group]:
    _require(principal)
    query = select(ScimGroup)
    wanted = _equality(filter, {"displayname", "externalid", "id"})
    if wanted is not None:
        attribute, value = wanted
        if attribute == "displayname":
            query = query.where(func.lower(ScimGroup.display_name) == value.strip().lower())
        elif attribute == "externalid":
            query = query.where(ScimGroup.external_id == value)
        else:
            query = query.where(ScimGroup.id == (int(value) if value.isdigit() else -1))
    start, size = _page(start_index, count)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(ScimGroup.id).offset(start - 1).limit(size)).all()
    return ListResponse[Group](
        total_results=total,
        start_index=start,
        items_per_page=len(rows),
        resources=[group_resource(session, g, base_url) for g in rows] or None,
    )


def replace_group(
    *, session: Session, principal: object, group_id: str, payload: object, base_url: str
) -> Group:
    provisioner = _require(principal)
    group = _group(session, group_id)
    resource = _parse(Group, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    _apply_group(session, provisioner, group, resource)
    return group_resource(session, group, base_url)


def patch_group(
    *, session: Session, principal: object, group_id: str, payload: object, base_url: str
) -> Group:
    provisioner = _require(principal)
    group = _group(session, group_id)
    operations = _parse(PatchOp[Group], payload, Context.RESOURCE_PATCH_REQUEST)
    resource = group_resource(session, group, base_url)
    try:
        operations.patch(resource)
    except SCIMException as exc:
        raise ScimError(exc.status, exc.detail, exc.scim_type or None) from None
    _apply_group(session, provisioner, group, resource)
    return group_resource(session, group, base_url)


def delete_group(*, session: Session, principal: object, group_id: str) -> None:
    provisioner = _require(principal)
    group = _group(session, group_id)
    _set_members(session, provisioner, group, [])
    audit.record(
        session=session,
        actor=provisioner.actor,
        action="scim.group_deleted",
        subject_type="scim_group",
        subject_id=group.id,
        data={"display_name": group.display_name},
    )
    session.delete(group)
    session.flush()
