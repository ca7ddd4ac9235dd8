"""The iCalendar feed of sessions, read back the way calendar clients read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vCalAddress

from companion.relationships.calendar import CalendarEvent, to_ics

BERLIN = ZoneInfo("Europe/Berlin")
STARTS_AT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
UPDATED_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def session(**changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": "session-12@mentoring-companion",
        "starts_at": STARTS_AT,
        "duration_minutes": 45,
        "summary": "Mentoring: Ana & Ben",
        "updated_at": UPDATED_AT,
        "attendees": (("Ana Müller", "ana@example.org"), ("Ben Lee", "ben@example.org")),
        **changes,
    }
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def read_back(ics: bytes) -> tuple[Calendar, list[Event]]:
    calendar = Calendar.from_ical(ics)
    return calendar, list(calendar.walk("VEVENT"))


def attendees(event: Event) -> list[vCalAddress]:
    value = event.get("ATTENDEE", [])
    return value if isinstance(value, list) else [value]


class TestCalendar:
    def test_feed_properties(self) -> None:
        ics = to_ics([session()], calendar_name="Ana & Ben")
        calendar, _ = read_back(ics)
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]) == "-//Mentoring Companion//Mentoring Companion//EN"
        assert str(calendar["CALSCALE"]) == "GREGORIAN"
        assert str(calendar["METHOD"]) == "PUBLISH"
        assert str(calendar["X-WR-CALNAME"]) == "Ana & Ben"
        assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
        assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in ics
        assert b"X-PUBLISHED-TTL:PT1H\r\n" in ics

    def test_an_empty_feed_is_a_valid_calendar(self) -> None:
        calendar, events = read_back(to_ics([], calendar_name="Ana & Ben"))
        assert events == []
        assert str(calendar["X-WR-CALNAME"]) == "Ana & Ben"
        assert str(calendar["VERSION"]) == "2.0"

    def test_a_line_break_in_the_name_cannot_add_a_property(self) -> None:
        calendar, _ = read_back(to_ics([], calendar_name="Ana\nX-INJECTED:1"))
        assert "X-INJECTED" not in calendar


class TestEvent:
    def test_fields_read_back(self) -> None:
        _, [event] = read_back(to_ics([session()], calendar_name="Ana & Ben"))
        assert str(event["UID"]) == "session-12@mentoring-companion"
        assert event.decoded("DTSTART") == STARTS_AT
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert event.decoded("DTEND") == STARTS_AT + timedelta(minutes=45)
        assert str(event["SUMMARY"]) == "Mentoring: Ana & Ben"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.decoded("SEQUENCE") == 0
        assert event.decoded("DTSTAMP") == UPDATED_AT
        assert event.decoded("LAST-MODIFIED") == UPDATED_AT
        assert "DESCRIPTION" not in event
        assert "URL" not in event

    def test_times_are_written_in_utc(self) -> None:
        in_berlin = STARTS_AT.astimezone(BERLIN)
        ics = to_ics([session(starts_at=in_berlin)], calendar_name="Ana & Ben")
        assert b"DTSTART:20260303T080000Z\r\n" in ics
        assert b"DTEND:20260303T084500Z\r\n" in ics

    @pytest.mark.parametrize(
        ("starts_at", "berlin_wall_clock"),
        [
            (datetime(2026, 3, 3, 8, 0, tzinfo=UTC), datetime(2026, 3, 3, 9, 0)),  # CET
            (datetime(2026, 7, 7, 7, 0, tzinfo=UTC), datetime(2026, 7, 7, 9, 0)),  # CEST
        ],
    )
    def test_start_is_the_expected_time_in_berlin(
        self, starts_at: datetime, berlin_wall_clock: datetime
    ) -> None:
        _, [event] = read_back(to_ics([session(starts_at=starts_at)], calendar_name="Ana & Ben"))
        in_berlin = event.decoded("DTSTART").astimezone(BERLIN)
        assert in_berlin.replace(tzinfo=None) == berlin_wall_clock
        assert in_berlin == berlin_wall_clock.replace(tzinfo=BERLIN)

    def test_attendees_are_required_participants_by_mail(self) -> None:
        _, [event] = read_back(to_ics([session()], calendar_name="Ana & Ben"))
        found = [(str(a), a.params["CN"], a.params["ROLE"]) for a in attendees(event)]
        assert found == [
            ("mailto:ana@example.org", "Ana Müller", "REQ-PARTICIPANT"),
            ("mailto:ben@example.org", "Ben Lee", "REQ-PARTICIPANT"),
        ]

    def test_a_name_with_a_comma_stays_one_attendee(self) -> None:
        event_data = session(attendees=(("Lee, Ben", "ben@example.org"),))
        _, [event] = read_back(to_ics([event_data], calendar_name="Ana & Ben"))
        [attendee] = attendees(event)
        assert attendee.params["CN"] == "Lee, Ben"

    def test_description_and_url_when_given(self) -> None:
        event_data = session(
            description="Agenda:\n- goals; next steps", url="https://companion.example/s/12"
        )
        _, [event] = read_back(to_ics([event_data], calendar_name="Ana & Ben"))
        assert str(event["DESCRIPTION"]) == "Agenda:\n- goals; next steps"
        assert str(event["URL"]) == "https://companion.example/s/12"

    def test_a_cancelled_event(self) -> None:
        cancelled = session(status="CANCELLED", sequence=2)
        _, [event] = read_back(to_ics([cancelled], calendar_name="Ana & Ben"))
        assert str(event["STATUS"]) == "CANCELLED"
        assert event.decoded("SEQUENCE") == 2

    def test_without_updated_at_the_stamp_is_now(self) -> None:
        before = datetime.now(UTC).replace(microsecond=0)
        _, [event] = read_back(to_ics([session(updated_at=None)], calendar_name="Ana & Ben"))
        after = datetime.now(UTC)
        assert before <= event.decoded("DTSTAMP") <= after
        assert event.decoded("LAST-MODIFIED") == event.decoded("DTSTAMP")

    def test_several_events_keep_their_order(self) -> None:
        first = session(uid="session-1@mentoring-companion")
        second = session(
            uid="session-2@mentoring-companion", starts_at=STARTS_AT + timedelta(days=14)
        )
        _, events = read_back(to_ics([first, second], calendar_name="Ana & Ben"))
        assert [str(event["UID"]) for event in events] == [
            "session-1@mentoring-companion",
            "session-2@mentoring-companion",
        ]


class TestValidation:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"starts_at": datetime(2026, 3, 3, 8)}, "starts_at must be timezone-aware"),
            ({"updated_at": datetime(2026, 3, 1)}, "updated_at must be timezone-aware"),
            ({"duration_minutes": 0}, "duration_minutes must be positive"),
            ({"status": "DONE"}, "status must be one of CONFIRMED, CANCELLED, TENTATIVE"),
            ({"sequence": -1}, "sequence must be 0 or more"),
            ({"uid": ""}, "an event needs a uid"),
        ],
    )
    def test_rejects(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            session(**changes)
