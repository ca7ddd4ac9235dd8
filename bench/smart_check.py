"""How far the offline SMART check agrees with goals labelled by a person who never saw it.

Usage: python bench/smart_check.py [--heldout] [--json] [--show-disagreements] [--record]

Reads `tests/drafting/data/smart_goals_tuning.jsonl` (the half the checker was tuned
on) and, with `--heldout`, `smart_goals_heldout.jsonl` (never used for tuning: run it
to report, not to adjust anything). Each goal is judged as of its own `as_of` date
against the rubric in docs/llm.md ("SMART check"). Prints, per half: agreement per
criterion on the three values (met / missing / unclear) and on met versus not met;
agreement on the overall SMART / not-SMART verdict; the same without the goals not
written in English (which the offline checker declines to judge); and, as the
baseline measured in the same run, a checker that calls every criterion met.
`--record` keeps the verdict agreement in docs/measurements.json (bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from companion import language
from companion.drafting.kinds.smart_check import smart_eval
from prompts.schemas import CRITERIA, CriterionVerdict, SmartCheck

DATA = Path(__file__).resolve().parent.parent / "tests" / "drafting" / "data"
HALVES = {
    "tuning": DATA / "smart_goals_tuning.jsonl",
    "heldout": DATA / "smart_goals_heldout.jsonl",
}


def read(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
    return rows


def all_met(goal: Any, **_: Any) -> SmartCheck:
    """The baseline: every goal judged SMART."""
    verdicts = [CriterionVerdict(criterion=c, status="met", why="-") for c in CRITERIA]
    return SmartCheck(verdicts=verdicts, suggested_rewrite=goal.title)


def measure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    english = [r for r in rows if language.not_english(r["text"]) is None]
    return {
        "checker": smart_eval(rows),
        "checker_english_only": smart_eval(english),
        "baseline_all_met": smart_eval(rows, checker=all_met),
    }


def show(name: str, result: dict[str, Any], disagreements: bool) -> None:
    checker, english, baseline = (
        result["checker"],
        result["checker_english_only"],
        result["baseline_all_met"],
    )
    print(f"{name}: {checker['goals']} goals ({english['goals']} in English)")
    print(f"  {'criterion':<12} {'3 values':>9} {'met/not':>9} {'baseline':>9}")
    for c in CRITERIA:
        print(
            f"  {c:<12} {checker['per_criterion'][c]:>9.1%} "
            f"{checker['per_criterion_met'][c]:>9.1%} {baseline['per_criterion'][c]:>9.1%}"
        )
    print(
        f"  SMART / not SMART: {checker['smart_verdict']:.1%} "
        f"(English only {english['smart_verdict']:.1%}; "
        f"baseline {baseline['smart_verdict']:.1%}, "
        f"ratio {checker['smart_verdict'] / max(baseline['smart_verdict'], 1e-9):.2f})"
    )
    print(f"  all five values agree: {checker['exact_match']:.1%}")
    if disagreements:
        for d in checker["disagreements"]:
            print(
                f"  - {d['id']} {d['criterion']}: labelled {d['labelled']}, judged {d['checker']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="also report the held-out half")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--show-disagreements", action="store_true")
    parser.add_argument("--record", action="store_true", help="keep the figures (results.py)")
    args = parser.parse_args()
    halves = ["tuning", "heldout"] if args.heldout else ["tuning"]
    results = {half: measure(read(HALVES[half])) for half in halves}
    if args.record:
        from bench.results import record

        for half, result in results.items():
            checker = result["checker"]
            record(
                f"smart_check.{half}.verdict",
                figure="SMART check: agreement with a person on SMART / not SMART, "
                + ("tuning half" if half == "tuning" else "held-out half (never tuned on)"),
                value=checker["smart_verdict"],
                unit="share",
                detail=f"{checker['goals']} labelled goals; baseline 'all met' "
                f"{result['baseline_all_met']['smart_verdict']:.1%} in the same run",
            )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for half, result in results.items():
        show(half, result, args.show_disagreements)


if __name__ == "__main__":
    main()
