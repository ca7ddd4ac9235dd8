"""A program's team chat: the Slack or Teams incoming webhook its coordinator notices go to.

Only coordinator notices (a matching run awaiting approval, a stalled pair) are posted
there; personal notifications never are, whatever a person chose.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.notifications import policy
from companion.notifications.models import TeamChat
from companion.notifications.schemas import TeamChatPublic

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
    *, session: Session, program_id: int, webhook_url: str, principal: Principal
) -> TeamChatPublic:
    """Point the program's coordinator notices at an incoming webhook (https only)."""
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
