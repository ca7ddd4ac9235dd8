"""The `companion participants` and `companion match` commands: what scripts depend on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from companion.accounts.principal import CLI
from companion.cli import app
from companion.demo import DEMO_PROGRAM
from companion.matching import service as matching
from companion.matching.config import MatchingSettings
from companion.programs import service as programs
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import cli_env
from tests.matching.conftest import BEST_PAIRS, SMALL, to_csv

runner = CliRunner()

BAD_FILE = (
    "id,name,email,role,timezone,availability,manager_id,avoid\n"
    "M1,Good Mentor,m1@example.org,mentor,Europe/Berlin,Mon 09:00-10:00,,\n"
    "E1,Bad Email,e1-at-example.org,mentee,,,,\n"
    "E2,Bad Zone,e2@example.org,mentee,Mars/Olympus_Mons,,,\n"
    "E3,Bad Slots,e3@example.org,mentee,,whenever,,\n"
    "E3,Twice,e4@example.org,mentee,,,,\n"
    "E5,Lost Manager,e5@example.org,mentee,,,nobody,\n"
    "E6,Lost Avoid,e6@example.org,mentee,,,,ghost\n"
)
BAD_FILE_PROBLEMS = [
    (3, "email"),
    (4, "timezone"),
    (5, "availability"),
    (6, "id"),
    (7, "manager_id"),
    (8, "avoid"),
]
PROBLEM_LINE = re.compile(r"^\s*line (\d+), column '([a-z_]+)': (.+)$")
RUN_KEYS = {"run_id", "program", "matches", "unmatched", "objective", "fairness"}
MATCH_KEYS = {"mentor_id", "mentee_id", "score", "reasons", "components"}


def companion(data_dir: Path, *args: str) -> Result:
    """Run `companion ARGS` with COMPANION_DATA_DIR pointing at `data_dir`."""
    return runner.invoke(app, list(args), env=cli_env(data_dir))


def companion_json(data_dir: Path, *args: str) -> Any:
    """Run a `--json` command that must succeed; its stdout is exactly one JSON value."""
    result = companion(data_dir, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def program_names(data_dir: Path) -> list[str]:
    return [p["name"] for p in companion_json(data_dir, "programs", "list")["items"]]


def pairs(payload: dict[str, Any]) -> dict[str, str]:
    return {m["mentee_id"]: m["mentor_id"] for m in payload["matches"]}


def proposal_for(payload: dict[str, Any], mentee_id: str) -> int:
    [found] = [m["proposal_id"] for m in payload["matches"] if m["mentee_id"] == mentee_id]
    return found


@pytest.fixture
def data_dir(settings: Settings, encoder) -> Path:
    """A migrated, empty data dir (the shared encoder already loaded)."""
    return settings.data_dir


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.csv"
    path.write_bytes(to_csv(SMALL))
    return path


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE)
    return path


@pytest.fixture
def pilot(data_dir: Path, cohort: Path) -> Path:
    """The small cohort imported into the program 'Pilot'."""
    assert companion(data_dir, "programs", "create", "Pilot").exit_code == 0
    companion_json(data_dir, "participants", "import", str(cohort), "--program", "Pilot")
    return data_dir


class TestParticipantsImport:
    def test_creates_a_missing_program_with_default_settings(
        self, data_dir: Path, cohort: Path
    ) -> None:
        result = companion(
            data_dir, "participants", "import", str(cohort), "--program", "Spring cohort"
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            "6 created, 0 updated, 0 unchanged (6 new user accounts)."
        ]
        assert "Created program 'Spring cohort' (one_on_one)." in result.stderr
        [program] = companion_json(data_dir, "programs", "list")["items"]
        assert program["name"] == "Spring cohort"
        assert program["kind"] == "one_on_one"
        assert (program["cadence_days"], program["session_minutes"]) == (14, 45)
        assert program["matching"] == MatchingSettings().model_dump()

    def test_json_prints_the_counts(self, data_dir: Path, cohort: Path) -> None:
        assert companion(data_dir, "programs", "create", "Pilot").exit_code == 0
        report = companion_json(
            data_dir, "participants", "import", str(cohort), "--program", "Pilot"
        )
        assert report == {
            "created": 6,
            "updated": 0,
            "unchanged": 0,
            "users_created": 6,
            "email_changes_held": 0,
        }
        again = companion_json(
            data_dir, "participants", "import", str(cohort), "--program", "Pilot"
        )
        assert again == {
            "created": 0,
            "updated": 0,
            "unchanged": 6,
            "users_created": 0,
            "email_changes_held": 0,
        }
        assert program_names(data_dir) == ["Pilot"]

    def test_json_prints_only_the_counts_when_the_program_is_created(
        self, data_dir: Path, cohort: Path
    ) -> None:
        report = companion_json(data_dir, "participants", "import", str(cohort), "--program", "New")
        assert report == {
            "created": 6,
            "updated": 0,
            "unchanged": 0,
            "users_created": 6,
            "email_changes_held": 0,
        }

    def test_a_bad_file_does_not_claim_the_program_was_created(
        self, data_dir: Path, bad_file: Path
    ) -> None:
        result = companion(data_dir, "participants", "import", str(bad_file), "--program", "New")
        assert result.exit_code == 1
        assert "Created program" not in result.output

    def test_a_bad_file_exits_1_with_every_problem_and_saves_nothing(
        self, data_dir: Path, bad_file: Path
    ) -> None:
        result = companion(
            data_dir, "participants", "import", str(bad_file), "--program", "Pilot", "--json"
        )
        assert result.exit_code == 1
        assert "{" not in result.stdout
        found = [
            m.groups() for line in result.stderr.splitlines() if (m := PROBLEM_LINE.match(line))
        ]
        assert [(int(line), column) for line, column, _ in found] == BAD_FILE_PROBLEMS
        messages = {column: message for _, column, message in found}
        assert "e1-at-example.org" in messages["email"]
        assert "'ghost'" in messages["avoid"]
        assert "nothing was imported" in result.stderr
        # Not even the program named on the command line was created.
        assert program_names(data_dir) == []

    def test_dry_run_checks_and_saves_nothing(
        self, data_dir: Path, cohort: Path, bad_file: Path
    ) -> None:
        good = companion(
            data_dir, "participants", "import", str(cohort), "--program", "Pilot", "--dry-run"
        )
        assert good.exit_code == 0, good.output
        assert good.stdout.strip() == "6 participants read, 0 problem(s)."
        bad = companion(
            data_dir, "participants", "import", str(bad_file), "--program", "Pilot", "--dry-run"
        )
        assert bad.exit_code == 1
        found = [PROBLEM_LINE.match(line) for line in bad.stderr.splitlines()]
        assert [(int(m[1]), m[2]) for m in found if m] == BAD_FILE_PROBLEMS
        assert bad.stdout.strip() == "1 participants read, 6 problem(s)."
        assert program_names(data_dir) == []

    def test_dry_run_with_json_prints_the_preview(
        self, data_dir: Path, cohort: Path, bad_file: Path
    ) -> None:
        preview = companion_json(
            data_dir, "participants", "import", str(cohort), "--program", "Pilot", "--dry-run"
        )
        assert preview == {
            "valid": True,
            "participants": 6,
            "mentors": 3,
            "mentees": 3,
            "problems": [],
        }
        bad = companion(
            data_dir,
            "participants",
            "import",
            str(bad_file),
            "--program",
            "Pilot",
            "--dry-run",
            "--json",
        )
        assert bad.exit_code == 1
        rejected = json.loads(bad.stdout)
        assert rejected["valid"] is False
        assert [(p["line"], p["column"]) for p in rejected["problems"]] == BAD_FILE_PROBLEMS
        assert program_names(data_dir) == []

    def test_a_missing_file_is_a_usage_error(self, data_dir: Path, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere.csv"
        result = companion(data_dir, "participants", "import", str(missing), "--program", "Pilot")
        assert result.exit_code == 2
        assert "nowhere.csv: no such file" in result.stderr
        assert program_names(data_dir) == []


class TestParticipantsList:
    def test_lists_by_role_with_ids_as_imported(self, pilot: Path) -> None:
        page = companion_json(pilot, "participants", "list", "--program", "Pilot")
        assert page["total"] == 6
        assert [p["id"] for p in page["items"]] == ["E1", "E2", "E3", "M1", "M2", "M3"]
        assert not {"gender", "underrepresented"} & set(page["items"][0])
        mentors = companion_json(
            pilot, "participants", "list", "--program", "Pilot", "--role", "mentor"
        )
        assert [p["id"] for p in mentors["items"]] == ["M1", "M2", "M3"]

    def test_unknown_program_exits_1_naming_it(self, data_dir: Path) -> None:
        result = companion(data_dir, "participants", "list", "--program", "Nowhere")
        assert result.exit_code == 1
        assert "No program named 'Nowhere'" in result.stderr


class TestMatchRun:
    def test_prints_exactly_one_json_object(self, pilot: Path) -> None:
        result = companion(pilot, "match", "run", "--program", "Pilot", "--json")
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert set(payload) >= RUN_KEYS
        assert payload["program"] == "Pilot"
        assert pairs(payload) == BEST_PAIRS
        for match in payload["matches"]:
            assert set(match) >= MATCH_KEYS
            assert isinstance(match["reasons"], list) and match["reasons"]
            assert set(match["components"]) == set(MatchingSettings().weights.model_dump())
            assert 0 <= match["score"] <= 1
        assert payload["unmatched"] == []
        assert isinstance(payload["objective"], float)
        assert payload["fairness"]["matched"] == 3

    def test_unmatched_mentees_come_with_a_reason(self, data_dir: Path, tmp_path: Path) -> None:
        few_mentors = tmp_path / "few.csv"
        few_mentors.write_bytes(to_csv([m for m in SMALL if m["id"] != "M3"]))
        assert companion(data_dir, "programs", "create", "Few").exit_code == 0
        companion_json(data_dir, "participants", "import", str(few_mentors), "--program", "Few")
        payload = companion_json(data_dir, "match", "run", "--program", "Few")
        assert len(payload["matches"]) == 2
        [unmatched] = payload["unmatched"]
        assert set(unmatched) == {"mentee_id", "reason"}
        assert unmatched["mentee_id"] in {"E1", "E2", "E3"}
        assert unmatched["reason"]

    def test_without_json_prints_proposals_and_reasons(self, pilot: Path) -> None:
        result = companion(pilot, "match", "run", "--program", "Pilot")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("Run 1 of Pilot: 3 proposals, 0 unmatched, objective ")
        assert any(re.match(r"\s+#\d+ E2 <- M3  score 0\.\d{3}  \[proposed\]", ln) for ln in lines)
        assert any("Zoe Park offers" in line for line in lines)

    def test_unknown_program_exits_1_naming_it(self, data_dir: Path) -> None:
        result = companion(data_dir, "match", "run", "--program", "Nowhere", "--json")
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "No program named 'Nowhere'" in result.stderr


class TestMatchShow:
    def test_shows_the_run_as_run_printed_it(self, pilot: Path) -> None:
        created = companion_json(pilot, "match", "run", "--program", "Pilot")
        shown = companion_json(pilot, "match", "show", str(created["run_id"]))
        assert shown == created

    def test_unknown_run_exits_1(self, data_dir: Path) -> None:
        result = companion(data_dir, "match", "show", "99", "--json")
        assert result.exit_code == 1
        assert "No matching run with id 99" in result.stderr


class TestMatchApprove:
    def test_one_proposal_then_all_the_rest(self, pilot: Path) -> None:
        payload = companion_json(pilot, "match", "run", "--program", "Pilot")
        run_id = str(payload["run_id"])

        one = companion(
            pilot, "match", "approve", run_id, "--proposal", str(proposal_for(payload, "E2"))
        )
        assert one.exit_code == 0, one.output
        assert one.stdout.strip() == "Approved 1 proposal(s)."
        shown = companion_json(pilot, "match", "show", run_id)
        assert {m["mentee_id"]: m["status"] for m in shown["matches"]} == {
            "E1": "proposed",
            "E2": "approved",
            "E3": "proposed",
        }
        assert shown["status"] == "awaiting_approval"

        rest = companion(pilot, "match", "approve", run_id)
        assert rest.exit_code == 0, rest.output
        assert rest.stdout.strip() == "Approved 2 proposal(s)."
        shown = companion_json(pilot, "match", "show", run_id)
        assert {m["status"] for m in shown["matches"]} == {"approved"}
        assert shown["status"] == "closed"

    def test_a_proposal_of_another_run_is_refused(self, pilot: Path) -> None:
        first = companion_json(pilot, "match", "run", "--program", "Pilot")
        second = companion_json(pilot, "match", "run", "--program", "Pilot")
        foreign = str(proposal_for(second, "E1"))
        result = companion(pilot, "match", "approve", str(first["run_id"]), "--proposal", foreign)
        assert result.exit_code == 1
        assert f"Proposal {foreign} is not part of run {first['run_id']}" in result.stderr

    def test_a_superseded_proposal_exits_1_with_the_reason(self, pilot: Path) -> None:
        first = companion_json(pilot, "match", "run", "--program", "Pilot")
        second = companion_json(pilot, "match", "run", "--program", "Pilot")
        stale = str(proposal_for(first, "E1"))
        result = companion(pilot, "match", "approve", str(first["run_id"]), "--proposal", stale)
        assert result.exit_code == 1
        assert f"superseded by run {second['run_id']}" in result.stderr
        shown = companion_json(pilot, "match", "show", str(second["run_id"]))
        assert {m["status"] for m in shown["matches"]} == {"proposed"}


class TestMatchReject:
    def test_rejects_one_proposal(self, pilot: Path) -> None:
        payload = companion_json(pilot, "match", "run", "--program", "Pilot")
        proposal = proposal_for(payload, "E3")
        result = companion(pilot, "match", "reject", str(proposal))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == f"Rejected proposal {proposal}."
        shown = companion_json(pilot, "match", "show", str(payload["run_id"]))
        assert {m["mentee_id"]: m["status"] for m in shown["matches"]}["E3"] == "rejected"

    def test_unknown_proposal_exits_1(self, data_dir: Path) -> None:
        result = companion(data_dir, "match", "reject", "4242")
        assert result.exit_code == 1
        assert "No match proposal with id 4242" in result.stderr


class TestMatchSwap:
    def test_exchanges_the_mentors(self, pilot: Path) -> None:
        payload = companion_json(pilot, "match", "run", "--program", "Pilot")
        ana, ben = proposal_for(payload, "E1"), proposal_for(payload, "E2")
        lower = companion(pilot, "match", "swap", str(ana), str(ben))
        assert lower.exit_code == 1
        assert "lowers the score by" in lower.stderr
        result = companion(pilot, "match", "swap", str(ana), str(ben), "--accept-lower")
        assert result.exit_code == 0, result.output
        assert re.fullmatch(
            rf"Swapped: #{ana} now scores 0\.\d{{3}}, #{ben} now scores 0\.\d{{3}}\.\n",
            result.stdout,
        )
        shown = companion_json(pilot, "match", "show", str(payload["run_id"]))
        assert pairs(shown) == {"E1": "M3", "E2": "M1", "E3": "M2"}

    def test_a_swap_breaking_a_rule_exits_1_and_changes_nothing(self, pilot: Path) -> None:
        payload = companion_json(pilot, "match", "run", "--program", "Pilot")
        ben, chen = proposal_for(payload, "E2"), proposal_for(payload, "E3")
        result = companion(pilot, "match", "swap", str(ben), str(chen))
        assert result.exit_code == 1
        assert "Ben Okoro cannot be paired with Xavier Dupont" in result.stderr
        assert companion_json(pilot, "match", "show", str(payload["run_id"])) == payload


class TestDemoLoad:
    def test_twice_gives_one_program_52_participants_and_one_run(
        self, data_dir: Path, settings: Settings
    ) -> None:
        first = companion(data_dir, "demo", "load")
        assert first.exit_code == 0, first.output
        assert f"Loaded the demo program {DEMO_PROGRAM!r}." in first.stdout
        second = companion(data_dir, "demo", "load")
        assert second.exit_code == 0, second.output
        assert f"The demo program {DEMO_PROGRAM!r} is already loaded." in second.stdout
        [run_line] = [line for line in first.stdout.splitlines() if "matching run" in line]
        assert run_line.startswith("52 participants; matching run ")
        assert run_line in second.stdout.splitlines()

        assert program_names(data_dir) == [DEMO_PROGRAM]
        listing = companion_json(
            data_dir, "participants", "list", "--program", DEMO_PROGRAM, "--limit", "1"
        )
        assert listing["total"] == 52
        built = Services(settings)
        try:
            with built.sessions() as session:
                program = programs.require_by_name(session=session, name=DEMO_PROGRAM)
                runs, total = matching.list_runs(
                    session=session, program_id=program.id, principal=CLI
                )
        finally:
            built.close()
        assert total == 1
        assert f"matching run {runs[0].id} awaits approval" in run_line
