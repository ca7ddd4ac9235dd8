"""Proposing session times from members' weekly availability, across zones and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.availability import parse_availability
from companion.relationships.scheduling import Member, earliest_start, propose_times

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def member(name: str, timezone: str, availability: str) -> Member:
    return Member(name=name, timezone=timezone, slots=parse_availability(availability))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TestEarliestStart:
    def test_cadence_after_the_last_session_rounded_up_to_a_quarter_hour(self) -> None:
        assert earliest_start(
            now=utc(2026, 3, 1, 10), last_session_at=utc(2026, 2, 25, 9, 7), cadence_days=14
        ) == utc(2026, 3, 11, 9, 15)

    def test_never_in_the_past(self) -> None:
        assert earliest_start(
            now=utc(2026, 3, 20, 10, 1), last_session_at=utc(2026, 2, 25, 9), cadence_days=14
        ) == utc(2026, 3, 20, 10, 15)

    def test_without_a_last_session_it_is_now(self) -> None:
        assert earliest_start(
            now=utc(2026, 3, 1, 10, 30), last_session_at=None, cadence_days=14
        ) == utc(2026, 3, 1, 10, 30)

    def test_any_second_past_a_quarter_hour_rounds_up(self) -> None:
        now = utc(2026, 3, 1, 10, 15) + timedelta(microseconds=1)
        assert earliest_start(now=now, last_session_at=None, cadence_days=7) == utc(
            2026, 3, 1, 10, 30
        )

    def test_rounding_up_can_cross_midnight(self) -> None:
        now = utc(2026, 3, 1, 23, 50)
        assert earliest_start(now=now, last_session_at=None, cadence_days=7) == utc(2026, 3, 2)

    def test_the_result_is_in_utc(self) -> None:
        now = datetime(2026, 3, 1, 11, 5, tzinfo=BERLIN)
        start = earliest_start(now=now, last_session_at=None, cadence_days=7)
        assert start == utc(2026, 3, 1, 10, 15)
        assert start.tzinfo is UTC

    def test_naive_times_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="now must be timezone-aware"):
            earliest_start(now=datetime(2026, 3, 1), last_session_at=None, cadence_days=7)
        with pytest.raises(ValueError, match="last_session_at must be timezone-aware"):
            earliest_start(
                now=utc(2026, 3, 1), last_session_at=datetime(2026, 2, 1), cadence_days=7
            )

    def test_negative_cadence_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="cadence_days must be 0 or more"):
            earliest_start(now=utc(2026, 3, 1), last_session_at=None, cadence_days=-1)


class TestDaylightSaving:
    # New York moves to summer time on 8 March 2026, Berlin only on 29 March.
    ana = member("Ana", "Europe/Berlin", "Tue 09:00-10:00")
    ben = member("Ben", "America/New_York", "Tue 03:00-05:00")

    def test_the_common_hour_moves_in_utc_while_only_new_york_has_changed(self) -> None:
        proposal = propose_times(
            [self.ana, self.ben], duration_minutes=45, earliest=utc(2026, 3, 2), horizon_days=35
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 3, 3, 8),  # both on standard time: Ben 03:00 EST
            utc(2026, 3, 10, 8),  # only New York changed: Ben 04:00 EDT
            utc(2026, 3, 17, 8),
            utc(2026, 3, 24, 8),
            utc(2026, 3, 31, 7),  # both changed: Ana 09:00 CEST, Ben 03:00 EDT
        ]
        assert all(
            time.ends_at - time.starts_at == timedelta(minutes=45) for time in proposal.times
        )

    def test_each_member_sees_their_own_wall_clock(self) -> None:
        proposal = propose_times(
            [self.ana, self.ben], duration_minutes=45, earliest=utc(2026, 3, 2), horizon_days=35
        )
        before, during, *_, after = proposal.times
        assert before.local == {
            "Ana": "Tue 3 Mar 2026, 09:00–09:45 CET (Europe/Berlin)",
            "Ben": "Tue 3 Mar 2026, 03:00–03:45 EST (America/New_York)",
        }
        assert during.local == {
            "Ana": "Tue 10 Mar 2026, 09:00–09:45 CET (Europe/Berlin)",
            "Ben": "Tue 10 Mar 2026, 04:00–04:45 EDT (America/New_York)",
        }
        assert after.local == {
            "Ana": "Tue 31 Mar 2026, 09:00–09:45 CEST (Europe/Berlin)",
            "Ben": "Tue 31 Mar 2026, 03:00–03:45 EDT (America/New_York)",
        }
        for time in proposal.times:
            assert time.starts_at.astimezone(BERLIN).strftime("%a %H:%M") == "Tue 09:00"
            assert time.starts_at.astimezone(NEW_YORK).hour in (3, 4)

    def test_a_monday_morning_east_of_utc_in_the_week_sydney_changes(self) -> None:
        # Sydney leaves summer time on Sunday 5 April 2026. Its Monday mornings are
        # Sunday nights in UTC, so the week's edge must use the right Monday's offset:
        # on 30 March Sydney 10:00 is London 00:00, on 6 April it is London 01:00.
        sia = member("Sia", "Australia/Sydney", "Mon 10:00-12:00")
        leo = member("Leo", "Europe/London", "Sun 23:00-24:00; Mon 00:00-01:00")
        proposal = propose_times(
            [sia, leo], duration_minutes=60, earliest=utc(2026, 3, 23), horizon_days=28
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 3, 23, 0),
            utc(2026, 3, 29, 23),
        ]
        assert proposal.times[1].local == {
            "Sia": "Mon 30 Mar 2026, 10:00–11:00 AEDT (Australia/Sydney)",
            "Leo": "Mon 30 Mar 2026, 00:00–01:00 BST (Europe/London)",
        }

    def test_a_slot_in_the_skipped_hour_is_not_offered_that_day(self) -> None:
        ana = member("Ana", "Europe/Berlin", "Sun 02:00-03:00")
        uma = member("Uma", "UTC", "Sun 00:00-03:00")
        proposal = propose_times(
            [ana, uma], duration_minutes=60, earliest=utc(2026, 3, 16), horizon_days=21
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 3, 22, 1),
            utc(2026, 4, 5, 0),
        ]

    def test_a_session_across_the_autumn_change_shows_both_offsets(self) -> None:
        ana = member("Ana", "Europe/Berlin", "Sun 00:00-05:00")
        uma = member("Uma", "UTC", "Sun 00:30-01:30")
        proposal = propose_times(
            [ana, uma], duration_minutes=60, earliest=utc(2026, 10, 19), horizon_days=7
        )
        assert [time.starts_at for time in proposal.times] == [utc(2026, 10, 25, 0, 30)]
        assert proposal.times[0].local["Ana"] == (
            "Sun 25 Oct 2026, 02:30 CEST–02:30 CET (Europe/Berlin)"
        )


class TestBarelyOverlapping:
    # In January Berlin is UTC+1 and London UTC+0: Ana's 10:00 is Lia's 09:00.
    ana = member("Ana", "Europe/Berlin", "Wed 10:00-11:00")

    def test_a_window_exactly_as_long_as_the_session_is_proposed(self) -> None:
        lia = member("Lia", "Europe/London", "Wed 09:00-09:45")
        proposal = propose_times(
            [self.ana, lia], duration_minutes=45, earliest=utc(2026, 1, 5), horizon_days=7
        )
        assert [time.starts_at for time in proposal.times] == [utc(2026, 1, 7, 9)]
        assert proposal.times[0].ends_at == utc(2026, 1, 7, 9, 45)

    def test_one_minute_short_is_explained_with_the_longest_window(self) -> None:
        lia = member("Lia", "Europe/London", "Wed 09:00-09:44")
        proposal = propose_times(
            [self.ana, lia], duration_minutes=45, earliest=utc(2026, 1, 5), horizon_days=7
        )
        assert proposal.times == []
        assert proposal.explanation == (
            "The longest time Ana (Europe/Berlin) and Lia (Europe/London) are free together "
            "is 44 minutes, shorter than the 45-minute session; plan a session of at most "
            "44 minutes, or widen someone's weekly availability."
        )

    def test_a_window_off_the_half_hour_is_not_lost(self) -> None:
        # Kathmandu is UTC+5:45, so its 15:00 is 09:15 UTC.
        kiran = member("Kiran", "Asia/Kathmandu", "Thu 15:00-16:00")
        uma = member("Uma", "UTC", "Thu 09:00-10:00")
        proposal = propose_times(
            [kiran, uma], duration_minutes=45, earliest=utc(2026, 6, 1), horizon_days=7
        )
        assert [time.starts_at for time in proposal.times] == [utc(2026, 6, 4, 9, 15)]
        assert proposal.times[0].local["Kiran"].startswith("Thu 4 Jun 2026, 15:00–15:45")


class TestNothingToPropose:
    def test_no_common_time_names_everyone_and_their_zones(self) -> None:
        ana = member("Ana", "Europe/Berlin", "Mon 09:00-10:00")
        ben = member("Ben", "America/New_York", "Mon 09:00-10:00")
        proposal = propose_times([ana, ben], duration_minutes=30, earliest=utc(2026, 6, 1))
        assert proposal.times == []
        assert proposal.explanation == (
            "Ana (Europe/Berlin) and Ben (America/New_York) are never free at the same time "
            "in a week; widen someone's weekly availability, or keep in touch through the "
            "relationship's asynchronous thread."
        )

    def test_a_member_without_availability_is_named(self) -> None:
        ana = member("Ana", "Europe/Berlin", "Mon 09:00-10:00")
        ben = member("Ben", "America/New_York", "")
        proposal = propose_times([ana, ben], duration_minutes=30, earliest=utc(2026, 6, 1))
        assert proposal.times == []
        assert proposal.explanation == (
            "Ben has not given any weekly availability; "
            "ask them to add some (for example 'Mon 09:00-11:00')."
        )

    def test_every_member_without_availability_is_named(self) -> None:
        ana = member("Ana", "Europe/Berlin", "Mon 09:00-10:00")
        ben = member("Ben", "America/New_York", "")
        cy = member("Cy", "Africa/Lagos", "")
        proposal = propose_times([ana, ben, cy], duration_minutes=30, earliest=utc(2026, 6, 1))
        assert proposal.explanation.startswith("Ben and Cy have not given any weekly availability")

    def test_windows_only_beyond_the_horizon(self) -> None:
        ana = member("Ana", "UTC", "Mon 09:00-12:00")
        ben = member("Ben", "UTC", "Mon 09:00-12:00")
        proposal = propose_times(
            [ana, ben], duration_minutes=60, earliest=utc(2026, 6, 2), horizon_days=6
        )
        assert proposal.times == []
        assert proposal.explanation == (
            "Ana (UTC) and Ben (UTC) share enough free time for a 60-minute session, but none "
            "of it starts between Tue 2 Jun 2026 00:00 UTC and Mon 8 Jun 2026 00:00 UTC; "
            "look further ahead, or widen someone's weekly availability."
        )


class TestCircle:
    def test_three_members_in_three_zones(self) -> None:
        berlin = member("Ana", "Europe/Berlin", "Tue 14:00-18:00")  # 12:00-16:00 UTC
        new_york = member("Ben", "America/New_York", "Tue 09:00-11:00")  # 13:00-15:00 UTC
        lagos = member("Cy", "Africa/Lagos", "Tue 14:30-17:00")  # 13:30-16:00 UTC
        proposal = propose_times(
            [berlin, new_york, lagos], duration_minutes=60, earliest=utc(2026, 6, 8), count=3
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 6, 9, 13, 30),
            utc(2026, 6, 16, 13, 30),
            utc(2026, 6, 23, 13, 30),
        ]
        assert proposal.times[0].local == {
            "Ana": "Tue 9 Jun 2026, 15:30–16:30 CEST (Europe/Berlin)",
            "Ben": "Tue 9 Jun 2026, 09:30–10:30 EDT (America/New_York)",
            "Cy": "Tue 9 Jun 2026, 14:30–15:30 WAT (Africa/Lagos)",
        }
        assert proposal.explanation == (
            "3 times in the next 4 weeks when Ana (Europe/Berlin), Ben (America/New_York) "
            "and Cy (Africa/Lagos) are all free for 60 minutes."
        )


class TestChoice:
    ana = member("Ana", "UTC", "Mon 09:00-12:00")
    ben = member("Ben", "Europe/London", "Mon 10:00-13:00")  # BST: 09:00-12:00 UTC in June

    def test_the_first_pass_takes_one_time_per_window(self) -> None:
        proposal = propose_times(
            [self.ana, self.ben], duration_minutes=60, earliest=utc(2026, 6, 1), count=3
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 6, 1, 9),
            utc(2026, 6, 8, 9),
            utc(2026, 6, 15, 9),
        ]
        assert proposal.explanation == (
            "3 times in the next 4 weeks when Ana (UTC) and Ben (Europe/London) "
            "are both free for 60 minutes."
        )

    def test_later_times_in_the_same_windows_fill_up_in_time_order(self) -> None:
        proposal = propose_times(
            [self.ana, self.ben],
            duration_minutes=60,
            earliest=utc(2026, 6, 1),
            count=5,
            horizon_days=14,
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 6, 1, 9),
            utc(2026, 6, 1, 9, 30),
            utc(2026, 6, 1, 10),
            utc(2026, 6, 1, 10, 30),
            utc(2026, 6, 8, 9),
        ]

    def test_a_window_gives_no_more_than_fits(self) -> None:
        proposal = propose_times(
            [self.ana, self.ben],
            duration_minutes=120,
            earliest=utc(2026, 6, 1),
            count=20,
            horizon_days=7,
        )
        assert [time.starts_at for time in proposal.times] == [
            utc(2026, 6, 1, 9),
            utc(2026, 6, 1, 9, 30),
            utc(2026, 6, 1, 10),
        ]
        assert proposal.explanation.startswith("3 times in the next week")

    def test_no_start_before_earliest_and_none_at_or_after_the_horizon(self) -> None:
        earliest = utc(2026, 6, 1, 9, 10)
        proposal = propose_times(
            [self.ana, self.ben], duration_minutes=60, earliest=earliest, horizon_days=7
        )
        starts = [time.starts_at for time in proposal.times]
        assert starts[0] == utc(2026, 6, 1, 9, 30)
        assert all(earliest <= start < earliest + timedelta(days=7) for start in starts)
        # 8 June 09:00 starts before the horizon ends at 09:10, so it counts.
        assert utc(2026, 6, 8, 9) in starts

    def test_a_window_across_the_utc_week_boundary_is_one_window(self) -> None:
        # Sydney 09:00-11:00 on Mondays in June is Sunday 23:00 to Monday 01:00 UTC.
        sia = member("Sia", "Australia/Sydney", "Mon 09:00-11:00")
        uma = member("Uma", "UTC", "Sun 23:00-24:00; Mon 00:00-01:00")
        proposal = propose_times([sia, uma], duration_minutes=90, earliest=utc(2026, 6, 1), count=1)
        assert [time.starts_at for time in proposal.times] == [utc(2026, 6, 7, 23)]
        assert proposal.times[0].local == {
            "Sia": "Mon 8 Jun 2026, 09:00–10:30 AEST (Australia/Sydney)",
            "Uma": "Sun 7 Jun 2026, 23:00–Mon 00:30 UTC (UTC)",
        }


class TestValidation:
    ana = member("Ana", "Europe/Berlin", "Mon 09:00-10:00")
    ben = member("Ben", "America/New_York", "Mon 03:00-05:00")

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"members": [ana]}, "a session needs at least two members, not 1"),
            ({"duration_minutes": 4}, "duration_minutes must be between 5 and 480, not 4"),
            ({"duration_minutes": 481}, "duration_minutes must be between 5 and 480, not 481"),
            ({"count": 0}, "count must be between 1 and 20, not 0"),
            ({"count": 21}, "count must be between 1 and 20, not 21"),
            ({"earliest": datetime(2026, 6, 1)}, "earliest must be timezone-aware"),
            ({"horizon_days": 0}, "horizon_days must be 1 or more"),
            ({"step_minutes": 0}, "step_minutes must be 1 or more"),
            ({"members": [ana, ana]}, "member names must be unique; repeated: Ana"),
            (
                {"members": [ana, member("Bo", "Europe/Berln", "Mon 09:00-10:00")]},
                "Bo: 'Europe/Berln' is not a known IANA time zone",
            ),
        ],
    )
    def test_rejects(self, arguments: dict[str, object], message: str) -> None:
        call: dict[str, object] = {
            "members": [self.ana, self.ben],
            "duration_minutes": 45,
            "earliest": utc(2026, 6, 1),
            **arguments,
        }
        with pytest.raises(ValueError) as raised:
            propose_times(**call)  # type: ignore[arg-type]
        assert str(raised.value).startswith(message)


class TestPublicHolidays:
    """Nobody is offered a session on a public holiday of their own country."""

    every_day = "Mon-Sun 09:00-17:00"

    def days(self, proposal) -> list[str]:
        return [time.starts_at.date().isoformat() for time in proposal.times]

    def test_christmas_and_the_new_year_are_left_out_for_lisbon_and_sao_paulo(self) -> None:
        ana = member("Ana", "Europe/Lisbon", self.every_day)
        rui = member("Rui", "America/Sao_Paulo", "Mon-Sun 06:00-14:00")
        proposal = propose_times(
            [ana, rui], duration_minutes=60, earliest=utc(2026, 12, 22), count=10
        )
        days = self.days(proposal)
        assert days[:7] == [
            "2026-12-22",
            "2026-12-23",  # the 24th (Christmas Eve) and 25th are days off in both
            "2026-12-26",
            "2026-12-27",
            "2026-12-28",
            "2026-12-29",
            "2026-12-30",  # the 31st and 1 January are days off in both
        ]
        assert "2027-01-02" in days

    def test_one_members_holiday_is_enough_to_leave_the_day_out(self) -> None:
        # 26 December is a holiday in Germany, a working day in Portugal.
        berlin = member("Jonas", "Europe/Berlin", self.every_day)
        lisbon = member("Ana", "Europe/Lisbon", self.every_day)
        nowhere = member("Kai", "UTC", self.every_day)
        without = propose_times(
            [lisbon, nowhere], duration_minutes=60, earliest=utc(2026, 12, 26), count=1
        )
        together = propose_times(
            [berlin, lisbon], duration_minutes=60, earliest=utc(2026, 12, 26), count=1
        )
        assert self.days(without) == ["2026-12-26"]
        assert self.days(together) == ["2026-12-27"]

    def test_a_zone_of_no_country_has_no_holidays(self) -> None:
        kai = member("Kai", "UTC", self.every_day)
        lea = member("Lea", "Etc/GMT-1", self.every_day)
        proposal = propose_times([kai, lea], duration_minutes=60, earliest=utc(2026, 12, 24))
        assert self.days(proposal)[:2] == ["2026-12-24", "2026-12-25"]
