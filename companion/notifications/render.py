"""Notification emails from Jinja2 templates (a plain-text and an HTML part), and the
calendar invitation or cancellation attached to a session's notice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress
from jinja2 import Environment, PackageLoader, StrictUndefined

from companion.relationships.calendar import PRODID

_loader = PackageLoader("companion.notifications", "templates")
TEXT = Environment(
    loader=_loader, autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
)
HTML = Environment(loader=_loader, autoescape=True, undefined=StrictUndefined)


@dataclass(frozen=True)
class Section:
    """One part of an email: a heading, paragraphs, labelled facts, quoted messages."""

    heading: str = ""
    paragraphs: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    quotes: tuple[tuple[str, str], ...] = ()  # (who, what they wrote)
    link: tuple[str, str] | None = None  # (label, url)


@dataclass(frozen=True)
class Content:
    """What one notification says, before it is put into an email or a digest."""

    subject: str
    greeting_name: str
    sections: tuple[Section, ...]
    unsubscribe: tuple[str, str] | None = None  # (what it turns off, url)
    settings_url: str = ""
    calendar: tuple[str, str] | None = None  # (METHOD, ics text)
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def _tidy(text: str) -> str:
    """At most one empty line in a row, whatever the template's conditionals left."""
    return re.sub(r"\n{3,}", "\n\n", text).lstrip("\n")


def email(content: Content) -> Email:
    values = {"content": content}
    return Email(
        subject=content.subject,
        text=_tidy(TEXT.get_template("email.txt.j2").render(values)),
        html=HTML.get_template("email.html.j2").render(values),
    )


def digest(*, subject: str, greeting_name: str, items: list[Content], settings_url: str) -> Email:
    values = {
        "subject": subject,
        "greeting_name": greeting_name,
        "items": items,
        "settings_url": settings_url,
    }
    return Email(
        subject=subject,
        text=_tidy(TEXT.get_template("digest.txt.j2").render(values)),
        html=HTML.get_template("digest.html.j2").render(values),
    )


def team_chat(content: Content) -> str:
    """The plain text of a coordinator notice for a team chat (escaped when it is posted)."""
    return TEXT.get_template("team_chat.txt.j2").render({"content": content}).strip()


@dataclass(frozen=True)
class Invitation:
    """A session as a calendar invitation (REQUEST) or cancellation (CANCEL)."""

    uid: str
    sequence: int
    starts_at: datetime
    duration_minutes: int
    summary: str
    description: str
    organizer: tuple[str, str]  # (name, email) of the service that sends it
    attendees: tuple[tuple[str, str], ...]
    cancelled: bool
    stamp: datetime


def invitation_ics(invitation: Invitation) -> tuple[str, str]:
    """(METHOD, iCalendar text): the same UID every time, SEQUENCE as the session has it."""
    method = "CANCEL" if invitation.cancelled else "REQUEST"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    starts_at = invitation.starts_at.astimezone(UTC)
    event = Event.new(
        uid=invitation.uid,
        stamp=invitation.stamp.astimezone(UTC),
        start=starts_at,
        end=starts_at + timedelta(minutes=invitation.duration_minutes),
        summary=invitation.summary,
        description=invitation.description or None,
        status="CANCELLED" if invitation.cancelled else "CONFIRMED",
        sequence=invitation.sequence,
        organizer=_address(*invitation.organizer, role=None),
        attendees=[_address(name, mail) for name, mail in invitation.attendees],
    )
    calendar.add_component(event)
    return method, calendar.to_ical().decode()


def _address(name: str, email: str, role: str | None = "REQ-PARTICIPANT") -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    if role:
        address.params["ROLE"] = role
    return address
