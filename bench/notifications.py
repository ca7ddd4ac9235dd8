"""The notifications job at scale: statements and time per pass over N pairs.

Usage: .venv/bin/python bench/notifications.py [--pairs 200 1000]

For each size, a fresh SQLite database with N pairs (accounts for both members), each
with a session 20 hours ahead, then three passes of the job in one process:
- the first records a reminder per member and queues it in the outbox;
- the later ones find nothing new: their statement count must not grow with N (the
  clock's passes run every 30 seconds in every server process).
Prints the wall time and the statements of each pass, and the first pass's statements
per notification; the ratio of the biggest size's idle statements to the smallest's
is the number to watch (1.0: it does not grow).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from companion.accounts.models import User
from companion.db import upgrade
from companion.notifications import job
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships.models import (
    MemberRole,
    MentoringSession,
    Relationship,
    RelationshipMember,
)
from companion.runtime import Services
from companion.settings import Settings


def build(services: Services, pairs: int, now: datetime) -> None:
    with services.sessions() as db:
        program = Program(name="Bench")
        db.add(program)
        db.flush()
        users = [
            User(email=f"p{i}@example.org", display_name=f"Person {i}") for i in range(2 * pairs)
        ]
        db.add_all(users)
        db.flush()
        people = [
            Participant(
                program_id=program.id,
                user_id=user.id,
                external_id=f"P{i}",
                name=user.display_name,
                email=user.email,
                role="mentor" if i % 2 == 0 else "mentee",
                timezone="Europe/Berlin",
            )
            for i, user in enumerate(users)
        ]
        db.add_all(people)
        db.flush()
        relationships = [
            Relationship(
                program_id=program.id,
                mentor_id=people[2 * k].id,
                mentee_id=people[2 * k + 1].id,
                start_date=now.date(),
                members=[
                    RelationshipMember(participant_id=people[2 * k].id, role=MemberRole.mentor),
                    RelationshipMember(participant_id=people[2 * k + 1].id, role=MemberRole.mentee),
                ],
            )
            for k in range(pairs)
        ]
        db.add_all(relationships)
        db.flush()
        db.add_all(
            MentoringSession(
                relationship_id=r.id,
                starts_at=now + timedelta(hours=20),
                duration_minutes=45,
                created_by="bench",
            )
            for r in relationships
        )
        db.commit()


def measure(pairs: int) -> list[tuple[float, int, job.JobReport]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            environment="development", data_dir=Path(folder), smtp_host="127.0.0.1", smtp_port=9
        )
        upgrade(settings.resolved_database_url)
        services = Services(settings)
        try:
            now = datetime.now(UTC)
            build(services, pairs, now)
            statements = [0]

            def count(*_args: object) -> None:
                statements[0] += 1

            event.listen(services.engine, "before_cursor_execute", count)
            passes = []
            for _ in range(3):
                statements[0] = 0
                started = time.perf_counter()
                report = job.run(sessions=services.write_sessions, settings=settings, now=now)
                passes.append((time.perf_counter() - started, statements[0], report))
            return passes
        finally:
            services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[200, 1000])
    args = parser.parse_args()
    idle: dict[int, int] = {}
    for pairs in args.pairs:
        passes = measure(pairs)
        first_time, first_statements, first = passes[0]
        print(
            f"{pairs} pairs, first pass: {first_time:.2f} s, {first_statements} statements, "
            f"{first.queued} queued ({first_statements / max(first.queued, 1):.1f} per notice)"
        )
        for number, (elapsed, statements, _report) in enumerate(passes[1:], start=2):
            print(
                f"{pairs} pairs, pass {number} (nothing new): "
                f"{elapsed:.3f} s, {statements} statements"
            )
        idle[pairs] = passes[-1][1]
    smallest, biggest = min(idle), max(idle)
    print(
        f"idle statements, {biggest} pairs / {smallest} pairs: {idle[biggest] / idle[smallest]:.2f}"
    )


if __name__ == "__main__":
    main()
