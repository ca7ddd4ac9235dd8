"""Reading participant files: normalised records, and every problem with its line and column."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import companion
from companion.availability import Slot
from companion.participants.importer import (
    COLUMNS,
    REQUIRED,
    ImportProblem,
    ParticipantRecord,
    detect_format,
    parse_participants,
)

DEMO_CSV = Path(companion.__file__).parent / "demo_data" / "participants.csv"

MENTOR = {
    "id": "E1",
    "name": " Ada Mensah ",
    "email": "Ada.Mensah@Example.COM",
    "role": "Mentor",
    "title": "Staff Engineer",
    "department": "engineering",
    "manager_id": "",
    "location": "Accra",
    "timezone": "Africa/Accra",
    "languages": "English; Twi; english",
    "skills": "Go; Kubernetes; go; SRE",
    "expertise": "I help people calm down a noisy on-call rotation.",
    "goals": "",
    "challenges": "",
    "industry": "telecommunications",
    "years_experience": "12",
    "working_style": "Short, frequent calls.",
    "communication": "video; In person; chat",
    "availability": "Mon 09:00-11:00; Wed 14:00-16:00",
    "capacity": "2",
    "avoid": "",
    "gender": "woman",
    "underrepresented": "Yes",
    "consent_demographics": "yes",
}
BOTH = {
    **{column: "" for column in COLUMNS},
    "id": "E2",
    "name": "Bruno Lima",
    "email": "bruno.lima@example.com",
    "role": "both",
    "manager_id": "E1",
    "timezone": "america/sao_paulo",
    "languages": "portuguese",
    "goals": "I want to lead the data platform team.",
    "years_experience": "6.5",
    "availability": "Tue-Thu 08:00-09:00",
    "gender": "man",
    "underrepresented": "no",
    "consent_demographics": "no",
}
MENTEE = {
    **{column: "" for column in COLUMNS},
    "id": "E3",
    "name": "Chen Wei",
    "email": "chen.wei@example.com",
    "role": "mentee",
    "manager_id": "E1",
    "goals": "I'd like to design services other teams can depend on.",
    "capacity": "3",
    "avoid": "E2",
    "consent_demographics": "",
}
GOOD_ROWS = [MENTOR, BOTH, MENTEE]


def to_csv(rows: list[dict[str, str]], *, columns: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def lines(*rows: str) -> bytes:
    """A file whose n-th argument is its n-th line."""
    return ("\n".join(rows) + "\n").encode()


def parse_csv(data: bytes, **kwargs: object) -> tuple[list[ParticipantRecord], list[ImportProblem]]:
    return parse_participants(data, format="csv", **kwargs)  # type: ignore[arg-type]


def where(problems: list[ImportProblem]) -> set[tuple[int, str]]:
    return {(problem.line, problem.column) for problem in problems}


def message_at(problems: list[ImportProblem], line: int, column: str) -> str:
    [message] = [p.message for p in problems if (p.line, p.column) == (line, column)]
    return message


class TestDetectFormat:
    @pytest.mark.parametrize(
        ("filename", "expected"),
        [
            ("cohort.csv", "csv"),
            ("COHORT.CSV", "csv"),
            ("people.jsonl", "jsonl"),
            ("people.ndjson", "jsonl"),
            ("people.json-lines", "jsonl"),
            ("/tmp/export 2026.v2.csv", "csv"),
        ],
    )
    def test_known_suffixes(self, filename: str, expected: str) -> None:
        assert detect_format(filename) == expected

    @pytest.mark.parametrize(
        ("filename", "message"),
        [
            ("people.json", "plain JSON"),
            ("people.xlsx", "save it as CSV"),
            ("people", "cannot tell the format"),
            ("people.txt", "use .csv, or .jsonl"),
        ],
    )
    def test_other_names_are_refused_with_a_hint(self, filename: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            detect_format(filename)


class TestGoodFile:
    def test_values_are_normalised(self) -> None:
        records, problems = parse_csv(to_csv(GOOD_ROWS))
        assert problems == []
        mentor, both, mentee = records
        assert mentor == ParticipantRecord(
            external_id="E1",
            name="Ada Mensah",
            email="ada.mensah@example.com",
            role="mentor",
            title="Staff Engineer",
            department="engineering",
            manager_id=None,
            location="Accra",
            timezone="Africa/Accra",
            languages=("english", "twi"),
            skills=("Go", "Kubernetes", "SRE"),
            expertise="I help people calm down a noisy on-call rotation.",
            goals="",
            challenges="",
            industry="telecommunications",
            years_experience=12.0,
            working_style="Short, frequent calls.",
            communication=("video", "in_person", "chat"),
            availability=(Slot(0, 540, 660), Slot(2, 840, 960)),
            availability_text="Mon 09:00-11:00; Wed 14:00-16:00",
            capacity=2,
            avoid=(),
            gender="woman",
            underrepresented=True,
            consent_demographics=True,
            line=2,
        )
        assert (both.timezone, both.capacity, both.years_experience) == (
            "America/Sao_Paulo",
            1,
            6.5,
        )
        assert [slot.day for slot in both.availability] == [1, 2, 3]
        assert (mentee.timezone, mentee.capacity, mentee.avoid) == ("UTC", 0, ("E2",))
        assert [record.line for record in records] == [2, 3, 4]

    def test_jsonl_with_the_same_data_gives_equal_records(self) -> None:
        as_json = [
            {
                **MENTOR,
                "languages": ["English", "Twi", "english"],
                "skills": ["Go", "Kubernetes", "go", "SRE"],
                "communication": ["video", "In person", "chat"],
                "availability": ["Mon 09:00-11:00", "Wed 14:00-16:00"],
                "years_experience": 12,
                "capacity": 2,
                "underrepresented": True,
                "consent_demographics": True,
                "manager_id": None,
            },
            {**BOTH, "years_experience": 6.5, "consent_demographics": False},
            {"id": "E3", **{k: v for k, v in MENTEE.items() if v and k != "id"}},
        ]
        data = "\n".join(json.dumps(row) for row in as_json).encode()
        from_jsonl, problems = parse_participants(data, format="jsonl")
        assert problems == []
        assert from_jsonl == parse_csv(to_csv(GOOD_ROWS))[0]
        assert [record.line for record in from_jsonl] == [1, 2, 3]

    def test_a_utf8_byte_order_mark_is_fine(self) -> None:
        records, problems = parse_csv(b"\xef\xbb\xbf" + to_csv(GOOD_ROWS))
        assert problems == []
        assert records == parse_csv(to_csv(GOOD_ROWS))[0]

    def test_only_the_required_columns_are_needed(self) -> None:
        records, problems = parse_csv(lines("id,name,email,role", "x1,Xu Li,xu@example.com,mentee"))
        assert problems == []
        assert records[0].languages == ()
        assert records[0].consent_demographics is False

    def test_header_names_ignore_case_and_spaces(self) -> None:
        _, problems = parse_csv(lines(" ID ,Name,EMAIL,Role", "x1,Xu Li,xu@example.com,mentee"))
        assert problems == []

    def test_semicolon_separated_export(self) -> None:
        data = lines(
            "id;name;email;role;languages",
            'x1;Xu Li;xu@example.com;mentee;"english;mandarin"',
        )
        records, problems = parse_csv(data)
        assert problems == []
        assert records[0].languages == ("english", "mandarin")

    def test_lines_count_physical_lines_and_blank_rows_are_skipped(self) -> None:
        data = lines(
            "id,name,email,role,goals",
            'x1,Xu Li,xu@example.com,mentee,"First line',
            'second line"',
            "",
            "x2,Yan Bo,yan@example.com,mentee,",
            "x3,Zoe Ng,not-an-email,mentee,",
        )
        records, problems = parse_csv(data)
        assert [record.line for record in records] == [2, 5]
        assert records[0].goals == "First line\nsecond line"
        assert where(problems) == {(6, "email")}


class TestProblems:
    # One file with every kind of row problem; the line numbers are the list positions + 1.
    HEADER = (
        "id,name,email,role,manager_id,timezone,communication,availability,"
        "years_experience,capacity,avoid,gender,underrepresented,consent_demographics"
    )
    FILE = lines(
        HEADER,
        "m1,Good Mentor,m1@example.com,mentor,,Europe/Berlin,video,Mon 09:00-10:00,10,2,,,,",
        "m2,,m2@example.com,mentor,,,,,,,,,,",
        "m3,Bad Email,m3-at-example.com,mentor,,,,,,,,,,",
        "m4,Bad Role,m4@example.com,mentr,,,,,,,,,,",
        "m5,Bad Zone,m5@example.com,mentor,,Europe/Berln,,,,,,,,",
        "m6,Bad Slots,m6@example.com,mentor,,,,Mon 9-11,,,,,,",
        "m7,Bad Mode,m7@example.com,mentor,,,video;carrier pigeon,,,,,,,",
        "m8,Bad Years,m8@example.com,mentor,,,,,ten,,,,,",
        "m9,Old Hand,m9@example.com,mentor,,,,,71,,,,,",
        "m10,Half Mentor,m10@example.com,mentor,,,,,,1.5,,,,",
        "m11,Busy Mentor,m11@example.com,mentor,,,,,,21,,,,",
        "m12,Unsure,m12@example.com,mentor,,,,,,,,woman,maybe,yes",
        "m13,Vague Consent,m13@example.com,mentor,,,,,,,,,,sure",
        "m1,Second M1,other@example.com,mentor,,,,,,,,,,",
        "m15,Same Email,M1@Example.com,mentor,,,,,,,,,,",
        "m16,Lost Manager,m16@example.com,mentee,nobody,,,,,,,,,",
        "m17,Lost Avoid,m17@example.com,mentee,,,,,,,m1;ghost,,,",
        "m18,Own Manager,m18@example.com,mentee,m18,,,,,,m18,,,",
        "m19,,,,,,,,-1,-2,,,,",
    )
    EXPECTED = frozenset(
        {
            (3, "name"),
            (4, "email"),
            (5, "role"),
            (6, "timezone"),
            (7, "availability"),
            (8, "communication"),
            (9, "years_experience"),
            (10, "years_experience"),
            (11, "capacity"),
            (12, "capacity"),
            (13, "underrepresented"),
            (14, "consent_demographics"),
            (15, "id"),
            (16, "email"),
            (17, "manager_id"),
            (18, "avoid"),
            (19, "manager_id"),
            (19, "avoid"),
            (20, "name"),
            (20, "email"),
            (20, "role"),
            (20, "years_experience"),
            (20, "capacity"),
        }
    )

    def test_every_problem_is_reported_at_once(self) -> None:
        records, problems = parse_csv(self.FILE)
        assert where(problems) == self.EXPECTED
        assert problems == sorted(problems, key=lambda p: p.line)
        # Only the clean row comes back; the caller saves nothing while problems remain.
        assert [record.external_id for record in records] == ["m1"]

    @pytest.mark.parametrize(
        ("line", "column", "message"),
        [
            (3, "name", "a value is required"),
            (4, "email", "'m3-at-example.com' is not a valid email address: "),
            (5, "role", "'mentr' is not a role; use mentor, mentee or both"),
            (6, "timezone", "'Europe/Berln' is not a known IANA time zone (did you mean Europe/"),
            (7, "availability", "'Mon 9-11': expected a day and a time range like"),
            (8, "communication", "'carrier_pigeon' is not a way to meet; use video, chat,"),
            (9, "years_experience", "'ten' is not a number of years"),
            (10, "years_experience", "71 is not between 0 and 70 years"),
            (11, "capacity", "'1.5' is not a whole number of mentees"),
            (12, "capacity", "21 is not between 0 and 20 mentees"),
            (13, "underrepresented", "'maybe' is not yes or no"),
            (14, "consent_demographics", "'sure' is not yes or no"),
            (15, "id", "id 'm1' appears on lines 2 and 15"),
            (16, "email", "email 'm1@example.com' appears on lines 2 and 16"),
            (17, "manager_id", "manager 'nobody' is neither in this file nor already in"),
            (18, "avoid", "id 'ghost' is neither in this file nor already in the program"),
            (19, "manager_id", "a participant cannot be their own manager"),
            (19, "avoid", "a participant cannot avoid themselves"),
        ],
    )
    def test_messages(self, line: int, column: str, message: str) -> None:
        _, problems = parse_csv(self.FILE)
        assert message_at(problems, line, column).startswith(message)

    def test_range_problems_are_reported_at_both_ends(self) -> None:
        _, problems = parse_csv(
            lines("id,name,email,role,years_experience,capacity", "a,A,a@x.org,both,-1,-2")
        )
        assert message_at(problems, 2, "years_experience") == "-1 is not between 0 and 70 years"
        assert message_at(problems, 2, "capacity") == "-2 is not between 0 and 20 mentees"

    def test_problem_text_names_line_and_column(self) -> None:
        problem = ImportProblem(7, "timezone", "'Europe/Berln' is not a known IANA time zone")
        assert str(problem) == (
            "line 7, column 'timezone': 'Europe/Berln' is not a known IANA time zone"
        )
        assert str(ImportProblem(3, "", "not valid JSON")) == "line 3: not valid JSON"
        assert str(ImportProblem(0, "", "the file is empty")) == "the file is empty"

    def test_an_unknown_zone_without_a_close_match_gets_an_example(self) -> None:
        _, problems = parse_csv(lines("id,name,email,role,timezone", "a,A,a@x.org,mentee,Mars"))
        assert message_at(problems, 2, "timezone") == (
            "'Mars' is not a known IANA time zone (e.g. Europe/Berlin)"
        )

    def test_mentee_capacity_is_ignored(self) -> None:
        records, problems = parse_csv(
            lines("id,name,email,role,capacity", "a,A,a@x.org,mentee,lots")
        )
        assert problems == []
        assert records[0].capacity == 0

    def test_existing_ids_make_managers_and_avoided_people_known(self) -> None:
        data = lines("id,name,email,role,manager_id,avoid", "new,New,new@x.org,mentee,boss,old")
        _, unknown = parse_csv(data)
        assert where(unknown) == {(2, "manager_id"), (2, "avoid")}
        records, problems = parse_csv(data, existing_ids={"boss", "old"})
        assert problems == []
        assert (records[0].manager_id, records[0].avoid) == ("boss", ("old",))


class TestHeaderProblems:
    def test_a_typo_in_a_column_name_is_not_ignored(self) -> None:
        data = lines("id,name,email,role,timezon", "a,A,a@x.org,mentee,Europe/Berlin")
        records, problems = parse_csv(data)
        assert where(problems) == {(1, "timezon")}
        message = problems[0].message
        assert message.startswith("unknown column 'timezon' (did you mean 'timezone'?)")
        assert "the accepted columns are id, name, email, role, title" in message
        assert records == []

    def test_missing_required_columns_are_listed(self) -> None:
        _, problems = parse_csv(lines("id,name,location", "a,A,Lagos"))
        assert where(problems) == {(1, "email"), (1, "role")}
        assert message_at(problems, 1, "role").startswith(
            "the header lacks required columns email, role"
        )

    def test_a_column_given_twice(self) -> None:
        _, problems = parse_csv(lines("id,name,email,role,name", "a,A,a@x.org,mentee,B"))
        assert where(problems) == {(1, "name")}
        assert problems[0].message == "the column appears twice"

    def test_values_beyond_the_header(self) -> None:
        data = lines("id,name,email,role", "a,A,a@x.org,mentee", "b,B,b@x.org,mentee,stray")
        _, problems = parse_csv(data)
        assert [str(p) for p in problems] == ["line 3: value 'stray' in column 5 has no header"]

    def test_empty_trailing_header_cells_from_spreadsheets_are_fine(self) -> None:
        _, problems = parse_csv(lines("id,name,email,role,,", "a,A,a@x.org,mentee,,"))
        assert problems == []


class TestFileProblems:
    def test_not_utf8(self) -> None:
        data = lines("id,name,email,role", "a,A,a@x.org,mentee") + "b,Bé,b@x.org,mentee\n".encode(
            "latin-1"
        )
        records, problems = parse_csv(data)
        assert records == []
        assert [(p.line, p.column) for p in problems] == [(3, "")]
        assert problems[0].message.startswith("the file is not UTF-8 text")

    @pytest.mark.parametrize("data", [b"", b"  \n\n", b"\xef\xbb\xbf"])
    @pytest.mark.parametrize("file_format", ["csv", "jsonl"])
    def test_empty(self, data: bytes, file_format: str) -> None:
        records, problems = parse_participants(data, format=file_format)  # type: ignore[arg-type]
        assert records == []
        assert [str(p) for p in problems] == [
            "the file is empty; expected a header and one row each"
        ]

    def test_a_header_without_rows(self) -> None:
        _, problems = parse_csv(lines(",".join(REQUIRED)))
        assert [str(p) for p in problems] == ["the file has no participants in it"]

    def test_unknown_format(self) -> None:
        with pytest.raises(ValueError, match="unknown format 'xml'"):
            parse_participants(b"<people/>", format="xml")  # type: ignore[arg-type]


class TestJsonLinesProblems:
    def test_every_line_problem(self) -> None:
        data = lines(
            '{"id": "a", "name": "A", "email": "a@x.org", "role": "mentor"}',
            "",
            '{"id": "b", "name": "B", "email": "b@x.org", "role": "mentee",',
            '["c", "C"]',
            '{"id": "d", "name": "D", "email": "d@x.org", "role": "mentee", "timezon": "UTC"}',
            '{"id": "e", "name": true, "email": "e@x.org", "role": "mentee"}',
            '{"id": "f", "name": "F", "email": "f@x.org", "role": "mentor", "capacity": true}',
            '{"id": "g", "name": "G", "email": "g@x.org"}',
            '{"id": "h", "name": "H", "email": "h@x.org", "role": "mentee", "skills": [{"a": 1}]}',
        )
        records, problems = parse_participants(data, format="jsonl")
        # Lines that are not JSON objects make the file unsound, so no row is returned.
        assert records == []
        assert [str(p) for p in problems] == [
            "line 3: not valid JSON: Expecting property name enclosed in double quotes "
            "(character 63)",
            'line 4: expected a JSON object like {"id": …}, found a list',
            "line 5, column 'timezon': unknown field 'timezon' (did you mean 'timezone'?); "
            f"the accepted fields are {', '.join(COLUMNS)}",
            "line 6, column 'name': expected text, not true/false",
            "line 7, column 'capacity': 'true' is not a whole number of mentees (e.g. 1, 2 or 3)",
            "line 8, column 'role': a value is required",
            "line 9, column 'skills': expected a list of text, found an object",
        ]


class TestConsent:
    HEADER = "id,name,email,role,gender,underrepresented,consent_demographics"

    @pytest.mark.parametrize("consent", ["yes", "YES", "true", "1"])
    def test_demographics_are_kept_with_consent(self, consent: str) -> None:
        records, _ = parse_csv(lines(self.HEADER, f"a,A,a@x.org,mentee,non-binary,no,{consent}"))
        assert (records[0].gender, records[0].underrepresented) == ("non-binary", False)
        assert records[0].consent_demographics is True

    @pytest.mark.parametrize("consent", ["no", "false", "0", ""])
    def test_demographics_are_dropped_unread_without_consent(self, consent: str) -> None:
        records, problems = parse_csv(
            lines(self.HEADER, f"a,A,a@x.org,mentee,woman,perhaps,{consent}")
        )
        assert problems == []
        assert (records[0].gender, records[0].underrepresented) == (None, None)
        assert records[0].consent_demographics is False

    def test_blank_demographics_with_consent_are_none(self) -> None:
        records, _ = parse_csv(lines(self.HEADER, "a,A,a@x.org,mentee,,,yes"))
        assert (records[0].gender, records[0].underrepresented) == (None, None)


class TestDemoCohort:
    @pytest.fixture(scope="class")
    @classmethod
    def records(cls) -> list[ParticipantRecord]:
        records, problems = parse_csv(DEMO_CSV.read_bytes())
        assert problems == []
        return records

    def test_size_and_spread(self, records: list[ParticipantRecord]) -> None:
        mentors = [r for r in records if r.role in ("mentor", "both")]
        assert len(records) >= 48
        assert len(mentors) >= 12
        assert any(r.role == "both" for r in records)
        assert len({r.timezone for r in records}) >= 6
        assert {r.department for r in records} >= {
            "engineering",
            "product",
            "data",
            "design",
            "support",
            "sales engineering",
        }
        assert all(1 <= r.capacity <= 3 for r in mentors)

    def test_the_demo_users_are_a_mentor_and_a_mentee(
        self, records: list[ParticipantRecord]
    ) -> None:
        by_email = {r.email: r for r in records}
        assert (by_email["mentor@demo.example"].name, by_email["mentor@demo.example"].role) == (
            "Priya Raman",
            "mentor",
        )
        assert (by_email["mentee@demo.example"].name, by_email["mentee@demo.example"].role) == (
            "Samuel Okafor",
            "mentee",
        )
        assert all(r.email.endswith("@demo.example") for r in records)

    def test_the_matching_rules_have_something_to_bite_on(
        self, records: list[ParticipantRecord]
    ) -> None:
        by_id = {r.external_id: r for r in records}
        assert any(
            r.role == "mentee" and r.manager_id and by_id[r.manager_id].role != "mentee"
            for r in records
        )
        assert sum(1 for r in records if r.avoid) >= 2
        assert sum(1 for r in records if "english" not in r.languages) >= 2
        assert all(r.availability for r in records)

    def test_demographics_only_for_those_who_consented(
        self, records: list[ParticipantRecord]
    ) -> None:
        consented = [r for r in records if r.consent_demographics]
        assert 0.55 <= len(consented) / len(records) <= 0.75
        assert all(r.gender and r.underrepresented is not None for r in consented)
