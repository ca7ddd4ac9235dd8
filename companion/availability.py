"""Weekly availability: parse what people write in their own time zone, compare it in UTC."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

# A range whose end is earlier than its start is read as running past midnight
# only up to this length: "Fri 22:00-01:00" is an evening, while "Wed 16:00-14:00"
# (22 hours) is far more likely a slip of the keyboard than a real commitment.
MAX_OVERNIGHT_MINUTES = 12 * 60

EXAMPLE_ENTRY = "Mon 09:00-11:00"
EXAMPLE_TIMEZONE = "Europe/Berlin"

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_BY_NAME: dict[str, int] = {
    **{name.lower(): index for index, name in enumerate(DAY_NAMES)},
    **{name: index for index, name in enumerate(_FULL_DAY_NAMES)},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}

_DASH = r"\s*[-–—]\s*"
_ENTRY = re.compile(
    rf"(?P<first_day>[^\W\d_]+)(?:{_DASH}(?P<last_day>[^\W\d_]+))?"
    rf"\s*(?P<start>\d{{1,2}}:\d{{2}}){_DASH}(?P<end>\d{{1,2}}:\d{{2}})"
)

Interval = tuple[int, int]
T = TypeVar("T", int, datetime)


@dataclass(frozen=True)
class Slot:
    """A weekly free period in its owner's local time."""

    day: int  # 0 = Monday
    start: int  # minutes from midnight
    end: int  # exclusive; 1440 stands for "24:00"

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise ValueError(f"day must be 0 (Monday) to 6 (Sunday), not {self.day}")
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(
                f"a slot needs 0 <= start < end <= {MINUTES_PER_DAY}, "
                f"not start={self.start}, end={self.end}"
            )


def parse_availability(text: str) -> tuple[Slot, ...]:
    """Parse entries like "Mon 09:00-11:00; Wed 14:00-16:00" into merged, sorted slots.

    Raises ValueError naming every entry that cannot be read and the form expected.
    """
    slots: list[Slot] = []
    errors: list[str] = []
    for raw_entry in re.split(r"[;,]", text):
        entry = raw_entry.strip()
        if not entry:
            # Trailing or doubled separators are harmless, and common in spreadsheets.
            continue
        try:
            slots.extend(_parse_entry(entry))
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValueError("; ".join(errors))
    return _merge_slots(slots)


def _parse_entry(entry: str) -> list[Slot]:
    match = _ENTRY.fullmatch(entry)
    if match is None:
        raise ValueError(
            f"{entry!r}: expected a day and a time range like {EXAMPLE_ENTRY!r} "
            "(or a range of days like 'Mon-Fri 09:00-10:00')"
        )
    first_day = _day(match["first_day"], entry)
    last_day = _day(match["last_day"], entry) if match["last_day"] else first_day
    start = _minutes(match["start"], entry)
    end = _minutes(match["end"], entry)
    if start == MINUTES_PER_DAY:
        raise ValueError(
            f"{entry!r}: a range cannot start at 24:00; start it at 00:00 the next day"
        )
    if start == end:
        raise ValueError(f"{entry!r}: the range is empty (it starts and ends at the same time)")
    if end < start and MINUTES_PER_DAY - start + end > MAX_OVERNIGHT_MINUTES:
        raise ValueError(
            f"{entry!r}: the range ends before it starts (a range past midnight, "
            f"like 'Fri 22:00-01:00', may last at most {MAX_OVERNIGHT_MINUTES // 60} hours)"
        )
    # "Fri-Mon" runs over the weekend, so the day range wraps around the week too.
    span = (last_day - first_day) % 7
    slots: list[Slot] = []
    for offset in range(span + 1):
        day = (first_day + offset) % 7
        if end > start:
            slots.append(Slot(day, start, end))
        else:
            slots.append(Slot(day, start, MINUTES_PER_DAY))
            if end > 0:
                slots.append(Slot((day + 1) % 7, 0, end))
    return slots


def _day(name: str, entry: str) -> int:
    day = _DAY_BY_NAME.get(name.lower())
    if day is None:
        raise ValueError(
            f"{entry!r}: {name!r} is not a day; use {', '.join(DAY_NAMES[:-1])} or {DAY_NAMES[-1]}"
        )
    return day


def _minutes(text: str, entry: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes > 0):
        raise ValueError(f"{entry!r}: {text!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _merge_slots(slots: Iterable[Slot]) -> tuple[Slot, ...]:
    merged: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (s.day, s.start, s.end)):
        previous = merged[-1] if merged else None
        if previous is not None and previous.day == slot.day and slot.start <= previous.end:
            merged[-1] = Slot(slot.day, previous.start, max(previous.end, slot.end))
        else:
            merged.append(slot)
    return tuple(merged)


@functools.cache
def known_timezones() -> frozenset[str]:
    """Every IANA time zone key this installation knows."""
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone key known to this installation (exact spelling)."""
    # Membership rather than ZoneInfo(name): the loader would also accept file
    # names such as "localtime" that are not zones anyone can be said to live in.
    return name in known_timezones()


def canonical_timezone(name: str) -> str | None:
    """The correctly spelt IANA key for `name` compared case-insensitively, or None."""
    name = name.strip()
    if is_valid_timezone(name):
        return name
    return _timezones_by_lower_name().get(name.lower())


@functools.cache
def _timezones_by_lower_name() -> dict[str, str]:
    return {key.lower(): key for key in sorted(known_timezones())}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    if not is_valid_timezone(name):
        raise ValueError(f"{name!r} is not a known IANA time zone (e.g. {EXAMPLE_TIMEZONE})")
    return zoneinfo.ZoneInfo(name)


def to_utc_week(slots: Iterable[Slot], timezone: str, *, week_of: date) -> list[Interval]:
    """The slots as sorted, merged [start, end) minutes from Monday 00:00 UTC of week_of's week.

    Each slot is converted on its actual date, so daylight-saving changes are
    honoured. Availability repeats every week, so a slot's occurrences in the
    weeks before and after count too where they reach into this UTC week (for
    example Monday morning in Sydney of the next week is Sunday night UTC of
    this one), each converted with the offset in force on its own date.
    """
    zone = _zone(timezone)
    monday = week_of - timedelta(days=week_of.weekday())
    week_start = datetime.combine(monday, time(0), tzinfo=UTC)
    intervals: list[Interval] = []
    for slot in slots:
        for day in (slot.day - 7, slot.day, slot.day + 7):
            local_midnight = datetime.combine(monday + timedelta(days=day), time(0), tzinfo=zone)
            # Adding to an aware datetime moves the wall clock, which is what the person
            # wrote; astimezone then applies the offset in force at that moment.
            start = _minutes_since(week_start, local_midnight + timedelta(minutes=slot.start))
            end = _minutes_since(week_start, local_midnight + timedelta(minutes=slot.end))
            # Empty when outside the week, or wholly in an hour skipped by a clock change.
            start, end = max(start, 0), min(end, MINUTES_PER_WEEK)
            if start < end:
                intervals.append((start, end))
    return _merge_intervals(intervals)


def _minutes_since(week_start: datetime, moment: datetime) -> int:
    return int((moment.astimezone(UTC) - week_start).total_seconds() // 60)


def _merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[tuple[T, T]], b: Sequence[tuple[T, T]]) -> list[tuple[T, T]]:
    """Intersection of two sorted lists of disjoint [start, end) intervals (ints or datetimes)."""
    common: list[tuple[T, T]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            common.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return common


def common_windows(
    a: Iterable[Slot], tz_a: str, b: Iterable[Slot], tz_b: str, *, week_of: date
) -> list[Interval]:
    """The UTC-week intervals in which both people are free."""
    return intersect(to_utc_week(a, tz_a, week_of=week_of), to_utc_week(b, tz_b, week_of=week_of))


def weekly_overlap_minutes(
    a: Iterable[Slot], tz_a: str, b: Iterable[Slot], tz_b: str, *, week_of: date
) -> int:
    """How many minutes in week_of's week both people are free."""
    return sum(end - start for start, end in common_windows(a, tz_a, b, tz_b, week_of=week_of))


def overlap_hours(
    a: Iterable[Slot], tz_a: str, b: Iterable[Slot], tz_b: str, *, week_of: date
) -> float:
    """weekly_overlap_minutes in hours."""
    return weekly_overlap_minutes(a, tz_a, b, tz_b, week_of=week_of) / 60


def overlap_many(
    slot_sets: Sequence[tuple[Sequence[Slot], str]], *, week_of: date
) -> list[Interval]:
    """The UTC-week intervals in which every member is free; none when there are no members."""
    if not slot_sets:
        return []
    (first_slots, first_tz), *others = slot_sets
    common = to_utc_week(first_slots, first_tz, week_of=week_of)
    for slots, timezone in others:
        common = intersect(common, to_utc_week(slots, timezone, week_of=week_of))
    return common


def describe_timezones(tz_a: str, tz_b: str) -> str:
    """A label such as "Berlin and New York", or "both in Berlin" for one zone."""
    place_a, place_b = _place(tz_a), _place(tz_b)
    if place_a == place_b:
        return f"both in {place_a}"
    return f"{place_a} and {place_b}"


def _place(timezone: str) -> str:
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


# --- days off: the public holidays of the country a time zone belongs to ------------------

# The categories of the `holidays` package counted as days off: public holidays, half
# days and days off in practice. Other categories (optional, bank, unofficial days) are
# not, as they would take out dozens of working days in some countries, with one
# exception: Christmas Eve and New Year's Eve, wherever the country's calendar lists
# them in any category (the United States, Portugal, Brazil, Sweden, India...), since
# few people want a mentoring session then.
DAY_OFF_CATEGORIES = frozenset({"public", "half_day", "de_facto"})
EVES = ((12, 24), (12, 31))


@functools.cache
def _country_by_timezone() -> dict[str, str]:
    """Each IANA zone's ISO 3166 country code, from the zone table tzdata ships."""
    from importlib import resources

    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    countries: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            countries[zone] = code
    return countries


def country_of_timezone(timezone: str) -> str | None:
    """The country a time zone belongs to ("Europe/Lisbon" -> "PT"); None for UTC and the like."""
    zone = canonical_timezone(timezone) or timezone
    return _country_by_timezone().get(zone)


@functools.cache
def _days_off_in(country: str, year: int) -> dict[date, str]:
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError:  # a country the package does not cover
        return {}
    supported = tuple(calendar.supported_categories)
    categories = tuple(DAY_OFF_CATEGORIES.intersection(supported))
    found = dict(holidays.country_holidays(country, years=year, categories=categories))
    every = holidays.country_holidays(country, years=year, categories=supported)
    found.update((day, name) for day, name in every.items() if (day.month, day.day) in EVES)
    return found


def days_off(timezone: str, first: date, last: date) -> dict[date, str]:
    """The public holidays (and half days) from `first` to `last` in the time zone's country,
    by date, with their names; none when the zone names no country."""
    country = country_of_timezone(timezone)
    if country is None:
        return {}
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update(
            (day, name) for day, name in _days_off_in(country, year).items() if first <= day <= last
        )
    return found
