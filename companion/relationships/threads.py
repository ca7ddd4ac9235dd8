"""A relationship's private asynchronous thread: questions and replies between sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.models import User
from companion.db import fetch_page
from companion.errors import Conflict, InvalidInput
from companion.participants.models import Participant
from companion.relationships import access
from companion.relationships.access import View
from companion.relationships.activity import unread_count, unread_counts
from companion.relationships.events import record, session_of
from companion.relationships.models import Message, RelationshipMember
from companion.relationships.schemas import MessagePublic, RelationshipUnread

BODY_MAX = 5000
PRIVATE = "Threads"

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Sentence punctuation that follows a link in prose is not part of it.
_TRAILING = ".,;:!?*"


@dataclass
class ThreadPage:
    """One page of a thread, oldest first, and what the reader has left unread after it."""

    items: list[MessagePublic]
    total: int
    unread: int


def links_in(text: str) -> list[str]:
    """The http(s) addresses in a message, in order, each once."""
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_TRAILING)
        # "(see https://example.org/a)" keeps its closing bracket outside the link,
        # "https://en.wikipedia.org/wiki/Foo_(bar)" keeps it inside.
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1].rstrip(_TRAILING)
        if url.partition("://")[2] and url not in found:
            found.append(url)
    return found


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(
            "body: write something before sending.",
            details=[{"field": "body", "message": "empty"}],
        )
    if len(body) > BODY_MAX:
        raise InvalidInput(
            f"body: at most {BODY_MAX} characters (this one has {len(body)}); "
            "split it into several messages.",
            details=[{"field": "body", "message": f"longer than {BODY_MAX} characters"}],
        )
    return body


def _mark_read(member: RelationshipMember, up_to: int) -> None:
    member.last_read_message_id = max(member.last_read_message_id, up_to)


def post(view: View, body: str) -> Message:
    """A member writes to the thread; the text is stored as written (clients escape it)."""
    member = view.require_member(PRIVATE)
    relationship = view.relationship
    if not relationship.status.is_open:
        raise Conflict(
            f"This relationship has ended ({relationship.status.value}); "
            "its thread can be read but not written to."
        )
    text = _clean_body(body)
    session = session_of(relationship)
    message = Message(relationship_id=relationship.id, author_id=member.participant_id, body=text)
    session.add(message)
    session.flush()
    _mark_read(member, message.id)
    record(
        view,
        view.actor,
        "threads.message_posted",
        message,
        message_id=message.id,
        length=len(text),
    )
    return message


def _authors(session: Session, view: View, messages: list[Message]) -> dict[int, Participant]:
    """Members by participant id, plus anyone who wrote here and has since left (circles)."""
    authors = dict(view.people)
    missing = {m.author_id for m in messages} - authors.keys()
    if missing:
        authors.update(
            (p.id, p)
            for p in session.scalars(select(Participant).where(Participant.id.in_(missing)))
        )
    return authors


def message_payload(
    message: Message, authors: dict[int, Participant], reader: RelationshipMember
) -> MessagePublic:
    author = authors[message.author_id]
    return MessagePublic(
        id=message.id,
        author=author.external_id,
        author_name=author.name,
        body=message.body,
        created_at=message.created_at,
        mine=message.author_id == reader.participant_id,
        links=links_in(message.body),
    )


def list_messages(view: View, *, limit: int, offset: int, mark_read: bool = True) -> ThreadPage:
    """A page of the thread, oldest first; reading it moves the reader's read pointer forward."""
    member = view.require_member(PRIVATE)
    session = session_of(view.relationship)
    rows, total = fetch_page(
        session,
        select(Message).where(Message.relationship_id == view.relationship.id),
        order_by=Message.id,
        limit=limit,
        offset=offset,
    )
    if mark_read and rows:
        _mark_read(member, rows[-1].id)
        session.flush()
    authors = _authors(session, view, rows)
    return ThreadPage(
        items=[message_payload(m, authors, member) for m in rows],
        total=total,
        unread=unread_count(session, member),
    )


def message_of(view: View, message: Message) -> MessagePublic:
    """One message as its author sees it right after posting."""
    member = view.require_member(PRIVATE)
    return message_payload(message, _authors(session_of(message), view, [message]), member)


def unread_for_user(*, session: Session, user: User) -> list[RelationshipUnread]:
    """Unread messages in each relationship the user is a member of, in any program."""
    ids = access.relationship_ids_of_user(session, user)
    if not ids:
        return []
    members = session.scalars(
        select(RelationshipMember)
        .join(Participant, Participant.id == RelationshipMember.participant_id)
        .where(RelationshipMember.relationship_id.in_(ids), Participant.user_id == user.id)
        .order_by(RelationshipMember.relationship_id)
    ).all()
    unread = unread_counts(session, list(members))
    return [
        RelationshipUnread(relationship_id=m.relationship_id, unread=unread[m.id]) for m in members
    ]
