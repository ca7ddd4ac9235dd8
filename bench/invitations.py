"""Inviting a program of 2,000 people by email: one transaction, or committed in batches.

Usage: .venv/bin/python bench/invitations.py [--people 2000] [--batch 250]

On a fresh SQLite database: imports `--people` participants (the baseline, measured in
the same run), then invites everyone not yet joined twice, each on its own copy of the
program: in the request's one transaction (the page and the API), and committed batch by
batch (`companion participants invite`). Prints the wall time of each and its ratio to
the import's. Nothing is sent: the emails wait in the outbox.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from companion.accounts.principal import System
from companion.credentials import invitations
from companion.db import session_scope, upgrade
from companion.participants import service as participants
from companion.programs import service as programs
from companion.review.models import OutboxMessage
from companion.runtime import Services
from companion.settings import Settings

OPERATOR = System("bench")


def people_csv(count: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name", "email", "role"])
    for i in range(count):
        role = "mentor" if i % 3 == 0 else "mentee"
        writer.writerow(
            [f"{prefix}{i:05d}", f"Person {prefix}{i}", f"{prefix}{i}@example.org", role]
        )
    return out.getvalue().encode()


def program_of(services: Services, name: str, count: int) -> tuple[int, float]:
    with session_scope(services.write_sessions) as session:
        program = programs.create(session=session, name=name, principal=OPERATOR)
        started = time.perf_counter()
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=people_csv(count, name[:1].lower()),
            filename="people.csv",
            principal=OPERATOR,
        )
        return program.id, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=invitations.BATCH_SIZE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(environment="test", data_dir=Path(data_dir), smtp_host="127.0.0.1")
        upgrade(settings.resolved_database_url)
        services = Services(settings)
        try:
            whole, imported = program_of(services, "Whole", args.people)
            batched, _ = program_of(services, "Batched", args.people)
            started = time.perf_counter()
            with session_scope(services.write_sessions) as session:
                report = invitations.invite_participants(
                    session=session,
                    principal=OPERATOR,
                    program_id=whole,
                    settings=settings,
                    all_pending=True,
                    batch_size=args.batch,
                )
            one = time.perf_counter() - started
            assert report.invited == args.people, report
            started = time.perf_counter()
            report = invitations.invite_in_batches(
                sessions=services.write_sessions,
                principal=OPERATOR,
                program_id=batched,
                settings=settings,
                all_pending=True,
                batch_size=args.batch,
            )
            many = time.perf_counter() - started
            assert report.invited == args.people, report
            with session_scope(services.sessions) as session:
                queued = session.scalar(select(func.count()).select_from(OutboxMessage))
        finally:
            services.close()
    print(f"{args.people} people, batches of {args.batch}; {queued} emails queued")
    print(f"import (baseline)        {imported:6.2f} s")
    print(f"invite, one transaction  {one:6.2f} s  ({one / imported:.2f}x the import)")
    print(f"invite, batch commits    {many:6.2f} s  ({many / imported:.2f}x the import)")


if __name__ == "__main__":
    main()
