"""A program's team chat: the Slack or Teams incoming webhook its coordinator notices go to.

Only coordinator notices (a matching run awaiting approval, a stalled pair) are posted
there; personal notifications never are, whatever a person chose.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import outbound
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.notifications import policy
from companion.notifications.models import TeamChat
from companion.notifications.schemas import TeamChatPublic
from companion.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _public(program_id: int, chat: TeamChat | None) -> TeamChatPublic:
    if chat is None:
        return TeamChatPublic(program_id=program_id, configured=False)
    return TeamChatPublic(
        program_id=program_id,
        configured=True,
        host=urlsplit(chat.webhook_url).hostname,
        set_by=chat.set_by,
    )


def _chat(session: Session, program_id: int) -> TeamChat | None:
    return session.scalars(select(TeamChat).where(TeamChat.program_id == program_id)).first()


def read(*, session: Session, program_id: int, principal: Principal) -> TeamChatPublic:
    policy.require_team_chat_manager(session=session, principal=principal, program_id=program_id)
    return _public(program_id, _chat(session, program_id))


def set_webhook(
    *,
    session: Session,
    program_id: int,
    webhook_url: str,
    principal: Principal,
    settings: Settings,
) -> TeamChatPublic:
    """Point the program's coordinator notices at an incoming webhook (https only, and only
    to a public address unless the operator allows its network)."""
    policy.require_team_chat_manager(session=session, principal=principal, program_id=program_id)
    url = webhook_url.strip()
    parts = urlsplit(url)
    # Plain http only to this machine (a local relay, a test receiver): the address is a
    # secret and the posts name people, so neither crosses a network in the clear.
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput(
            "webhook_url: give the https address of a Slack or Teams incoming webhook.",
            field="webhook_url",
        )
    if len(url) > 500:
        raise InvalidInput("webhook_url: at most 500 characters.", field="webhook_url")
    _refuse_unless_public(url, settings)
    actor = actor_of(principal)
    chat = _chat(session, program_id)
    if chat is None:
        chat = TeamChat(program_id=program_id, webhook_url=url, set_by=actor.label)
        session.add(chat)
    else:
        chat.webhook_url = url
        chat.set_by = actor.label
        chat.updated_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="notifications.team_chat_set",
        subject_type="program",
        subject_id=program_id,
        program_id=program_id,
        # The host only: the address itself is a secret.
        data={"host": parts.hostname},
    )
    return _public(program_id, chat)


def _refuse_unless_public(url: str, settings: Settings) -> None:
    """Refuse an address that is, or now resolves to, one the server does not post to.

    A name that does not resolve now is taken: every send resolves it again and checks
    what it finds then (`companion.review.outbox`).
    """
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except (httpx.InvalidURL, UnicodeDecodeError):
        raise InvalidInput(
            "webhook_url: give the https address of a Slack or Teams incoming webhook.",
            field="webhook_url",
        ) from None
    try:
        addresses = outbound.resolve(host, port)
    except (OSError, UnicodeError):
        return
    try:
        outbound.check_addresses(host, addresses, allowed=settings.webhook_allowed_networks)
    except outbound.DestinationRefused as refused:
        raise InvalidInput(
            f"webhook_url: {refused}, and the server posts only to public addresses. Give "
            "the public https address of the Slack or Teams incoming webhook; for a relay on "
            "this machine or your own network, the server's operator must allow its network "
            f"first ({outbound.ALLOW_SETTING}).",
            field="webhook_url",
        ) from None


def clear(*, session: Session, program_id: int, principal: Principal) -> TeamChatPublic:
    policy.require_team_chat_manager(session=session, principal=principal, program_id=program_id)
    chat = _chat(session, program_id)
    if chat is not None:
        session.delete(chat)
        session.flush()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="notifications.team_chat_cleared",
            subject_type="program",
            subject_id=program_id,
            program_id=program_id,
        )
    return _public(program_id, None)
