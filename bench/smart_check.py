"""How far the offline SMART check agrees with goals labelled by a person who never saw it.

Usage: python bench/smart_check.py [--heldout] [--goals FILE ...] [--json] [--show-disagreements]
       [--record]

Reads `tests/drafting/data/smart_goals_tuning.jsonl` (the half the checker was tuned
on) and, with `--heldout`, `smart_goals_heldout.jsonl` (never used for tuning: run it
to report, not to adjust anything). Each goal is judged as of its own `as_of` date
against the rubric in docs/llm.md ("SMART check"). Prints, per half: agreement per
criterion on the three values (met / missing / unclear) and on met versus not met;
agreement on the overall SMART / not-SMART verdict; the same without the goals not
written in English (which the offline checker declines to judge); and, as the
baseline measured in the same run, a checker that calls every criterion met.
`--record` keeps the verdict agreement in docs/measurements.json (bench/results.py).

`--goals FILE` (repeatable) evaluates a further labelled set in the same JSON-lines
format (tests/drafting/data/README.md) instead of the two halves, reported under its
file name; a row that cannot be read is named by file and line, a bad label by entry.
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
    """The labelled goals of one file, each checked: a bad row is named with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"{path}: cannot be read ({exc})") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise SystemExit(f"{path.name} line {number}: not a JSON object")
        missing = [k for k in ("text", "labels") if k not in row]
        if missing:
            raise SystemExit(f"{path.name} line {number}: missing {', '.join(missing)}")
        if not isinstance(row["text"], str) or not row["text"].strip():
            raise SystemExit(f"{path.name} line {number}: text must be the goal's text")
        rows.append(row)
    if not rows:
        raise SystemExit(f"{path.name}: no labelled goals")
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="also report the held-out half")
    parser.add_argument(
        "--goals",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="evaluate this labelled set (JSON lines) instead of the two halves; repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--show-disagreements", action="store_true")
    parser.add_argument("--record", action="store_true", help="keep the figures (results.py)")
    args = parser.parse_args(argv)
    if args.goals:
        sets = {path.name: path for path in args.goals}
    else:
        sets = {h: HALVES[h] for h in (["tuning", "heldout"] if args.heldout else ["tuning"])}
    rows = {name: read(path) for name, path in sets.items()}
    try:
        results = {name: measure(entries) for name, entries in rows.items()}
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    if args.record and not args.goals:
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
    for name, result in results.items():
        show(name, result, args.show_disagreements)


if __name__ == "__main__":
    main()
