"""Notify people when a draft is delivered, through an outbox that only ever sends approved text.

A draft is meant for certain people: its text goes only to them, by an email of
their own. A webhook posts to a channel that others read, so it only says that
something is ready and where to read it after signing in.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from companion import outbound
from companion.accounts import service as accounts
from companion.accounts.models import User
from companion.audit import service as audit
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput, InvalidTransition, NotFound
from companion.programs.models import Program
from companion.review import delivery
from companion.review.models import OutboxMessage, OutboxStatus
from companion.settings import Settings

WEBHOOK = "webhook"
EMAIL = "email"
SEND_TIMEOUT_SECONDS = 10
MAX_SUBJECT_LENGTH = 300  # the width of OutboxMessage.subject
# A dispatcher claims a message before sending it by moving its next attempt
# CLAIM_SECONDS ahead: other dispatchers leave it alone until then, and if the
# claimant dies mid-send the message simply falls due again. Five minutes is far
# longer than one send can take (SEND_TIMEOUT_SECONDS per network step).
CLAIM_SECONDS = 300
CLAIMED = "claimed by a dispatcher that has not finished sending it"
# Committed just before the send starts. A claim that lapses with this mark means the
# dispatcher stopped after the message may have left (after the SMTP server or the
# webhook had it, before the send was recorded): it is never sent again.
SENDING = "being sent by a dispatcher that has not recorded the outcome"
UNCONFIRMED = (
    "the dispatcher stopped while sending it; it may have been delivered, so it is not sent again"
)
# The only headers a queued email may set beyond those every email gets.
EXTRA_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
# The iTIP methods a calendar part may carry (RFC 5546): an invitation or update, a cancellation.
CALENDAR_METHODS = ("REQUEST", "CANCEL")
NEUTRAL_HEADLINE = "A reviewed draft is ready for a participant of {program}"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch did with the messages that were due."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


class _SendFailed(Exception):
    """A message could not be sent; the reason is short and holds no secrets."""


class _Refused(_SendFailed):
    """A message the server will not send, however often it tries (a webhook whose host
    is not public): it fails at once rather than being retried."""


def enqueue(
    *,
    session: Session,
    draft: Draft,
    recipients: Sequence[tuple[str, str]],
    settings: Settings,
    headline: str,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue one webhook message and one email per recipient (name, address) for a draft.

    Only a delivered draft is announced, and each message stores the exact text it
    will send. The webhook gets a neutral headline naming only the program, and the
    link to the draft. An email gets the headline, the approved text and the link when
    its address is that of an account the delivery gate lets read the draft; any other
    address gets what the webhook gets.
    """
    if draft.status != DraftStatus.delivered:
        raise InvalidTransition(
            f"Draft {draft.id} is {draft.status.value}; only a delivered draft can be announced."
        )
    if draft.id is None:
        raise ValueError("flush the draft before queueing notifications for it")
    subject = " ".join(headline.split())  # a header may not span lines
    if not subject:
        raise InvalidInput("The headline of a notification must not be empty.", field="headline")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(
            f"The headline is longer than {MAX_SUBJECT_LENGTH} characters.", field="headline"
        )
    now = now or datetime.now(UTC)
    link = f"{settings.public_url.rstrip('/')}/drafts/{draft.id}"
    neutral = _neutral_headline(session, draft)
    announcement = f"{neutral}\n\nSign in to read it: {link}"

    messages: list[OutboxMessage] = []
    if settings.webhook_url:
        # {"text": ...} is the one payload both Slack and Teams incoming webhooks accept.
        messages.append(
            _queued(
                draft, WEBHOOK, settings.webhook_url, "", announcement, {"text": announcement}, now
            )
        )
    if settings.smtp_host:
        for name, address in _unique_addresses(recipients):
            if _is_reader(session, draft, address):
                message = _queued(
                    draft,
                    EMAIL,
                    address,
                    subject,
                    # Said where they read it: AI helped draft it, and who approved it.
                    f"{subject}\n\n{draft.text}\n\n{delivery.disclosure(draft)}\n\n{link}",
                    {"name": name},
                    now,
                )
            else:
                message = _queued(draft, EMAIL, address, neutral, announcement, {"name": name}, now)
            messages.append(message)
    session.add_all(messages)
    session.flush()
    return messages


def enqueue_account_email(
    *,
    session: Session,
    user: User,
    subject: str,
    body: str,
    settings: Settings,
    now: datetime | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    calendar: tuple[str, str] | None = None,
) -> OutboxMessage:
    """Queue an email about an account (an invitation, a reset link, a notice) to its owner.

    It goes to the address on file and nowhere else; once sent, its body (which
    may hold a one-time link) is not kept. `html`, when given, is sent as the
    alternative part beside the plain text `body`; `headers` may set only the
    list headers of `EXTRA_HEADERS` (a one-click unsubscribe, RFC 8058). `calendar`,
    (method, iCalendar text), is attached as a calendar invitation or update.
    """
    if not settings.smtp_host:
        raise InvalidInput("Email is not configured here (COMPANION_SMTP_HOST).", field="email")
    (name, address), *_ = _unique_addresses([(user.display_name, user.email)])
    unknown = sorted(set(headers or {}) - set(EXTRA_HEADERS))
    if unknown:
        raise InvalidInput(f"An email may not set the header {unknown[0]!r}.", field="headers")
    payload: dict[str, Any] = {"name": name, "user_id": user.id}
    if html is not None:
        payload["html"] = html
    if headers:
        payload["headers"] = {key: " ".join(value.split()) for key, value in headers.items()}
    if calendar is not None:
        method, ics = calendar
        if method not in CALENDAR_METHODS:
            raise InvalidInput(f"A calendar part may not have method {method!r}.", field="calendar")
        payload["calendar"] = {"method": method, "ics": ics}
    now = now or datetime.now(UTC)
    message = OutboxMessage(
        draft_id=None,
        channel=EMAIL,
        target=address,
        subject=" ".join(subject.split())[:MAX_SUBJECT_LENGTH],
        body=body,
        payload=payload,
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def enqueue_notice(
    *,
    session: Session,
    webhook_url: str,
    text: str,
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue a post to a team chat's incoming webhook (Slack or Teams), about no draft.

    The text is escaped for Slack when it is sent, as every webhook post is, and the
    address is resolved and checked when it is sent (`companion.outbound`): a coordinator
    chose it.
    """
    now = now or datetime.now(UTC)
    message = OutboxMessage(
        draft_id=None,
        channel=WEBHOOK,
        target=webhook_url,
        subject="",
        body=text,
        payload={"text": text},
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def dispatch(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    max_attempts: int = 5,
    base_delay_seconds: int = 30,
) -> DispatchReport:
    """Send every due message, oldest first; back off exponentially on failure.

    Several dispatchers (one per server process) may run at once: each message is
    claimed, and the claim committed, before it is sent, so only one of them sends
    it. A message whose draft is no longer delivered (e.g. withdrawn) is cancelled
    unsent.

    A job rather than a service of a request: it opens a database session of its
    own and commits each claim and each settled message as it goes, since a claim
    is of no use until other dispatchers can see it. It never commits a session it
    is handed, so nothing a caller had pending is committed on its behalf.
    """
    with sessions() as session:
        return _dispatch(
            session,
            settings,
            now=now or datetime.now(UTC),
            max_attempts=max_attempts,
            base_delay_seconds=base_delay_seconds,
        )


def _dispatch(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    max_attempts: int,
    base_delay_seconds: int,
) -> DispatchReport:
    due = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.last_error,
        )
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    # End the reading transaction: on SQLite (WAL) a transaction that has read
    # cannot write once another connection has committed, so each claim below
    # starts a transaction of its own with its UPDATE.
    session.commit()
    sent = retried = failed = cancelled = 0
    for candidate in due:
        message = _claim(session, candidate, until=now + timedelta(seconds=CLAIM_SECONDS))
        if message is None:
            session.commit()
            continue  # another dispatcher claimed or settled it since it was read
        # Read the status from the database, not from an object this session may
        # have loaded before another transaction withdrew the draft.
        draft_state = session.execute(
            select(Draft.status, Draft.program_id).where(Draft.id == message.draft_id)
        ).one_or_none()
        program_id = draft_state.program_id if draft_state else None
        about_draft = message.draft_id is not None
        if about_draft and (draft_state is None or draft_state.status != DraftStatus.delivered):
            message.status = OutboxStatus.cancelled
            message.last_error = "the draft is no longer delivered"
            _settle(session, message, "outbox.cancelled", program_id)
            cancelled += 1
            continue
        if candidate.last_error == SENDING:
            # The claim lapsed after the send began and before its outcome was
            # recorded: the message may well have arrived. Sending it again could
            # deliver it twice, so it stops here, marked for a person to check.
            message.status = OutboxStatus.failed
            message.last_error = UNCONFIRMED
            _settle(session, message, "outbox.failed", program_id)
            failed += 1
            continue
        if message.attempts >= max_attempts:
            # A claim that lapsed on the last attempt (or max_attempts was lowered):
            # no attempt is left to retry.
            message.status = OutboxStatus.failed
            _settle(session, message, "outbox.failed", program_id)
            failed += 1
            continue
        # Counted, and marked as being sent, before sending: an interrupted try counts,
        # and a dispatcher that dies from here on leaves the mark behind.
        message.attempts += 1
        message.last_error = SENDING
        session.commit()
        try:
            _send(message, settings, now)
        except _SendFailed as exc:
            message.last_error = str(exc)
            if isinstance(exc, _Refused):
                log.warning("outbox message %s not sent: %s", message.id, exc)
            if isinstance(exc, _Refused) or message.attempts >= max_attempts:
                message.status = OutboxStatus.failed
                _settle(session, message, "outbox.failed", program_id)
                failed += 1
            else:
                delay = base_delay_seconds * 2 ** (message.attempts - 1)
                message.next_attempt_at = now + timedelta(seconds=delay)
                session.commit()
                retried += 1
            continue
        message.status = OutboxStatus.sent
        message.sent_at = now
        if not about_draft:
            # Either part may hold a one-time link, which must not outlive the send.
            message.body = ""
            message.payload = {k: v for k, v in message.payload.items() if k != "html"}
        message.last_error = ""
        _settle(session, message, "outbox.sent", program_id)
        sent += 1
    return DispatchReport(sent=sent, retried=retried, failed=failed, cancelled=cancelled)


@dataclass(frozen=True)
class LinkedDraft:
    """A delivered draft a notification linked to, and where it stands in its reader's
    inbox among the drafts of its kind (0 for the newest)."""

    draft: Draft
    position: int


def linked_draft(*, session: Session, user: User, draft_id: int) -> LinkedDraft:
    """The delivered draft a notification links to, if the delivery gate lets `user` read
    it; otherwise the same NotFound as for an id that does not exist."""
    draft = session.get(Draft, draft_id)
    position = _inbox_position(session, draft, user) if draft is not None else None
    if draft is None or position is None:
        raise NotFound(f"No draft with id {draft_id}.")
    return LinkedDraft(draft=draft, position=position)


def pending_count(session: Session) -> int:
    """Messages still waiting to be sent, due or not, or being sent right now."""
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.pending)
        )
        or 0
    )


def _neutral_headline(session: Session, draft: Draft) -> str:
    program = session.get(Program, draft.program_id) if draft.program_id else None
    name = " ".join(program.name.split()) if program else "your mentoring program"
    return NEUTRAL_HEADLINE.format(program=name)


def _is_reader(session: Session, draft: Draft, address: str) -> bool:
    """Whether `address` is that of an account the delivery gate lets read the draft.

    A recipient's address comes from what an importer typed: the text goes only to an
    account's own address, and only if that account may read the draft.
    """
    user = accounts.get_by_email(session=session, email=address)
    return user is not None and user.is_active and _inbox_position(session, draft, user) is not None


def _inbox_position(session: Session, draft: Draft, user: User) -> int | None:
    """Where the draft stands among those of its kind delivered to `user`, newest first,
    or None if the delivery gate does not let `user` read it."""
    return delivery.position_of(session=session, draft=draft, principal=user)


def _queued(
    draft: Draft,
    channel: str,
    target: str,
    subject: str,
    body: str,
    payload: dict[str, str],
    now: datetime,
) -> OutboxMessage:
    return OutboxMessage(
        draft_id=draft.id,
        channel=channel,
        target=target,
        subject=subject,
        body=body,
        payload=payload,
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )


def _claim(
    session: Session, candidate: Row[tuple[int, int, datetime, str]], *, until: datetime
) -> OutboxMessage | None:
    """Claim a due message as it was read, or return None if it has changed since.

    The UPDATE succeeds only while the row is still pending with the attempts and
    next attempt it was read with, so of several dispatchers one claims it.
    """
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == candidate.id,
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.attempts == candidate.attempts,
            OutboxMessage.next_attempt_at == candidate.next_attempt_at,
        )
        .values(
            next_attempt_at=until,
            # Keep the mark of a send that began: the claimant must see it.
            last_error=SENDING if candidate.last_error == SENDING else CLAIMED,
        ),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get_one(OutboxMessage, candidate.id, populate_existing=True)


def _settle(session: Session, message: OutboxMessage, action: str, program_id: int | None) -> None:
    """Record a message's final state and commit it.

    Flushed before auditing, so that on SQLite the transaction holds the write lock
    before it reads the latest audit event to chain the new one to.
    """
    session.flush()
    _record(session, message, action, program_id)
    session.commit()


def _unique_addresses(recipients: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """One (name, address) per address, in the order given; refuse what cannot be sent to."""
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for name, address in recipients:
        address = address.strip()
        if address.count("@") != 1 or any(c.isspace() or c in "<>,;" for c in address):
            raise InvalidInput(f"{address!r} is not an email address.", field="recipients")
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append((" ".join(name.split()), address))
    return unique


def _send(message: OutboxMessage, settings: Settings, now: datetime) -> None:
    if message.channel == WEBHOOK:
        _post_webhook(message, settings)
    elif message.channel == EMAIL:
        _send_email(message, settings, now)
    else:
        raise _SendFailed(f"unknown channel {message.channel!r}")


def _post_webhook(message: OutboxMessage, settings: Settings) -> None:
    # Escaped on the way out (not when queued), so messages queued before are escaped too.
    payload = {**message.payload, "text": _escape_for_slack(message.payload["text"])}
    # Error texts are built here rather than taken from httpx, whose messages
    # repeat the URL, and a webhook URL is itself a secret.
    # The same key on every attempt of a message, so a receiver that honours it drops
    # a repeat (e.g. of a send that timed out after the receiver had it).
    headers = {"Idempotency-Key": idempotency_key(message)}
    url: str | httpx.URL = message.target
    extensions: dict[str, Any] = {}
    if message.draft_id is None:
        # A team chat notice, to an address a coordinator chose: posted only to an address
        # checked now. A draft's announcement goes to the operator's own
        # COMPANION_WEBHOOK_URL, set in the server's environment like the allow-list.
        url, host_header, tls_name = _checked_destination(message.target, settings)
        headers["Host"] = host_header
        extensions["sni_hostname"] = tls_name
    try:
        # Never to where a redirect points: that address was not checked.
        with httpx.Client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(url, json=payload, headers=headers, extensions=extensions)
    except httpx.TimeoutException:
        raise _SendFailed("webhook timed out") from None
    except httpx.HTTPError as exc:
        raise _SendFailed(f"webhook unreachable ({type(exc).__name__})") from None
    if not response.is_success:
        raise _SendFailed(f"webhook answered HTTP {response.status_code}")


def _checked_destination(target: str, settings: Settings) -> tuple[httpx.URL, str, str]:
    """The URL to post to with its host replaced by an address checked just now, the Host
    header and the name TLS verifies the certificate against (both the original host's).

    Connecting to the address that was checked, rather than letting the client resolve
    the name again, leaves no moment in which the name can be made to point elsewhere.
    """
    try:
        parsed = httpx.URL(target)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeDecodeError):
        raise _Refused("webhook refused: not a URL the server posts to") from None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = outbound.check_addresses(
            host, outbound.resolve(host, port), allowed=settings.webhook_allowed_networks
        )
    except outbound.DestinationRefused as refused:
        raise _Refused(
            f"webhook refused: {refused}; the server posts only to public addresses "
            f"unless {outbound.ALLOW_SETTING} allows their network"
        ) from None
    except (OSError, UnicodeError):
        raise _SendFailed("webhook host did not resolve") from None
    address = addresses[0]
    # Plain http only to this machine: the address is a secret and the posts name people.
    if parsed.scheme != "https" and not (parsed.scheme == "http" and address.is_loopback):
        raise _Refused("webhook refused: plain http is only for this machine; use https")
    return parsed.copy_with(host=str(address)), parsed.netloc.decode("ascii"), host


def idempotency_key(message: OutboxMessage) -> str:
    """A key of this message alone, the same on every attempt to send it.

    Derived from the row's id and the moment it was queued, so a database that was
    reset and numbers its messages from 1 again does not repeat the keys it sent.
    """
    queued = message.created_at.isoformat(timespec="microseconds")
    digest = hashlib.sha256(f"{message.id}|{queued}".encode()).hexdigest()[:24]
    return f"outbox-{message.id}-{digest}"


def _escape_for_slack(text: str) -> str:
    """Show approved text as written: Slack reads <!channel>, <@U123> and <url|label> as markup.

    Slack asks for exactly these three characters to be escaped, & first; Teams
    shows the same entities as the characters they stand for.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _send_email(message: OutboxMessage, settings: Settings, now: datetime) -> None:
    if not settings.smtp_host:
        raise _SendFailed("SMTP is not configured")
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = formataddr((message.payload.get("name", ""), message.target))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    # The same on every attempt, so mail clients can tell a repeat from a new message;
    # an explicit domain, as looking up this host's name could hang.
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<{idempotency_key(message)}@{domain}>"
    for key, value in message.payload.get("headers", {}).items():
        if key in EXTRA_HEADERS:
            email[key] = value
    email.set_content(message.body)
    if message.payload.get("html"):
        email.add_alternative(message.payload["html"], subtype="html")
    if message.payload.get("calendar"):
        calendar = message.payload["calendar"]
        email.add_attachment(
            calendar["ics"],
            subtype="calendar",
            filename="invite.ics",
            params={"method": calendar["method"]},
        )
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                password = settings.smtp_password
                smtp.login(settings.smtp_user, password.get_secret_value() if password else "")
            smtp.send_message(email)
    except smtplib.SMTPResponseException as exc:
        # The code alone: a server's reply text may echo what the client sent.
        raise _SendFailed(f"SMTP server answered {exc.smtp_code}") from None
    except smtplib.SMTPRecipientsRefused:
        raise _SendFailed("SMTP server refused the recipient") from None
    except smtplib.SMTPException as exc:
        raise _SendFailed(f"SMTP failed ({type(exc).__name__})") from None
    except TimeoutError:
        raise _SendFailed("SMTP timed out") from None
    except OSError as exc:
        raise _SendFailed(f"SMTP unreachable ({type(exc).__name__})") from None


def _record(session: Session, message: OutboxMessage, action: str, program_id: int | None) -> None:
    """Audit a message's fate; never its text, and for a webhook only the host."""
    target = urlsplit(message.target).hostname if message.channel == WEBHOOK else message.target
    data: dict[str, str | int | None] = {
        "channel": message.channel,
        "target": target,
        "message_id": message.id,
    }
    if message.last_error:
        data["error"] = message.last_error
    about_draft = message.draft_id is not None
    audit.record(
        session=session,
        actor=audit.SYSTEM,
        action=action,
        subject_type="draft" if about_draft else "user",
        subject_id=message.draft_id if about_draft else message.payload.get("user_id", ""),
        program_id=program_id,
        data=data,
    )
