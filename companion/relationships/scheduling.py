"""Propose the next session times that suit every member of a relationship, in their own zones."""

from __future__ import annotations

import heapq
import itertools
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from companion.availability import (
    DAY_NAMES,
    EXAMPLE_ENTRY,
    EXAMPLE_TIMEZONE,
    Slot,
    days_off,
    intersect,
    is_valid_timezone,
)

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 8 * 60
MAX_COUNT = 20
ROUND_TO_MINUTES = 15

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Member:
    """One person in the relationship and their weekly availability."""

    name: str
    timezone: str  # IANA key
    slots: tuple[Slot, ...]  # weekly availability in local time


@dataclass(frozen=True)
class ProposedTime:
    """A session time everyone is free for, with how it reads on each member's clock."""

    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    local: dict[str, str]  # member name -> their own wall-clock time, e.g. "Tue 3 Mar 2026, ..."


@dataclass(frozen=True)
class TimeProposal:
    """The times proposed, and a sentence for the people who will read them."""

    times: list[ProposedTime]
    explanation: str  # a summary when there are times; why not and what to do when there are none


def earliest_start(
    *, now: datetime, last_session_at: datetime | None, cadence_days: int
) -> datetime:
    """The earliest moment the next session may start, in UTC, on a quarter hour.

    That is `cadence_days` after the last session, but never in the past.
    """
    _require_aware(now, "now")
    if cadence_days < 0:
        raise ValueError(f"cadence_days must be 0 or more, not {cadence_days}")
    earliest = now
    if last_session_at is not None:
        _require_aware(last_session_at, "last_session_at")
        earliest = max(earliest, last_session_at + timedelta(days=cadence_days))
    return _round_up(earliest.astimezone(UTC), ROUND_TO_MINUTES)


def propose_times(
    members: Sequence[Member],
    *,
    duration_minutes: int,
    earliest: datetime,
    count: int = 5,
    horizon_days: int = 28,
    step_minutes: int = 30,
) -> TimeProposal:
    """Up to `count` session times within `horizon_days` of `earliest` when every member is free.

    The first pass takes the earliest time in each common window, so that people
    get a choice of days rather than back-to-back half hours; only when that is
    not enough are later times in the same windows added. With no times, the
    explanation says why and what would help.
    """
    _validate(members, duration_minutes, count, horizon_days, step_minutes)
    _require_aware(earliest, "earliest")
    without_slots = [member.name for member in members if not member.slots]
    if without_slots:
        verb = "has" if len(without_slots) == 1 else "have"
        return TimeProposal(
            times=[],
            explanation=(
                f"{_join(without_slots)} {verb} not given any weekly availability; "
                f"ask them to add some (for example {EXAMPLE_ENTRY!r})."
            ),
        )

    earliest = earliest.astimezone(UTC)
    latest_start = earliest + timedelta(days=horizon_days)
    duration = timedelta(minutes=duration_minutes)
    windows = _common_windows(members, earliest, latest_start + duration)
    candidates = [
        _candidates(
            window,
            duration=duration,
            earliest=earliest,
            latest_start=latest_start,
            step=timedelta(minutes=step_minutes),
        )
        for window in windows
    ]
    chosen = [start for start in (next(each, None) for each in candidates) if start is not None]
    chosen = chosen[:count]
    chosen.extend(itertools.islice(heapq.merge(*candidates), count - len(chosen)))
    if not chosen:
        return TimeProposal(
            times=[],
            explanation=_why_none(
                members,
                windows,
                duration_minutes=duration_minutes,
                earliest=earliest,
                latest_start=latest_start,
            ),
        )
    times = [_proposed_time(members, start, start + duration) for start in sorted(chosen)]
    return TimeProposal(
        times=times,
        explanation=(
            f"{_count_of_times(len(times))} in the next {_span(horizon_days)} when "
            f"{_join(_with_zones(members))} are {'both' if len(members) == 2 else 'all'} "
            f"free for {duration_minutes} minutes."
        ),
    )


def _validate(
    members: Sequence[Member],
    duration_minutes: int,
    count: int,
    horizon_days: int,
    step_minutes: int,
) -> None:
    if len(members) < 2:
        raise ValueError(f"a session needs at least two members, not {len(members)}")
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValueError(
            f"duration_minutes must be between {MIN_DURATION_MINUTES} and "
            f"{MAX_DURATION_MINUTES}, not {duration_minutes}"
        )
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be between 1 and {MAX_COUNT}, not {count}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be 1 or more, not {horizon_days}")
    if step_minutes < 1:
        raise ValueError(f"step_minutes must be 1 or more, not {step_minutes}")
    names = [member.name for member in members]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # Proposed times show each member's local time under their name.
        raise ValueError(f"member names must be unique; repeated: {', '.join(repeated)}")
    for member in members:
        if not is_valid_timezone(member.timezone):
            raise ValueError(
                f"{member.name}: {member.timezone!r} is not a known IANA time zone "
                f"(e.g. {EXAMPLE_TIMEZONE})"
            )


def _require_aware(moment: datetime, name: str) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(UTC)), not {moment}")


def _round_up(moment: datetime, minutes: int) -> datetime:
    floor = moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=minutes)


def _common_windows(members: Sequence[Member], start: datetime, end: datetime) -> list[Window]:
    """The UTC windows in which every member is free, from a week before start to a week after end.

    The extra weeks keep the true start and end of a window that runs across
    either edge, and give the explanations a whole week to look at.
    """
    start, end = start - timedelta(days=7), end + timedelta(days=7)
    common = _free_windows(members[0], start, end)
    for member in members[1:]:
        common = intersect(common, _free_windows(member, start, end))
    return common


def _free_windows(member: Member, start: datetime, end: datetime) -> list[Window]:
    """The member's slots on every local date from start to end, as merged UTC windows.

    Like availability.to_utc_week, each slot is converted on its actual date; here
    over real dates from start to end rather than folded into one repeating week,
    since proposals are for actual sessions. The public holidays of the member's
    country (the country of their time zone) are left out.
    """
    zone = zoneinfo.ZoneInfo(member.timezone)
    first_day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    # Nobody is offered a session on a public holiday of their own country.
    holidays = days_off(member.timezone, first_day, last_day)
    windows: list[Window] = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        if day in holidays:
            continue
        # Adding to an aware datetime moves the wall clock, which is what the person
        # wrote; astimezone then applies the offset in force at that moment.
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        windows.extend(
            (
                (midnight + timedelta(minutes=slot.start)).astimezone(UTC),
                (midnight + timedelta(minutes=slot.end)).astimezone(UTC),
            )
            for slot in member.slots
            if slot.day == day.weekday()
        )
    merged: list[Window] = []
    for window_start, window_end in sorted(windows):
        if window_end <= window_start:
            # A slot that lies wholly in the hour skipped by a spring-forward change.
            continue
        if merged and window_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], window_end))
        else:
            merged.append((window_start, window_end))
    return merged


def _candidates(
    window: Window,
    *,
    duration: timedelta,
    earliest: datetime,
    latest_start: datetime,
    step: timedelta,
) -> Iterator[datetime]:
    """Session starts in the window, every `step` from its start, in time order."""
    window_start, window_end = window
    # Steps are counted from the window's own start rather than from midnight UTC, so
    # that a window starting at :15 or :45 (as Nepal's do) is not lost when it is
    # exactly as long as the session, and starts fall on the hour for whoever bounds it.
    skipped = max(0, -(-(earliest - window_start) // step))
    start = window_start + skipped * step
    while start + duration <= window_end and start < latest_start:
        yield start
        start += step


def _proposed_time(members: Sequence[Member], start: datetime, end: datetime) -> ProposedTime:
    return ProposedTime(
        starts_at=start,
        ends_at=end,
        local={member.name: local_time(start, end, member.timezone) for member in members},
    )


def local_time(start: datetime, end: datetime, timezone: str) -> str:
    """E.g. "Tue 3 Mar 2026, 09:00–09:45 CET (Europe/Berlin)"."""
    zone = zoneinfo.ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    end_text = f"{local_end:%H:%M}"
    if local_end.date() != local_start.date():
        end_text = f"{DAY_NAMES[local_end.weekday()]} {end_text}"
    if local_end.tzname() == local_start.tzname():
        times = f"{local_start:%H:%M}–{end_text} {local_start:%Z}"
    else:
        # The clocks change during the session, so each end shows its own offset.
        times = f"{local_start:%H:%M} {local_start:%Z}–{end_text} {local_end:%Z}"
    return f"{_date_text(local_start)}, {times} ({timezone})"


def _date_text(moment: datetime) -> str:
    # Day and month names are spelt out here rather than with %a/%b, which follow the locale.
    return (
        f"{DAY_NAMES[moment.weekday()]} {moment.day} {_MONTH_NAMES[moment.month - 1]} {moment.year}"
    )


def _why_none(
    members: Sequence[Member],
    windows: Sequence[Window],
    *,
    duration_minutes: int,
    earliest: datetime,
    latest_start: datetime,
) -> str:
    people = _join(_with_zones(members))
    if not windows:
        return (
            f"{people} are never free at the same time in a week; widen someone's weekly "
            "availability, or keep in touch through the relationship's asynchronous thread."
        )
    longest = max(int((end - start).total_seconds() // 60) for start, end in windows)
    if longest < duration_minutes:
        return (
            f"The longest time {people} are free together is {longest} minutes, shorter than "
            f"the {duration_minutes}-minute session; plan a session of at most {longest} "
            "minutes, or widen someone's weekly availability."
        )
    return (
        f"{people} share enough free time for a {duration_minutes}-minute session, but none "
        f"of it starts between {_utc_moment(earliest)} and {_utc_moment(latest_start)}; "
        "look further ahead, or widen someone's weekly availability."
    )


def _utc_moment(moment: datetime) -> str:
    return f"{_date_text(moment)} {moment:%H:%M} UTC"


def _with_zones(members: Sequence[Member]) -> list[str]:
    return [f"{member.name} ({member.timezone})" for member in members]


def _join(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _count_of_times(count: int) -> str:
    return "1 time" if count == 1 else f"{count} times"


def _span(days: int) -> str:
    if days == 1:
        return "day"
    if days == 7:
        return "week"
    if days % 7 == 0:
        return f"{days // 7} weeks"
    return f"{days} days"
