"""Coordinators take a program's data out as CSV or JSON Lines; nobody else can."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.exports import service as exports
from companion.participants import service as participants
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv

URL = "/coordinator/programs/{program}/exports"


def download(browser, program: int, dataset: str, fmt: str):
    browser.get(f"/coordinator/programs/{program}")
    return browser.post(URL.format(program=program), {"dataset": dataset, "format": fmt})


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


class TestWhoMayExport:
    def test_participants_are_refused_and_other_programs_coordinators_told_nothing(
        self, web: World, browser_for
    ) -> None:
        for who in ("maya", "eli"):
            browser = browser_for(who)
            refused = browser.post(
                URL.format(program=web.pilot), {"dataset": "participants", "format": "csv"}
            )
            assert refused.status_code == 403, who
            assert "text/html" in refused.headers["content-type"]
        elsewhere = browser_for("elsewhere")
        hidden = elsewhere.post(
            URL.format(program=web.pilot), {"dataset": "participants", "format": "csv"}
        )
        missing = elsewhere.post(URL.format(program=999), {"dataset": "pairs", "format": "csv"})
        assert hidden.status_code == missing.status_code == 404
        assert f"No program with id {web.pilot}." in hidden.text
        assert "No program with id 999." in missing.text
        with web.services.sessions() as session:
            exported = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "program.exported")
            ).all()
        assert exported == []

    def test_a_post_without_the_csrf_token_is_refused(self, web: World, browser_for) -> None:
        lead = browser_for("lead")
        forged = lead.client.post(
            URL.format(program=web.pilot), data={"dataset": "participants", "format": "csv"}
        )
        assert forged.status_code == 403 and "expired" in forged.text

    def test_the_program_page_offers_exports_only_to_coordinators(
        self, web: World, browser_for
    ) -> None:
        page = browser_for("lead").get(f"/coordinator/programs/{web.pilot}").text
        assert page.count('name="dataset"') == len(exports.DATASETS)
        assert browser_for("maya").get(f"/coordinator/programs/{web.pilot}").status_code == 403


class TestWhatIsExported:
    @pytest.mark.parametrize("dataset", exports.DATASETS)
    def test_every_table_in_both_formats_says_the_same(
        self, web: World, browser_for, dataset: str
    ) -> None:
        lead = browser_for("org")
        as_csv = download(lead, web.pilot, dataset, "csv")
        as_jsonl = download(lead, web.pilot, dataset, "jsonl")
        assert as_csv.status_code == as_jsonl.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert as_jsonl.headers["content-type"].startswith("application/x-ndjson")
        disposition = as_csv.headers["content-disposition"]
        assert f'filename="program-{web.pilot}-{dataset}-' in disposition
        rows = read_csv(as_csv.text)
        lines = [json.loads(line) for line in as_jsonl.text.splitlines()]
        # The audit trail read second holds the first download's own event too.
        assert len(lines) == len(rows) + (dataset == "audit")
        if lines:
            assert list(rows[0]) == list(lines[0])
        with web.services.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "program.exported")
            ).all()
        assert [(e.data["dataset"], e.data["format"]) for e in events] == [
            (dataset, "csv"),
            (dataset, "jsonl"),
        ]
        assert all(e.program_id == web.pilot and e.actor_label == "org@example.org" for e in events)

    def test_pairs_and_participants_name_people_and_keep_private_text_out(
        self, web: World, browser_for
    ) -> None:
        lead = browser_for("lead")
        pairs = read_csv(download(lead, web.pilot, "pairs", "csv").text)
        assert any(p["mentor"] == "Maya Berg" and p["mentee_email"] for p in pairs)
        people = read_csv(download(lead, web.pilot, "participants", "csv").text)
        assert people and {"name", "email", "role"} <= set(people[0])
        assert not {"gender", "underrepresented", "consent_demographics"} & set(people[0])
        other = read_csv(download(browser_for("org"), web.other, "participants", "csv").text)
        assert not {p["email"] for p in people} & {p["email"] for p in other}

    def test_cells_a_spreadsheet_would_run_are_escaped(self, web: World, browser_for) -> None:
        hostile = [
            ("X1", '=HYPERLINK("http://evil")', "x1@example.org", "mentee", "UTC", "", "0", ""),
            ("X2", "+1+1", "x2@example.org", "mentee", "UTC", "", "0", "-2+3 wins"),
            ("X3", "@SUM(A1)", "x3@example.org", "mentee", "UTC", "", "0", ""),
        ]
        with web.services.sessions() as session:
            participants.import_participants(
                session=session,
                program_id=web.pilot,
                data=to_csv(hostile),
                filename="x.csv",
                principal=TEST_SYSTEM,
            )
            session.commit()
        rows = read_csv(download(browser_for("lead"), web.pilot, "participants", "csv").text)
        names = {r["external_id"]: r["name"] for r in rows}
        assert names["X1"] == '\'=HYPERLINK("http://evil")'
        assert names["X2"] == "'+1+1" and names["X3"] == "'@SUM(A1)"
        assert not any(
            cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values()
        )
        # JSON Lines keeps the values as they are: scripts read them, not spreadsheets.
        lines = download(browser_for("lead"), web.pilot, "participants", "jsonl").text
        assert '"name": "+1+1"' in lines


def test_csv_cell_escapes_only_text() -> None:
    assert exports.csv_cell(-3) == "-3"
    assert exports.csv_cell("-3") == "'-3"
    assert exports.csv_cell("\tTAB") == "'\tTAB"
    assert exports.csv_cell(["=a"]) == '["=a"]'
    assert exports.csv_cell(None) == ""
