"""The quality benchmarks evaluate a further set given on the command line, and name the
row and field of a file they cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import draft_quality, smart_check
from tests.drafting.test_quality import HALVES

GOALS = Path(__file__).parent / "data" / "smart_goals_tuning.jsonl"


def rows(path: Path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:n]]


def write(path: Path, entries: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(e) for e in entries) + "\n", encoding="utf-8")
    return path


class TestSmartCheckGoals:
    def test_a_further_set_is_evaluated_under_its_name(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        chosen = rows(GOALS, 4)
        path = write(tmp_path / "more_goals.jsonl", chosen)

        smart_check.main(["--goals", str(path), "--json"])

        results = json.loads(capsys.readouterr().out)
        assert list(results) == ["more_goals.jsonl"]
        assert results["more_goals.jsonl"]["checker"]["goals"] == 4
        assert results["more_goals.jsonl"] == smart_check.measure(chosen)

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ("not json", "goals.jsonl line 2: not JSON"),
            ({"id": "x", "text": "Lead a review"}, "goals.jsonl line 2: missing labels"),
            (
                {"id": "x9", "text": "Lead a review", "labels": {"specific": "yes"}},
                "entry x9: labels must give met, missing or unclear",
            ),
        ],
    )
    def test_a_bad_row_is_named(self, tmp_path: Path, bad: object, message: str) -> None:
        path = tmp_path / "goals.jsonl"
        good = json.dumps(rows(GOALS, 1)[0])
        path.write_text(f"{good}\n{bad if isinstance(bad, str) else json.dumps(bad)}\n")

        with pytest.raises(SystemExit) as raised:
            smart_check.main(["--goals", str(path)])

        assert message in str(raised.value.code)


class TestDraftQualityScenarios:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda r: r.pop("question"), "line 2: missing question"),
            (lambda r: r["mentee"].pop("aspiration"), "line 2: mentee.aspiration must be text"),
            (lambda r: r.update(notes="one note"), "line 2: notes must be a list of texts"),
        ],
    )
    def test_a_bad_row_is_named_before_anything_is_encoded(
        self, tmp_path: Path, change, message: str
    ) -> None:
        first, second = rows(HALVES["tuning"], 2)
        change(second)
        path = write(tmp_path / "more.jsonl", [first, second])

        with pytest.raises(ValueError, match=message):
            draft_quality.main(["--scenarios", str(path)])

    def test_a_further_set_is_evaluated_under_its_name(self, tmp_path: Path) -> None:
        path = write(tmp_path / "further.jsonl", rows(HALVES["tuning"], 2))
        lines: list[str] = []

        draft_quality.main(["--scenarios", str(path)], out=lines.append)

        assert "\nfurther.jsonl: 2 scenarios (further.jsonl)" in lines
        assert not any(line.startswith(("\ntuning", "\nheld-out")) for line in lines)
        table = lines[lines.index("\nfurther.jsonl: 2 scenarios (further.jsonl)") + 1 :]
        assert any(line.startswith("smart_goal") and line.split()[1] == "2" for line in table)
