"""The proposals and relationships lists at a few thousand rows, in the browser and the API.

Usage: .venv/bin/python bench/lists.py [--rows 3000] [--repeat 5]

Builds, in a fresh SQLite data directory, a program of `rows` mentees and rows/2
mentors (bench/match.py's cohort), one matching run with a proposal for every mentee
and a relationship for every mentee, and a small program of 30 of each as the
baseline. Then it signs a coordinator in over real HTTP handling (TestClient) and
times each page and API list (median of --repeat), printing the ratio of the large
program to the small one and the size of each page. No model is loaded: the
proposals are written as a run would store them.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from bench.match import cohort_csv  # noqa: E402
from companion.accounts import passwords  # noqa: E402
from companion.accounts import service as accounts  # noqa: E402
from companion.accounts.models import Role  # noqa: E402
from companion.accounts.principal import System  # noqa: E402
from companion.audit.service import Actor  # noqa: E402
from companion.db import session_scope, upgrade  # noqa: E402
from companion.matching.models import MatchProposal, MatchRun  # noqa: E402
from companion.participants import service as participants  # noqa: E402
from companion.programs import service as programs  # noqa: E402
from companion.relationships import service as relationships  # noqa: E402
from companion.runtime import Services  # noqa: E402
from companion.settings import Settings  # noqa: E402

BENCH = System("bench")
PASSWORD = "correct horse battery"


def build(services: Services, name: str, mentees: int) -> tuple[int, int]:
    """A program with a run proposing a pair per mentee, and a relationship per mentee."""
    rng = random.Random(11)
    with session_scope(services.write_sessions) as session:
        program = programs.create(session=session, name=name, principal=BENCH)
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=cohort_csv(mentees, max(mentees // 2, 1)).replace(
                b"@bench.example", f"@{name}.example".encode()
            ),
            filename="bench.csv",
            principal=BENCH,
        )
        people = participants.all_participants(session=session, program_id=program.id)
        mentors = [p for p in people if p.role == "mentor"]
        mentees_rows = [p for p in people if p.role == "mentee"]
        run = MatchRun(program_id=program.id, objective=0.0, created_by="bench")
        session.add(run)
        session.flush()
        for k, mentee in enumerate(mentees_rows):
            session.add(
                MatchProposal(
                    run_id=run.id,
                    mentor_id=mentors[k // 2 % len(mentors)].id,
                    mentee_id=mentee.id,
                    score=round(rng.random(), 4),
                    components={"meaning": 0.5, "skills": 0.3, "availability": 0.8},
                    reasons=["Both write about leading data teams.", "Two hours in common."],
                )
            )
            relationships.create_pair(
                session=session,
                program=program,
                mentor_id=mentors[k // 2 % len(mentors)].id,
                mentee_id=mentee.id,
            )
        return program.id, run.id


def signed_in(services: Services, program_ids: list[int]) -> tuple[TestClient, str]:
    with session_scope(services.write_sessions) as session:
        user = accounts.create(
            session=session,
            email="lead@bench.example",
            display_name="Lee Bench",
            roles=[(Role.coordinator, pid) for pid in program_ids],
            actor=Actor(id=None, label="bench"),
        )
        passwords.set_password(
            session=session, user=user, password=PASSWORD, actor=Actor(id=None, label="bench")
        )
        token = accounts.issue_token(
            session=session, user=user, name="bench", actor=Actor(id=None, label="bench")
        ).plaintext
    client = TestClient(create_app(services=services))
    client.__enter__()
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"csrf_token": csrf, "email": "lead@bench.example", "password": PASSWORD, "next": "/"},
    )
    return client, token


def timed(client: TestClient, url: str, repeat: int, headers: dict | None = None) -> tuple:
    seconds, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(url, headers=headers or {})
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        size = len(answer.content)
    return statistics.median(seconds), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="lists-bench-")) / "var"
    data_dir.mkdir()
    upgrade(f"sqlite:///{data_dir / 'companion.db'}")
    services = Services(Settings(environment="test", data_dir=data_dir))
    started = time.perf_counter()
    small = build(services, "small", 30)
    large = build(services, "large", args.rows)
    print(f"built {args.rows} + 30 rows of each in {time.perf_counter() - started:.0f} s")
    client, token = signed_in(services, [small[0], large[0]])
    api = {"Authorization": f"Bearer {token}"}
    pages = [
        ("run page, first 25 proposals", "/coordinator/runs/{run}", None),
        ("run page, search 'Mentee 12'", "/coordinator/runs/{run}?q=Mentee+12", None),
        ("run page, last page", "/coordinator/runs/{run}?offset={last}", None),
        ("run page, by mentee's name", "/coordinator/runs/{run}?sort=mentee", None),
        ("relationships page", "/coordinator/programs/{program}/relationships", None),
        (
            "relationships, search + new",
            "/coordinator/programs/{program}/relationships?q=mentee+1&age=new",
            None,
        ),
        ("API proposals, 50", "/api/v1/matching/runs/{run}/proposals", api),
        ("API relationships, 50", "/api/v1/programs/{program}/relationships", api),
        ("program overview", "/coordinator/programs/{program}", None),
    ]
    print(f"{'':32} {'30 rows':>9} {args.rows:>6} rows {'ratio':>6} {'page bytes':>11}")
    for label, url, headers in pages:
        figures = []
        for (program_id, run_id), rows in ((small, 30), (large, args.rows)):
            target = url.format(run=run_id, program=program_id, last=max(rows - 25, 0))
            figures.append(timed(client, target, args.repeat, headers))
        (small_s, _), (large_s, large_bytes) = figures
        print(
            f"{label:32} {small_s * 1000:7.0f} ms {large_s * 1000:7.0f} ms "
            f"{large_s / small_s:6.1f} {large_bytes:11,}"
        )
    client.__exit__(None, None, None)
    services.close()


if __name__ == "__main__":
    main()
