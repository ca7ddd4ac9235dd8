"""Weekly availability: parsing what people write, and comparing it across time zones."""

from __future__ import annotations

from datetime import date

import pytest

from companion.availability import (
    MINUTES_PER_WEEK,
    Slot,
    canonical_timezone,
    common_windows,
    describe_timezones,
    is_valid_timezone,
    overlap_hours,
    overlap_many,
    parse_availability,
    to_utc_week,
    weekly_overlap_minutes,
)

# Berlin and New York are both on standard time in January and both on summer
# time in June; in mid-March 2026 New York has switched (8 March) and Berlin
# has not (29 March).
WINTER = date(2026, 1, 14)
SUMMER = date(2026, 6, 10)
MID_MARCH = date(2026, 3, 10)

DAY = 24 * 60


def hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


def at(day: int, hours: int, minutes: int = 0) -> int:
    """Minutes from Monday 00:00 of the week."""
    return day * DAY + hm(hours, minutes)


class TestParseAvailability:
    def test_two_entries(self) -> None:
        assert parse_availability("Mon 09:00-11:00; Wed 14:00-16:00") == (
            Slot(0, hm(9), hm(11)),
            Slot(2, hm(14), hm(16)),
        )

    @pytest.mark.parametrize(
        "text",
        [
            "Mon 09:00-11:00, Wed 14:00-16:00",
            "monday 9:00 - 11:00;WEDNESDAY 14:00–16:00",
            "  Wed 14:00-16:00 ;  Mon 09:00-11:00 ; ",
            "Mon09:00-11:00;Wed14:00-16:00",
        ],
    )
    def test_separators_day_names_spaces_and_dashes(self, text: str) -> None:
        assert parse_availability(text) == (Slot(0, hm(9), hm(11)), Slot(2, hm(14), hm(16)))

    @pytest.mark.parametrize("text", ["", "   ", " ; "])
    def test_blank_text_is_no_availability(self, text: str) -> None:
        assert parse_availability(text) == ()

    def test_a_range_of_days_expands(self) -> None:
        assert parse_availability("Mon-Fri 09:00-10:00") == tuple(
            Slot(day, hm(9), hm(10)) for day in range(5)
        )

    def test_a_range_of_days_may_run_over_the_weekend(self) -> None:
        assert [slot.day for slot in parse_availability("Fri–Mon 18:00-19:00")] == [0, 4, 5, 6]

    def test_24_00_ends_the_day(self) -> None:
        assert parse_availability("Sat 20:00-24:00") == (Slot(5, hm(20), DAY),)

    def test_overlapping_and_adjacent_slots_merge(self) -> None:
        text = "Tue 09:00-10:00; Tue 09:30-11:00; Tue 11:00-12:00; Tue 13:00-14:00"
        assert parse_availability(text) == (Slot(1, hm(9), hm(12)), Slot(1, hm(13), hm(14)))

    def test_slots_on_different_days_do_not_merge(self) -> None:
        assert len(parse_availability("Mon 09:00-24:00; Tue 00:00-01:00")) == 2

    def test_a_range_past_midnight_is_split_at_midnight(self) -> None:
        assert parse_availability("Fri 22:00-01:00") == (
            Slot(4, hm(22), DAY),
            Slot(5, 0, hm(1)),
        )

    def test_sunday_night_continues_on_monday(self) -> None:
        assert parse_availability("Sun 23:00-00:30") == (Slot(0, 0, 30), Slot(6, hm(23), DAY))

    def test_a_range_ending_at_midnight_is_not_split(self) -> None:
        assert parse_availability("Fri 22:00-00:00") == (Slot(4, hm(22), DAY),)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "Mon 9-11",
                "'Mon 9-11': expected a day and a time range like 'Mon 09:00-11:00'",
            ),
            ("Wed 16:00-14:00", "'Wed 16:00-14:00': the range ends before it starts"),
            ("Mun 09:00-10:00", "'Mun 09:00-10:00': 'Mun' is not a day; use Mon, Tue"),
            ("Tue 09:00-25:00", "'Tue 09:00-25:00': '25:00' is not a time of day"),
            ("Tue 09:60-10:00", "'Tue 09:60-10:00': '09:60' is not a time of day"),
            ("Tue 24:00-02:00", "'Tue 24:00-02:00': a range cannot start at 24:00"),
            ("Tue 10:00-10:00", "'Tue 10:00-10:00': the range is empty"),
            ("09:00-10:00", "'09:00-10:00': expected a day and a time range"),
        ],
    )
    def test_errors_name_the_entry_and_the_expected_form(self, text: str, message: str) -> None:
        with pytest.raises(ValueError) as raised:
            parse_availability(text)
        assert str(raised.value).startswith(message)

    def test_every_bad_entry_is_reported(self) -> None:
        with pytest.raises(ValueError) as raised:
            parse_availability("Mon 09:00-10:00; Tue 9-10; Wed 16:00-14:00")
        assert "'Tue 9-10'" in str(raised.value)
        assert "'Wed 16:00-14:00'" in str(raised.value)
        assert "'Mon 09:00-10:00'" not in str(raised.value)


class TestSlot:
    @pytest.mark.parametrize(("day", "start", "end"), [(7, 0, 60), (0, 60, 60), (0, 0, DAY + 1)])
    def test_rejects_impossible_slots(self, day: int, start: int, end: int) -> None:
        with pytest.raises(ValueError):
            Slot(day, start, end)


class TestToUtcWeek:
    def test_utc_is_unchanged(self) -> None:
        slots = parse_availability("Mon 09:00-11:00; Sun 23:00-24:00")
        assert to_utc_week(slots, "UTC", week_of=SUMMER) == [
            (at(0, 9), at(0, 11)),
            (at(6, 23), MINUTES_PER_WEEK),
        ]

    def test_honours_daylight_saving_on_the_actual_dates(self) -> None:
        slots = parse_availability("Mon 09:00-10:00")
        assert to_utc_week(slots, "Europe/Berlin", week_of=WINTER) == [(at(0, 8), at(0, 9))]
        assert to_utc_week(slots, "Europe/Berlin", week_of=SUMMER) == [(at(0, 7), at(0, 8))]

    def test_any_day_of_the_week_picks_the_same_iso_week(self) -> None:
        slots = parse_availability("Wed 12:00-13:00")
        assert to_utc_week(slots, "Asia/Singapore", week_of=date(2026, 6, 8)) == to_utc_week(
            slots, "Asia/Singapore", week_of=date(2026, 6, 14)
        )

    def test_half_hour_offset(self) -> None:
        slots = parse_availability("Mon 09:00-10:00")
        assert to_utc_week(slots, "Asia/Kolkata", week_of=SUMMER) == [(at(0, 3, 30), at(0, 4, 30))]

    def test_early_monday_in_sydney_wraps_to_sunday_night(self) -> None:
        slots = parse_availability("Mon 08:00-10:00")
        assert to_utc_week(slots, "Australia/Sydney", week_of=SUMMER) == [
            (at(6, 22), MINUTES_PER_WEEK)
        ]

    def test_an_interval_across_the_week_boundary_is_split(self) -> None:
        # Monday 10:00-12:00 in Sydney summer time (UTC+11) is Sunday 23:00 to Monday 01:00 UTC.
        slots = parse_availability("Mon 10:00-12:00")
        assert to_utc_week(slots, "Australia/Sydney", week_of=WINTER) == [
            (0, at(0, 1)),
            (at(6, 23), MINUTES_PER_WEEK),
        ]

    def test_late_sunday_west_of_utc_wraps_to_monday(self) -> None:
        slots = parse_availability("Sun 21:00-23:00")
        assert to_utc_week(slots, "America/New_York", week_of=SUMMER) == [(at(0, 1), at(0, 3))]

    def test_what_wraps_in_from_a_neighbouring_week_uses_that_weeks_offset(self) -> None:
        # New York leaves summer time on Sunday 1 November 2026. Sunday 22:00-23:00 of
        # the week before (25 October, UTC-4) is Monday 02:00-03:00 UTC of this week;
        # this week's own Sunday slot (UTC-5) falls in the next UTC week.
        slots = parse_availability("Sun 22:00-23:00")
        assert to_utc_week(slots, "America/New_York", week_of=date(2026, 10, 28)) == [
            (at(0, 2), at(0, 3))
        ]
        # Sydney starts summer time on Sunday 4 October 2026: Monday 08:00-10:00 of
        # the next week (UTC+11) is Sunday 21:00-23:00 UTC of this one.
        slots = parse_availability("Mon 08:00-10:00")
        assert to_utc_week(slots, "Australia/Sydney", week_of=date(2026, 9, 30)) == [
            (at(6, 21), at(6, 23))
        ]

    def test_a_slot_in_the_skipped_hour_is_empty(self) -> None:
        slots = parse_availability("Sun 02:00-03:00")
        assert to_utc_week(slots, "Europe/Berlin", week_of=date(2026, 3, 25)) == []

    def test_intervals_that_meet_in_utc_are_merged(self) -> None:
        slots = parse_availability("Fri 22:00-24:00; Sat 00:00-01:00")
        assert to_utc_week(slots, "Europe/London", week_of=WINTER) == [(at(4, 22), at(5, 1))]

    def test_an_unknown_zone_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="'Europe/Berln' is not a known IANA time zone"):
            to_utc_week((), "Europe/Berln", week_of=SUMMER)


class TestOverlap:
    berlin_afternoon = parse_availability("Mon 15:00-18:00")
    new_york_morning = parse_availability("Mon 09:00-12:00")

    @pytest.mark.parametrize(("week", "hours"), [(WINTER, 3), (SUMMER, 3), (MID_MARCH, 2)])
    def test_berlin_and_new_york_lose_an_hour_while_only_one_has_switched(
        self, week: date, hours: int
    ) -> None:
        minutes = weekly_overlap_minutes(
            self.berlin_afternoon,
            "Europe/Berlin",
            self.new_york_morning,
            "America/New_York",
            week_of=week,
        )
        assert minutes == hours * 60

    def test_overlap_is_symmetric(self) -> None:
        a = parse_availability("Mon-Fri 08:00-10:00; Sat 10:00-14:00")
        b = parse_availability("Mon-Thu 04:00-05:30; Sat 06:00-09:00")
        forward = weekly_overlap_minutes(a, "Asia/Kolkata", b, "Europe/London", week_of=SUMMER)
        backward = weekly_overlap_minutes(b, "Europe/London", a, "Asia/Kolkata", week_of=SUMMER)
        assert forward == backward == 4 * 90 + 180

    def test_half_hour_offset_gives_half_hour_overlap(self) -> None:
        kolkata = parse_availability("Mon 09:00-10:00")  # 03:30-04:30 UTC
        london = parse_availability("Mon 04:00-05:00")  # GMT in January
        assert (
            weekly_overlap_minutes(kolkata, "Asia/Kolkata", london, "Europe/London", week_of=WINTER)
            == 30
        )

    def test_sydney_and_london_meet_across_the_week_boundary(self) -> None:
        sydney = parse_availability("Mon 10:00-12:00")  # Sun 23:00 - Mon 01:00 UTC
        london = parse_availability("Sun 23:30-00:30")  # Sun 23:30 - Mon 00:30 UTC
        windows = common_windows(
            sydney, "Australia/Sydney", london, "Europe/London", week_of=WINTER
        )
        assert windows == [(0, 30), (at(6, 23, 30), MINUTES_PER_WEEK)]
        assert (
            weekly_overlap_minutes(
                sydney, "Australia/Sydney", london, "Europe/London", week_of=WINTER
            )
            == 60
        )

    def test_no_common_time(self) -> None:
        a = parse_availability("Mon 09:00-10:00")
        b = parse_availability("Tue 09:00-10:00")
        assert common_windows(a, "UTC", b, "UTC", week_of=SUMMER) == []
        assert overlap_hours(a, "UTC", b, "UTC", week_of=SUMMER) == 0

    def test_overlap_hours(self) -> None:
        a = parse_availability("Wed 09:00-11:00")
        b = parse_availability("Wed 09:30-12:00")
        assert overlap_hours(a, "UTC", b, "UTC", week_of=SUMMER) == 1.5


class TestOverlapMany:
    def test_three_people_in_three_zones(self) -> None:
        berlin = (parse_availability("Tue 14:00-18:00"), "Europe/Berlin")  # 12-16 UTC
        new_york = (parse_availability("Tue 09:00-11:00"), "America/New_York")  # 13-15 UTC
        lagos = (parse_availability("Tue 14:30-17:00"), "Africa/Lagos")  # 13:30-16 UTC
        assert overlap_many([berlin, new_york, lagos], week_of=SUMMER) == [
            (at(1, 13, 30), at(1, 15))
        ]

    def test_one_member_is_their_own_availability(self) -> None:
        slots = parse_availability("Thu 10:00-11:00")
        assert overlap_many([(slots, "UTC")], week_of=SUMMER) == [(at(3, 10), at(3, 11))]

    def test_no_members_no_windows(self) -> None:
        assert overlap_many([], week_of=SUMMER) == []


class TestTimezones:
    @pytest.mark.parametrize(
        ("a", "b", "label"),
        [
            ("Europe/Berlin", "America/New_York", "Berlin and New York"),
            ("Europe/Berlin", "Europe/Berlin", "both in Berlin"),
            ("America/Argentina/Buenos_Aires", "UTC", "Buenos Aires and UTC"),
        ],
    )
    def test_describe_timezones(self, a: str, b: str, label: str) -> None:
        assert describe_timezones(a, b) == label

    @pytest.mark.parametrize(
        ("name", "valid"),
        [
            ("Europe/Berlin", True),
            ("Asia/Kolkata", True),
            ("UTC", True),
            ("Europe/Berln", False),
            ("europe/berlin", False),
            ("", False),
            ("../etc/passwd", False),
        ],
    )
    def test_is_valid_timezone(self, name: str, valid: bool) -> None:
        assert is_valid_timezone(name) is valid

    def test_canonical_timezone_fixes_the_case(self) -> None:
        assert canonical_timezone(" america/new_york ") == "America/New_York"
        assert canonical_timezone("Mars/Olympus_Mons") is None
