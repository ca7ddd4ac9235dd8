"""Matching at scale, end to end, and its distance from the exact optimum.

Usage: .venv/bin/python bench/match.py [--mentees 5000] [--mentors 1000]

1. Large cohort: a synthetic but varied CSV (capacities 1-5, 12 time zones,
   several languages, managers, avoid lists) is imported into a real SQLite
   database and matched through `companion.matching.service.run`, encoding
   included (a cold encoder and an empty vector store). Prints each stage.
   Target: <= 20 s end to end on the ONNX backend. Baseline, same run: the same
   cohort on the torch backend (skip it with --no-baseline).
2. Optimality: on a 400 x 100 instance the run's objective (candidates from
   the nearest K mentors, then min-cost flow) is set against the exact optimum
   over all allowed pairs that can meet, computed independently with
   scipy.optimize.linear_sum_assignment on mentor slots. The objective is the
   solver's: scores plus the clear-fit priority. Target >= 99.5 %.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy.optimize import linear_sum_assignment

import embeddings
from bench.profiles import CHALLENGES, GOALS, ROLES, STYLES
from companion.accounts.principal import System
from companion.db import session_scope, upgrade
from companion.matching import service as matching
from companion.matching.config import MatchingSettings
from companion.matching.engine import (
    CLEAR_FIT_PRIORITY,
    adequate_hours,
    clear_fit,
    match_cohort,
)
from companion.matching.meaning import compare
from companion.matching.profiles import to_profile
from companion.matching.scoring import Scorer, rule_masks
from companion.participants import service as participants
from companion.participants.importer import COLUMNS
from companion.programs import service as programs
from companion.runtime import Services
from companion.settings import Settings

BENCH = System("bench")

WEEK = date(2026, 11, 23)
ZONES = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Africa/Lagos",
    "Australia/Sydney",
    "Europe/Madrid",
    "America/Los_Angeles",
]
SECOND_LANGUAGES = ["german", "spanish", "portuguese", "hindi", "french", "japanese", "yoruba"]
OFFERS = [
    "I coached engineers through their first year as team leads and helped them delegate.",
    "I have presented to boards for a decade and help people structure a talk and stay calm.",
    "I moved from support into product management and can explain how to make that switch.",
    "I run budgets for a large department and can demystify how spending decisions are made.",
    "I built a network across three countries and can show how to meet people outside your team.",
    "I negotiate scope with demanding stakeholders every week and enjoy teaching it.",
    "I have sat on promotion panels and know what evidence convinces them.",
    "I balance on-call duty with two children and have learned to protect my evenings.",
    "I lead distributed teams across time zones and can help with remote leadership.",
    "I came back from two parental leaves and helped colleagues return with confidence.",
]
SKILLS = [
    "python",
    "sql",
    "negotiation",
    "public speaking",
    "budgeting",
    "hiring",
    "design",
    "analytics",
    "kubernetes",
    "writing",
    "coaching",
    "roadmapping",
]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def availability(rng: random.Random) -> str:
    slots = []
    for day in rng.sample(DAYS, rng.randint(1, 3)):
        start = rng.randint(7, 16)
        slots.append(f"{day} {start:02d}:00-{start + rng.randint(1, 3):02d}:00")
    return "; ".join(slots)


def cohort_csv(n_mentees: int, n_mentors: int, seed: int = 5) -> bytes:
    rng = random.Random(seed)
    rows = []
    mentor_ids = [f"M{k:05d}" for k in range(n_mentors)]
    for k, ext in enumerate(mentor_ids):
        langs = ["english"] + ([rng.choice(SECOND_LANGUAGES)] if rng.random() < 0.4 else [])
        rows.append(
            {
                "id": ext,
                "name": f"Mentor {k}",
                "email": f"{ext.lower()}@bench.example",
                "role": "mentor",
                "title": rng.choice(ROLES).title(),
                "department": rng.choice(["eng", "product", "data", "sales", "ops"]),
                "manager_id": rng.choice(mentor_ids[:k]) if k > 20 and rng.random() < 0.3 else "",
                "timezone": rng.choice(ZONES),
                "languages": ";".join(langs),
                "skills": ";".join(rng.sample(SKILLS, 3)),
                "expertise": f"{rng.choice(OFFERS)} {rng.choice(OFFERS)}",
                "industry": rng.choice(["software", "health", "finance", "public sector"]),
                "years_experience": str(rng.randint(8, 30)),
                "working_style": rng.choice(STYLES),
                "communication": "video;chat",
                "availability": availability(rng),
                "capacity": str(rng.randint(1, 5)),
            }
        )
    for k in range(n_mentees):
        ext = f"E{k:05d}"
        only_other = rng.random() < 0.02
        langs = [rng.choice(SECOND_LANGUAGES)] if only_other else ["english"]
        rows.append(
            {
                "id": ext,
                "name": f"Mentee {k}",
                "email": f"{ext.lower()}@bench.example",
                "role": "mentee",
                "title": rng.choice(ROLES).title(),
                "department": rng.choice(["eng", "product", "data", "sales", "ops"]),
                "manager_id": rng.choice(mentor_ids) if rng.random() < 0.2 else "",
                "timezone": rng.choice(ZONES),
                "languages": ";".join(langs),
                "skills": ";".join(rng.sample(SKILLS, 2)),
                "goals": f"I want to {rng.choice(GOALS)}.",
                "challenges": f"{rng.choice(CHALLENGES)}.",
                "industry": rng.choice(["software", "health", "finance", "public sector"]),
                "years_experience": str(rng.randint(0, 10)),
                "working_style": rng.choice(STYLES),
                "communication": rng.choice(["video", "chat"]),
                "availability": availability(rng),
                "avoid": rng.choice(mentor_ids) if rng.random() < 0.05 else "",
            }
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return buffer.getvalue().encode()


def fresh_services(backend: embeddings.encoder.Backend = "onnx") -> Services:
    data_dir = Path(tempfile.mkdtemp(prefix="match-bench-")) / "var"
    data_dir.mkdir()
    upgrade(f"sqlite:///{data_dir / 'companion.db'}")
    return Services(
        Settings(environment="test", data_dir=data_dir),
        encoder=embeddings.Encoder(backend=backend),
        chroma=embeddings.make_chroma_client(path=data_dir / "chroma"),
    )


def large(n_mentees: int, n_mentors: int, backend: embeddings.encoder.Backend) -> float:
    services = fresh_services(backend)
    data = cohort_csv(n_mentees, n_mentors)
    total = time.perf_counter()
    with session_scope(services.sessions) as session:
        program = programs.create(session=session, name="bench", principal=BENCH)
        started = time.perf_counter()
        summary = participants.import_participants(
            session=session, program_id=program.id, data=data, filename="bench.csv", principal=BENCH
        )
        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        run = matching.run(
            session=session,
            vectors=services.profile_vectors,
            program_id=program.id,
            principal=BENCH,
            week_of=WEEK,
        )
        run_seconds = time.perf_counter() - started
        proposals, unmatched = len(run.proposals), len(run.unmatched)
        stages, edges = run.settings["timings"], run.settings["candidate_edges"]
    elapsed = time.perf_counter() - total
    print(
        f"\n{n_mentees} mentees x {n_mentors} mentors ({summary.created} imported), "
        f"{backend} backend"
    )
    print(f"  import (parse, validate, users, SQLite)   {import_seconds:7.1f} s")
    for stage, seconds in stages.items():
        print(f"  run: {stage:<37}{seconds:7.1f} s")
    other = run_seconds - sum(stages.values())
    print(f"  run: saving proposals, audit               {other:7.1f} s")
    print(f"  end to end                                 {elapsed:7.1f} s  (target <= 20 s)")
    print(f"  {proposals} proposals, {unmatched} unmatched, {edges} candidate pairs scored")
    services.close()
    return elapsed


def optimality(n_mentees: int = 400, n_mentors: int = 100) -> None:
    services = fresh_services()
    with session_scope(services.sessions) as session:
        program = programs.create(session=session, name="opt", principal=BENCH)
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=cohort_csv(n_mentees, n_mentors, seed=9),
            filename="opt.csv",
            principal=BENCH,
        )
        people = participants.all_participants(session=session, program_id=program.id)
    mentees = [to_profile(p) for p in people if p.is_mentee]
    mentors = [to_profile(p) for p in people if p.is_mentor]
    settings = MatchingSettings()
    meaning = compare(mentees, mentors, services.profile_vectors.encode)
    allowed = rule_masks(mentees, mentors, settings).allowed
    scorer = Scorer(settings, "one_on_one", week_of=WEEK)
    # The objective the solver maximises: scores, plus the clear-fit priority
    # (engine.CLEAR_FIT_PRIORITY) on each mentee's clear fit with adequate hours.
    objective = np.zeros((len(mentees), len(mentors)))
    for i, mentee in enumerate(mentees):
        fit = clear_fit(meaning.cosine[i], allowed[i])
        for j, mentor in enumerate(mentors):
            if allowed[i, j] and scorer.can_meet(mentee, mentor):
                parts = scorer.components(mentee, mentor, float(meaning.cosine[i, j]))
                objective[i, j] = scorer.total(parts)
                if j == fit and adequate_hours(scorer, mentee, mentor):
                    objective[i, j] += CLEAR_FIT_PRIORITY
    # A forbidden pair scores 0, the same as leaving the mentee unmatched.
    slots = np.repeat(np.arange(len(mentors)), [m.capacity for m in mentors])
    rows, cols = linear_sum_assignment(-objective[:, slots])
    exact = float(objective[rows, slots[cols]].sum())
    index = {p.external_id: k for k, p in enumerate(mentees)}
    mentor_index = {p.external_id: k for k, p in enumerate(mentors)}

    def achieved(pairs) -> float:
        return float(
            sum(
                objective[index[a.mentee.external_id], mentor_index[a.mentor.external_id]]
                for a in pairs
            )
        )

    # Same engine without candidate pruning, to separate pruning from solving.
    full = achieved(
        match_cohort(
            mentees,
            mentors,
            meaning=meaning,
            capacities=[m.capacity for m in mentors],
            settings=MatchingSettings(rules={"candidates_per_mentee": len(mentors)}),
            program_kind="one_on_one",
            week_of=WEEK,
        ).pairs
    )
    ours = achieved(
        match_cohort(
            mentees,
            mentors,
            meaning=meaning,
            capacities=[m.capacity for m in mentors],
            settings=settings,
            program_kind="one_on_one",
            week_of=WEEK,
        ).pairs
    )
    print(f"\noptimality on {n_mentees} x {n_mentors} (all allowed pairs scored for the exact one)")
    print(f"  exact optimum (linear_sum_assignment)      {exact:9.3f}")
    print(f"  ours, all candidates                       {full:9.3f}  ({full / exact:.4%})")
    print(
        f"  ours, nearest {settings.rules.candidates_per_mentee} per mentee (default)      "
        f"{ours:9.3f}  ({ours / exact:.4%}, target >= 99.5%)"
    )
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the torch run")
    args = parser.parse_args()
    optimality()
    if not args.skip_large:
        onnx = large(args.mentees, args.mentors, "onnx")
        if not args.no_baseline:
            torch = large(args.mentees, args.mentors, "torch")
            print(f"\nratio end to end onnx / torch: {onnx / torch:.2f}")


if __name__ == "__main__":
    main()
