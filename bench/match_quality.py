"""Planted-pair recovery on the planted cohorts, and what happens to their special cases.

Usage: .venv/bin/python bench/match_quality.py [--cohort cohort_a.csv] [--record]

Cohort A is the tuning cohort, cohort B is held out (tests/matching/data/README.md).
Prints, per cohort: planted mentor assigned (top-1 of the whole-cohort
assignment), planted mentor among the mentee's three best-scored mentors
(top-3), and what became of the cannot-meet, no-fit and other-language people.
`--record` keeps the recovery figures in docs/measurements.json (bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import embeddings
from companion.matching.evaluation import profiles_from_file, recovery

DATA = Path(__file__).resolve().parent.parent / "tests" / "matching" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohort", action="append", default=[])
    parser.add_argument("--record", action="store_true", help="keep the figures (results.py)")
    args = parser.parse_args()
    planted = json.loads((DATA / "planted.json").read_text())
    encoder = embeddings.Encoder()
    for name in args.cohort or ["cohort_a.csv", "cohort_b.csv"]:
        people = profiles_from_file((DATA / name).read_bytes(), name)
        found = recovery(people, planted[name], encoder.encode)
        n = found.planted
        print(f"\n{name}: {len(found.mentees)} mentees, {len(found.mentors)} mentors, {n} planted")
        print(f"  planted mentor assigned (top-1)  {found.assigned}/{n} ({found.assigned / n:.0%})")
        print(f"  planted mentor in top 3          {found.top3}/{n} ({found.top3 / n:.0%})")
        if args.record:
            _record(name, found.assigned, found.top3, n)
        print(f"  best-ranked but assigned elsewhere (capacity)  {found.lost_to_capacity}")
        cautioned = [p for p in found.result.pairs if any("weak fit" in r for r in p.reasons)]
        print(
            f"  proposals {len(found.result.pairs)}, with a weak-meaning caution {len(cautioned)}"
        )
        for case in planted["cannot_meet"][name]:
            pair = found.pair_of(case["mentee"])
            shown = (
                f"proposed {pair.mentor.external_id}"
                if pair
                else found.unmatched_reason(case["mentee"])
            )
            print(f"  cannot meet {case['mentee']}: {shown}")
        for mentee in planted["no_fit"][name]:
            pair = found.pair_of(mentee)
            weak = pair and any("weak fit" in r for r in pair.reasons)
            print(
                f"  no fit {mentee}: "
                + (
                    f"{pair.mentor.external_id} score {pair.score:.2f}, caution {bool(weak)}"
                    if pair
                    else "unmatched"
                )
            )
        for person in planted["other_language"][name]:
            pair = found.pair_of(person) or next(
                (p for p in found.result.pairs if p.mentor.external_id == person), None
            )
            named = pair and any("not judged" in r for r in pair.reasons)
            print(f"  other language {person}: language named in the reasons {bool(named)}")
        for miss in found.misses:
            print(f"  miss {miss}")


def _record(name: str, assigned: int, top3: int, planted: int) -> None:
    from bench.results import record

    cohort = {"cohort_a.csv": "A (tuning)", "cohort_b.csv": "B (held out)"}.get(name, name)
    stem = name.removesuffix(".csv")
    record(
        f"matching.{stem}.assigned",
        figure=f"Matching: planted mentor assigned, cohort {cohort}",
        value=assigned / planted,
        unit="share",
        detail=f"{assigned} of {planted} planted pairs",
    )
    record(
        f"matching.{stem}.top3",
        figure=f"Matching: planted mentor among the three best-scored, cohort {cohort}",
        value=top3 / planted,
        unit="share",
        detail=f"{top3} of {planted} planted pairs",
    )


if __name__ == "__main__":
    main()
