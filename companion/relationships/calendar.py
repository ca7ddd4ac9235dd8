"""Sessions as an iCalendar feed that people subscribe to from Outlook, Google or Apple Calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDuration, vText

PRODID = "-//Mentoring Companion//Mentoring Companion//EN"
STATUSES = ("CONFIRMED", "CANCELLED", "TENTATIVE")

# Subscribed feeds are polled at the client's discretion; both hints ask for an
# hourly refresh (REFRESH-INTERVAL from RFC 7986, X-PUBLISHED-TTL for Outlook),
# so that a moved or cancelled session shows up the same day.
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEvent:
    """One session as it appears in the feed."""

    uid: str  # stable across updates, e.g. "session-12@mentoring-companion"
    starts_at: datetime  # aware
    duration_minutes: int
    summary: str
    description: str = ""
    status: str = "CONFIRMED"  # one of STATUSES
    sequence: int = 0  # raise it on every change, so that clients replace their copy
    updated_at: datetime | None = None  # DTSTAMP and LAST-MODIFIED; None means now
    attendees: tuple[tuple[str, str], ...] = ()  # (name, email)
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.uid:
            raise ValueError("an event needs a uid, e.g. 'session-12@mentoring-companion'")
        _require_aware(self.starts_at, f"{self.uid}: starts_at")
        if self.updated_at is not None:
            _require_aware(self.updated_at, f"{self.uid}: updated_at")
        if self.duration_minutes <= 0:
            raise ValueError(
                f"{self.uid}: duration_minutes must be positive, not {self.duration_minutes}"
            )
        if self.status not in STATUSES:
            raise ValueError(
                f"{self.uid}: status must be one of {', '.join(STATUSES)}, not {self.status!r}"
            )
        if self.sequence < 0:
            raise ValueError(f"{self.uid}: sequence must be 0 or more, not {self.sequence}")


def to_ics(events: Sequence[CalendarEvent], *, calendar_name: str) -> bytes:
    """The events as one VCALENDAR (possibly with no events), times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # icalendar does not know X- properties and would write their values raw: the
    # name could break the feed with a line break, and a timedelta would come out
    # as "1:00:00" rather than "PT1H". Typed values are escaped and formatted.
    calendar.add("x-wr-calname", vText(calendar_name))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    # One stamp for the whole feed, so that events without updated_at agree.
    now = datetime.now(UTC)
    for event in events:
        calendar.add_component(_vevent(event, now=now))
    return calendar.to_ical()


def _vevent(event: CalendarEvent, *, now: datetime) -> Event:
    starts_at = event.starts_at.astimezone(UTC)
    updated_at = (event.updated_at or now).astimezone(UTC)
    return Event.new(
        uid=event.uid,
        stamp=updated_at,
        start=starts_at,
        end=starts_at + timedelta(minutes=event.duration_minutes),
        summary=event.summary,
        description=event.description or None,
        status=event.status,
        sequence=event.sequence,
        last_modified=updated_at,
        attendees=[_attendee(name, email) for name, email in event.attendees],
        url=event.url,
    )


def _attendee(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    address.params["ROLE"] = "REQ-PARTICIPANT"
    return address


def _require_aware(moment: datetime, name: str) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(UTC)), not {moment}")
