"""Parse a participant file (CSV or JSON Lines) into validated records, reporting every problem."""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

from email_validator import EmailNotValidError, validate_email

from companion.availability import (
    EXAMPLE_TIMEZONE,
    Slot,
    canonical_timezone,
    known_timezones,
    parse_availability,
)
from companion.db.base import column_lengths, stored_text_problem
from companion.participants.models import Participant

Format = Literal["csv", "jsonl"]

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "email",
    "role",
    "title",
    "department",
    "manager_id",
    "location",
    "timezone",
    "languages",
    "skills",
    "expertise",
    "goals",
    "challenges",
    "industry",
    "years_experience",
    "working_style",
    "communication",
    "availability",
    "capacity",
    "avoid",
    "gender",
    "underrepresented",
    "consent_demographics",
)
REQUIRED = ("id", "name", "email", "role")
ROLES = ("mentor", "mentee", "both")
COMMUNICATION_MODES = ("video", "chat", "phone", "in_person", "async")
MAX_YEARS_EXPERIENCE = 70
MAX_CAPACITY = 20
DEFAULT_TIMEZONE = "UTC"

_FORMAT_BY_SUFFIX: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json-lines": "jsonl",
    ".jsonlines": "jsonl",
}
_TRUE = frozenset({"yes", "true", "1"})
_FALSE = frozenset({"no", "false", "0"})


@dataclass(frozen=True)
class ParticipantRecord:
    """One participant as read from the file, every value checked and normalised."""

    external_id: str
    name: str
    email: str  # normalised, lower-case
    role: str  # mentor | mentee | both
    title: str
    department: str
    manager_id: str | None
    location: str
    timezone: str  # an IANA key; "UTC" when the file leaves it blank
    languages: tuple[str, ...]  # lower-case; empty when blank, the matcher decides what that means
    skills: tuple[str, ...]  # as written, de-duplicated case-insensitively
    expertise: str
    goals: str
    challenges: str
    industry: str
    years_experience: float | None
    working_style: str
    communication: tuple[str, ...]
    availability: tuple[Slot, ...]  # in the participant's own time zone
    availability_text: str
    capacity: int  # how many mentees at once; always 0 for a mentee
    avoid: tuple[str, ...]
    gender: str | None  # None unless consent_demographics
    underrepresented: bool | None  # None unless consent_demographics
    consent_demographics: bool
    # Where the row sits in the file is for messages only: the same participant
    # read from a CSV and from JSON Lines is the same record.
    line: int = field(compare=False)


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong in the file; line 0 means the file as a whole, column "" the whole row."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        if not self.column:
            return f"line {self.line}: {self.message}"
        return f"line {self.line}, column {self.column!r}: {self.message}"


def detect_format(filename: str) -> Format:
    """The format a file name implies, or ValueError saying which names are accepted."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in _FORMAT_BY_SUFFIX:
        return _FORMAT_BY_SUFFIX[suffix]
    accepted = "use .csv, or .jsonl (also .ndjson) with one JSON object per line"
    if suffix == ".json":
        raise ValueError(f"{filename!r} looks like plain JSON, which is not accepted; {accepted}")
    if suffix in {".xlsx", ".xls", ".ods", ".numbers"}:
        raise ValueError(f"{filename!r} is a spreadsheet; save it as CSV (UTF-8) first")
    raise ValueError(f"cannot tell the format of {filename!r} from its name; {accepted}")


def parse_participants(
    data: bytes, *, format: Format, existing_ids: Collection[str] = ()
) -> tuple[list[ParticipantRecord], list[ImportProblem]]:
    """Read every row and check it against the others and against `existing_ids`.

    Returns the records of rows without problems, and every problem found sorted
    by line. When the file itself cannot be read cleanly (encoding, header, CSV or
    JSON syntax) no records are returned, as any row may have been misread.
    Nothing is saved here: callers should save only when there are no problems,
    so that a file goes in whole or not at all.
    """
    if format not in ("csv", "jsonl"):
        raise ValueError(f"unknown format {format!r}; expected 'csv' or 'jsonl'")
    problems: list[ImportProblem] = []
    text = _decode(data, problems)
    if text is None:
        return [], problems
    if not text.strip():
        return [], [ImportProblem(0, "", "the file is empty; expected a header and one row each")]
    rows = list(_read_csv(text, problems) if format == "csv" else _read_jsonl(text, problems))
    file_is_sound = not problems
    if not rows and file_is_sound:
        problems.append(ImportProblem(0, "", "the file has no participants in it"))
    parsed = [_parse_row(row, problems) for row in rows]
    _check_across_rows(parsed, set(existing_ids), problems)
    lines_with_problems = {problem.line for problem in problems}
    records = [
        row.record
        for row in parsed
        if file_is_sound and row.record is not None and row.line not in lines_with_problems
    ]
    problems.sort(key=_problem_order)
    return records, problems


def _problem_order(problem: ImportProblem) -> tuple[int, int]:
    position = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return problem.line, position


def _decode(data: bytes, problems: list[ImportProblem]) -> str | None:
    try:
        # utf-8-sig drops the byte-order mark that Excel writes at the start of "CSV UTF-8".
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            ImportProblem(
                line,
                "",
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "save it as UTF-8, e.g. 'CSV UTF-8' in a spreadsheet",
            )
        )
        return None


# The most characters a cell may hold: as many as the column that stores it.
_CELL_LENGTHS = {**column_lengths(Participant), "id": column_lengths(Participant)["external_id"]}


@dataclass
class _Cells:
    """One row's raw values, and the problems found while reading them."""

    line: int
    values: Mapping[str, object]
    # Required columns whose absence was already reported once for the whole file.
    absent_columns: frozenset[str]
    problems: list[ImportProblem] = field(default_factory=list)

    def report(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.line, column, message))

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, str):
            return self._storable(column, value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._storable(column, str(value))
        self.report(column, f"expected text, not {_describe(value)}")
        return ""

    def _storable(self, column: str, value: str) -> str:
        """The value, or "" with the problem reported when no column could hold it."""
        problem = stored_text_problem(value, _CELL_LENGTHS.get(column))
        if problem:
            self.report(column, problem)
            return ""
        return value

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value and column not in self.absent_columns and not self._has_problem(column):
            self.report(column, "a value is required")
        return value

    def items(self, column: str) -> list[str]:
        """A ;-separated cell, or a JSON list of values, as stripped non-blank items."""
        value = self.values.get(column)
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, str) or (
                    isinstance(item, int | float) and not isinstance(item, bool)
                ):
                    items.append(self._storable(column, str(item).strip()))
                else:
                    self.report(column, f"expected a list of text, found {_describe(item)}")
            return [item for item in items if item]
        return [item.strip() for item in self.text(column).split(";") if item.strip()]

    def number(self, column: str) -> tuple[str, float | None]:
        """The value as written, and as a finite number or None when blank or not a number."""
        value = self.values.get(column)
        if value is None or isinstance(value, bool | list | dict):
            return ("" if value is None else json.dumps(value)), None
        raw = str(value).strip()
        try:
            number = float(raw)
        except ValueError:
            return raw, None
        return raw, (number if math.isfinite(number) else None)

    def flag(self, column: str) -> bool | None:
        """yes|no|true|false|1|0 (or a JSON boolean) as a bool; None when blank."""
        value = self.values.get(column)
        if isinstance(value, bool):
            return value
        raw = self.text(column)
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        if raw:
            self.report(column, f"{raw!r} is not yes or no (true, false, 1 and 0 also work)")
        return None

    def _has_problem(self, column: str) -> bool:
        return any(problem.column == column for problem in self.problems)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _read_csv(text: str, problems: list[ImportProblem]) -> Iterator[_Cells]:
    header_text = next((line for line in text.splitlines() if line.strip()), "")
    # Spreadsheets in many European locales save CSV with semicolons. Column names
    # contain neither separator, so the header shows which one this file uses.
    delimiter = ";" if ";" in header_text and "," not in header_text else ","
    rows = _csv_rows(text, delimiter, problems)
    header = next(rows, None)
    if header is None:
        return
    header_line, header_cells = header
    column_at: dict[int, str] = {}
    for index, cell in enumerate(header_cells):
        name = cell.strip().lower()
        if not name:
            continue
        if name in column_at.values():
            problems.append(ImportProblem(header_line, name, "the column appears twice"))
        elif name not in COLUMNS:
            problems.append(
                ImportProblem(header_line, cell.strip(), _unknown_name(cell.strip(), "column"))
            )
        else:
            column_at[index] = name
    missing = [column for column in REQUIRED if column not in column_at.values()]
    for column in missing:
        problems.append(
            ImportProblem(
                header_line,
                column,
                f"the header lacks required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}; every file needs {', '.join(REQUIRED)}",
            )
        )
    named = {index for index, cell in enumerate(header_cells) if cell.strip()}
    for line, cells in rows:
        row = _Cells(
            line=line,
            values={name: cells[index] for index, name in column_at.items() if index < len(cells)},
            absent_columns=frozenset(missing),
        )
        for index, cell in enumerate(cells):
            if index not in named and cell.strip():
                row.report("", f"value {cell.strip()!r} in column {index + 1} has no header")
        yield row


def _csv_rows(
    text: str, delimiter: str, problems: list[ImportProblem]
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the physical line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as exc:
        problems.append(ImportProblem(last_line + 1, "", f"cannot read this CSV row: {exc}"))


def _unknown_name(name: str, noun: str) -> str:
    guess = difflib.get_close_matches(name.lower(), COLUMNS, n=1)
    hint = f" (did you mean {guess[0]!r}?)" if guess else ""
    return f"unknown {noun} {name!r}{hint}; the accepted {noun}s are {', '.join(COLUMNS)}"


def _read_jsonl(text: str, problems: list[ImportProblem]) -> Iterator[_Cells]:
    # Split on "\n" only: JSON strings may legally hold U+2028 and friends,
    # which str.splitlines would treat as line breaks.
    for line, source in enumerate(text.split("\n"), start=1):
        if not source.strip():
            continue
        try:
            value = json.loads(source)
        except json.JSONDecodeError as exc:
            problems.append(
                ImportProblem(line, "", f"not valid JSON: {exc.msg} (character {exc.colno})")
            )
            continue
        if not isinstance(value, dict):
            problems.append(
                ImportProblem(
                    line, "", f'expected a JSON object like {{"id": …}}, found {_describe(value)}'
                )
            )
            continue
        values: dict[str, object] = {}
        row = _Cells(line=line, values=values, absent_columns=frozenset())
        for key, item in value.items():
            name = key.strip().lower()
            if name in COLUMNS:
                values[name] = item
            else:
                row.report(key, _unknown_name(key, "field"))
        yield row


@dataclass(frozen=True)
class _ParsedRow:
    """What the checks across rows need from one row, whatever else was wrong with it."""

    line: int
    external_id: str
    email: str
    manager_id: str | None
    avoid: tuple[str, ...]
    record: ParticipantRecord | None


def _parse_row(row: _Cells, problems: list[ImportProblem]) -> _ParsedRow:
    external_id = row.required("id")
    name = row.required("name")
    email = _email(row)
    role = _role(row)
    title = row.text("title")
    department = row.text("department")
    manager_id = row.text("manager_id") or None
    location = row.text("location")
    timezone = _timezone(row)
    languages = tuple(dict.fromkeys(item.lower() for item in row.items("languages")))
    skills = _unique_ignoring_case(row.items("skills"))
    expertise = row.text("expertise")
    goals = row.text("goals")
    challenges = row.text("challenges")
    industry = row.text("industry")
    years_experience = _years_experience(row)
    working_style = row.text("working_style")
    communication = _communication(row)
    availability_text, availability = _availability(row)
    capacity = _capacity(row, role)
    avoid = tuple(dict.fromkeys(row.items("avoid")))
    consent = row.flag("consent_demographics") or False
    # Without consent the demographic cells are not ours to read, so they are
    # dropped unseen rather than checked.
    gender = (row.text("gender") or None) if consent else None
    underrepresented = row.flag("underrepresented") if consent else None

    record = None
    if not row.problems:
        record = ParticipantRecord(
            external_id=external_id,
            name=name,
            email=email,
            role=role,
            title=title,
            department=department,
            manager_id=manager_id,
            location=location,
            timezone=timezone,
            languages=languages,
            skills=skills,
            expertise=expertise,
            goals=goals,
            challenges=challenges,
            industry=industry,
            years_experience=years_experience,
            working_style=working_style,
            communication=communication,
            availability=availability,
            availability_text=availability_text,
            capacity=capacity,
            avoid=avoid,
            gender=gender,
            underrepresented=underrepresented,
            consent_demographics=consent,
            line=row.line,
        )
    problems.extend(row.problems)
    return _ParsedRow(row.line, external_id, email, manager_id, avoid, record)


def _unique_ignoring_case(items: list[str]) -> tuple[str, ...]:
    first_spelling: dict[str, str] = {}
    for item in items:
        first_spelling.setdefault(item.casefold(), item)
    return tuple(first_spelling.values())


def _email(row: _Cells) -> str:
    raw = row.required("email")
    if not raw:
        return ""
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        row.report("email", f"{raw!r} is not a valid email address: {exc}")
        return ""


def _role(row: _Cells) -> str:
    raw = row.required("role")
    role = raw.lower()
    if raw and role not in ROLES:
        row.report("role", f"{raw!r} is not a role; use mentor, mentee or both")
    return role


def _timezone(row: _Cells) -> str:
    raw = row.text("timezone")
    if not raw:
        return DEFAULT_TIMEZONE
    timezone = canonical_timezone(raw)
    if timezone is None:
        guess = difflib.get_close_matches(raw, known_timezones(), n=1, cutoff=0.8)
        hint = f"did you mean {guess[0]}?" if guess else f"e.g. {EXAMPLE_TIMEZONE}"
        row.report("timezone", f"{raw!r} is not a known IANA time zone ({hint})")
        return ""
    return timezone


def _years_experience(row: _Cells) -> float | None:
    raw, years = row.number("years_experience")
    if not raw:
        return None
    if years is None:
        row.report("years_experience", f"{raw!r} is not a number of years (e.g. 7 or 2.5)")
        return None
    if not 0 <= years <= MAX_YEARS_EXPERIENCE:
        row.report("years_experience", f"{raw} is not between 0 and {MAX_YEARS_EXPERIENCE} years")
        return None
    return years


def _communication(row: _Cells) -> tuple[str, ...]:
    # "In person" and "in-person" are what people type; in_person is what we store.
    modes = [
        item.lower().replace("-", "_").replace(" ", "_") for item in row.items("communication")
    ]
    accepted = f"{', '.join(COMMUNICATION_MODES[:-1])} or {COMMUNICATION_MODES[-1]}"
    for mode in modes:
        if mode not in COMMUNICATION_MODES:
            row.report("communication", f"{mode!r} is not a way to meet; use {accepted}")
    return tuple(dict.fromkeys(mode for mode in modes if mode in COMMUNICATION_MODES))


def _availability(row: _Cells) -> tuple[str, tuple[Slot, ...]]:
    if isinstance(row.values.get("availability"), list):
        text = "; ".join(row.items("availability"))
    else:
        text = row.text("availability")
    try:
        return text, parse_availability(text)
    except ValueError as exc:
        row.report("availability", str(exc))
        return text, ()


def _capacity(row: _Cells, role: str) -> int:
    if role == "mentee":
        # Capacity means mentees at once; a mentee has none to give, whatever the cell says.
        return 0
    raw, capacity = row.number("capacity")
    if not raw:
        return 1
    if capacity is None or not capacity.is_integer():
        row.report("capacity", f"{raw!r} is not a whole number of mentees (e.g. 1, 2 or 3)")
        return 1
    if not 0 <= capacity <= MAX_CAPACITY:
        row.report("capacity", f"{raw} is not between 0 and {MAX_CAPACITY} mentees")
        return 1
    return int(capacity)


def _check_across_rows(
    rows: list[_ParsedRow], existing_ids: set[str], problems: list[ImportProblem]
) -> None:
    first_line_of_id: dict[str, int] = {}
    first_line_of_email: dict[str, int] = {}
    for row in rows:
        if row.external_id in first_line_of_id:
            first = first_line_of_id[row.external_id]
            problems.append(
                ImportProblem(
                    row.line,
                    "id",
                    f"id {row.external_id!r} appears on lines {first} and {row.line}",
                )
            )
        elif row.external_id:
            first_line_of_id[row.external_id] = row.line
        if row.email in first_line_of_email:
            first = first_line_of_email[row.email]
            problems.append(
                ImportProblem(
                    row.line,
                    "email",
                    f"email {row.email!r} appears on lines {first} and {row.line}",
                )
            )
        elif row.email:
            first_line_of_email[row.email] = row.line

    known_ids = existing_ids | first_line_of_id.keys()
    unknown = "is neither in this file nor already in the program"
    for row in rows:
        if row.manager_id is not None:
            if row.manager_id == row.external_id:
                problems.append(
                    ImportProblem(
                        row.line, "manager_id", "a participant cannot be their own manager"
                    )
                )
            elif row.manager_id not in known_ids:
                problems.append(
                    ImportProblem(row.line, "manager_id", f"manager {row.manager_id!r} {unknown}")
                )
        for avoided in row.avoid:
            if avoided == row.external_id:
                problems.append(
                    ImportProblem(row.line, "avoid", "a participant cannot avoid themselves")
                )
            elif avoided not in known_ids:
                problems.append(ImportProblem(row.line, "avoid", f"id {avoided!r} {unknown}"))
