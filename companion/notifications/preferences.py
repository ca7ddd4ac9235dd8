"""Each person's choice per kind (immediately, in a daily digest, or off), and the
one-click unsubscribe link that turns one kind off for one person."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.models import Role, User
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import InvalidInput, NotFound
from companion.notifications import policy
from companion.notifications.models import Delivery, Kind, NotificationPreference
from companion.notifications.schemas import KindPreference, PreferencesPublic

DEFAULTS: dict[Kind, Delivery] = {
    Kind.match_approved: Delivery.immediately,
    Kind.session_proposed: Delivery.immediately,
    Kind.session_confirmed: Delivery.immediately,
    Kind.session_changes: Delivery.immediately,
    Kind.session_reminder: Delivery.immediately,
    Kind.thread_messages: Delivery.digest,
    Kind.feedback_due: Delivery.immediately,
    Kind.goal_shared: Delivery.immediately,
    # A program with many pairs can have several stall on one day: one email for them all.
    Kind.stalled_pairs: Delivery.digest,
    Kind.matching_runs: Delivery.immediately,
    Kind.community_question: Delivery.immediately,
}

# What each kind is, in the words the settings page and the emails use.
LABELS: dict[Kind, str] = {
    Kind.match_approved: "A match is approved for you",
    Kind.session_proposed: "A session time is proposed to you, or your proposal is answered",
    Kind.session_confirmed: "A session is confirmed (with the calendar invitation)",
    Kind.session_changes: "A confirmed session is moved or cancelled (with the calendar update)",
    Kind.session_reminder: "A reminder the day before a session, with its agenda",
    Kind.thread_messages: "New messages in your relationship threads",
    Kind.feedback_due: "Feedback is due after a session",
    Kind.goal_shared: "Mentors: your mentee shares a goal with you",
    Kind.stalled_pairs: "Coordinators: a pair in your program has stalled",
    Kind.matching_runs: "Coordinators: a matching run is waiting for approval",
    Kind.community_question: "Someone asks a community question you may be able to answer",
}

# The same, short, for "Stop emails about …" under each email.
TOPICS: dict[Kind, str] = {
    Kind.match_approved: "approved matches",
    Kind.session_proposed: "proposed session times",
    Kind.session_confirmed: "confirmed sessions",
    Kind.session_changes: "sessions moved or cancelled",
    Kind.session_reminder: "session reminders",
    Kind.thread_messages: "new thread messages",
    Kind.feedback_due: "feedback due",
    Kind.goal_shared: "goals shared with you",
    Kind.stalled_pairs: "stalled pairs",
    Kind.matching_runs: "matching runs awaiting approval",
    Kind.community_question: "community questions for you",
}

UNSUBSCRIBE_PREFIX = "unsubscribe-v1"


def delivery_for(session: Session, user_id: int, kind: Kind) -> Delivery:
    """The person's choice for the kind, or its default."""
    chosen = session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return chosen or DEFAULTS[kind]


def deliveries_for(session: Session, user_ids: list[int]) -> dict[tuple[int, Kind], Delivery]:
    """(user id, kind) -> choice, for many people in one query; defaults are not listed."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.delivery,
        ).where(NotificationPreference.user_id.in_(user_ids))
    ).all()
    return {(user_id, kind): delivery for user_id, kind, delivery in rows}


def read(*, session: Session, principal: Principal, user_id: int) -> PreferencesPublic:
    """A person's own choices, defaults filled in: every kind a participant can receive, and
    the coordinator kinds for those who coordinate."""
    user = policy.require_self(principal, user_id)
    chosen = deliveries_for(session, [user.id])
    coordinates = any(a.role == Role.coordinator for a in user.roles)
    return PreferencesPublic(
        kinds=[
            KindPreference(
                kind=kind,
                label=LABELS[kind],
                delivery=chosen.get((user.id, kind), DEFAULTS[kind]),
                default=DEFAULTS[kind],
            )
            for kind in Kind
            if coordinates or kind not in policy.COORDINATOR_KINDS
        ]
    )


def update(
    *, session: Session, principal: Principal, user_id: int, choices: dict[str, str]
) -> PreferencesPublic:
    """Set the person's choice for each kind given; every value is checked before any is set."""
    user = policy.require_self(principal, user_id)
    cleaned: dict[Kind, Delivery] = {}
    problems: list[dict[str, str]] = []
    for name, value in choices.items():
        try:
            kind = Kind(name)
        except ValueError:
            problems.append({"field": name, "message": "no such kind of notification"})
            continue
        try:
            cleaned[kind] = Delivery(value)
        except ValueError:
            problems.append({"field": name, "message": "choose immediately, digest or off"})
    if problems:
        raise InvalidInput(
            "The notification settings cannot be saved: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            + ".",
            details=problems,
        )
    changed = _store(session, user, cleaned)
    if changed:
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="notifications.preferences_changed",
            subject_type="user",
            subject_id=user.id,
            data={kind.value: delivery.value for kind, delivery in changed.items()},
        )
    return read(session=session, principal=principal, user_id=user.id)


def _store(session: Session, user: User, choices: dict[Kind, Delivery]) -> dict[Kind, Delivery]:
    existing = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed: dict[Kind, Delivery] = {}
    for kind, delivery in choices.items():
        row = existing.get(kind)
        before = row.delivery if row is not None else DEFAULTS[kind]
        if row is None:
            session.add(
                NotificationPreference(
                    user_id=user.id, kind=kind, delivery=delivery, updated_at=utcnow()
                )
            )
        else:
            row.delivery = delivery
            row.updated_at = utcnow()
        if before != delivery:
            changed[kind] = delivery
    session.flush()
    return changed


# --- one-click unsubscribe ------------------------------------------------------------

# The link of a daily digest stands for the digest: it turns off every kind this
# person receives in it (and nothing they receive immediately).
DIGEST = "digest"


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid unsubscribe link stands for: one kind (or the digest), for one person."""

    user: User
    kind: Kind | None  # None: the daily digest

    @property
    def label(self) -> str:
        return TOPICS[self.kind] if self.kind is not None else "what comes in your daily digest"


def _signature(secret: str, user_id: int, kind: str) -> str:
    message = f"{UNSUBSCRIBE_PREFIX}|{user_id}|{kind}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(*, secret: str, user_id: int, kind: Kind | str) -> str:
    """A link token for this person and kind (or `DIGEST`), signed with the server's
    secret key.

    It does not expire: an old email's link should still work. It can only ever
    turn this one kind off for this one person.
    """
    name = kind.value if isinstance(kind, Kind) else kind
    return f"{user_id}.{name}.{_signature(secret, user_id, name)}"


def _unsubscribe_of(session: Session, *, secret: str, token: str) -> Unsubscribe:
    missing = NotFound("This unsubscribe link is not valid. Open the notification settings.")
    user_part, _, rest = token.partition(".")
    kind_part, _, signature = rest.partition(".")
    known = kind_part == DIGEST or kind_part in Kind.__members__
    if not (user_part.isascii() and user_part.isdigit()) or not known or not signature:
        raise missing
    user_id = int(user_part)
    if not hmac.compare_digest(signature, _signature(secret, user_id, kind_part)):
        raise missing
    user = session.get(User, user_id)
    if user is None:
        raise missing
    return Unsubscribe(user=user, kind=None if kind_part == DIGEST else Kind(kind_part))


def check_unsubscribe(*, session: Session, secret: str, token: str) -> Unsubscribe:
    """What the link would turn off, for the confirmation page; a bad link is NotFound."""
    return _unsubscribe_of(session, secret=secret, token=token)


def unsubscribe(*, session: Session, secret: str, token: str) -> Unsubscribe:
    """Turn the link's kind off for the link's person. The signed token is the authority:
    no sign-in, and nothing else about the account can be changed through it."""
    found = _unsubscribe_of(session, secret=secret, token=token)
    if found.kind is not None:
        kinds = [found.kind]
    else:
        chosen = deliveries_for(session, [found.user.id])
        kinds = [k for k in Kind if chosen.get((found.user.id, k), DEFAULTS[k]) == Delivery.digest]
    changed = _store(session, found.user, dict.fromkeys(kinds, Delivery.off))
    if changed:
        audit.record(
            session=session,
            actor=audit.Actor(id=found.user.id, label=f"unsubscribe link of {found.user.email}"),
            action="notifications.unsubscribed",
            subject_type="user",
            subject_id=found.user.id,
            data={"kinds": [kind.value for kind in changed]},
        )
    return found
