"""Concurrent writers on SQLite over HTTP: how many wait their turn, how many get 503.

Usage: .venv/bin/python bench/writers.py [--writers 8] [--writes 10] [--rounds 3]

Serves the app with uvicorn on loopback (one process, a fresh SQLite database) and
has `--writers` threads each create `--writes` programs through
`POST /api/v1/programs` with an administrator's token, at the same time.

Two ways of beginning a write transaction, in the same run, each on its own database:
- deferred (the baseline, as before): `BEGIN`, a read (the token), then the write.
  When another writer commits in between, SQLite answers "database is locked" at
  once, whatever the busy timeout: a 503.
- immediate (now): `BEGIN IMMEDIATE` takes the write lock first and waits for it
  up to the busy timeout.
Prints, per mode, the 503 count, the other failures, and the wall time per round,
and the ratio of immediate's wall time to the baseline's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn

from api.app import create_app
from companion.accounts.models import Role
from companion.accounts.principal import System
from companion.accounts.service import onboard
from companion.db import session_scope, upgrade
from companion.runtime import Services
from companion.settings import Settings


def serve(services: Services, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def one_round(base: str, token: str, writers: int, writes: int, tag: str) -> dict[str, int]:
    counts: dict[str, int] = {}

    def write(writer: int) -> list[int]:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            return [
                client.post("/api/v1/programs", json={"name": f"{tag} {writer}-{n}"}).status_code
                for n in range(writes)
            ]

    with ThreadPoolExecutor(writers) as pool:
        for statuses in pool.map(write, range(writers)):
            for status in statuses:
                counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def measure(mode: str, args: argparse.Namespace, port: int) -> tuple[list[dict], list[float]]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-writers-{mode}-"))
    upgrade(f"sqlite:///{data_dir / 'companion.db'}")
    services = Services(Settings(environment="development", data_dir=data_dir))
    if mode == "deferred":
        # The baseline: writers begin deferred, as all did before.
        services.write_sessions = services.sessions
    with session_scope(services.write_sessions) as session:
        _, issued = onboard(
            session=session,
            principal=System("bench"),
            email="admin@example.org",
            display_name=None,
            roles=[(Role.admin, None)],
        )
    server = serve(services, port)
    results, seconds = [], []
    try:
        for n in range(args.rounds):
            started = time.perf_counter()
            results.append(
                one_round(
                    f"http://127.0.0.1:{port}", issued.plaintext, args.writers, args.writes, f"r{n}"
                )
            )
            seconds.append(time.perf_counter() - started)
    finally:
        server.should_exit = True
        time.sleep(0.5)
        services.close()
    return results, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args()
    total = args.writers * args.writes
    print(f"{args.writers} writers x {args.writes} program creations, {args.rounds} rounds")
    medians = {}
    for offset, mode in enumerate(("deferred", "immediate")):
        results, seconds = measure(mode, args, args.port + offset)
        medians[mode] = statistics.median(seconds)
        for counts, wall in zip(results, seconds, strict=True):
            busy = counts.get("503", 0)
            other = total - counts.get("201", 0) - busy
            print(
                f"  {mode:9}  201: {counts.get('201', 0):3}/{total}  503: {busy:3}  "
                f"other: {other:3}  wall {wall:5.2f} s  "
                f"({1000 * wall / max(counts.get('201', 0), 1):5.1f} ms per program created)"
            )
    # Deferred finishes sooner only because most of its writes fail at once.
    print(
        f"median wall time, immediate / deferred (baseline): "
        f"{medians['immediate'] / medians['deferred']:.2f}"
    )


if __name__ == "__main__":
    main()
