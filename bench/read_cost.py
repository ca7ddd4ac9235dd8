"""CPU and wall time per request in one process, without a server: /healthz, /api/v1/me
and a relationship read by its mentor, through the app with its real worker threads.

Usage: COMPANION_DATA_DIR=<a data dir with the demo loaded (`make run` prepares one)>
       .venv/bin/python bench/read_cost.py [--rounds 7] [--requests 200] [--concurrency 8]

With --concurrency N, N clients send requests at once, as wrk's 8 connections do: one
process then spends more CPU a request than with one client (its worker threads
contend for the interpreter lock), which is the cost a one-process server pays.

CPU time per request moves much less than wall time with the machine's load; the
ratio to /healthz is taken in the same run (issue 17 asks >= 0.3 of requests/s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from api.app import create_app

MENTOR = {"Authorization": "Bearer mc_demo-mentor"}


async def measure(rounds: int, requests: int, concurrency: int) -> dict[str, tuple[float, float]]:
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            programs = (await client.get("/api/v1/programs", headers=MENTOR)).json()["items"]
            pairs = await client.get(
                f"/api/v1/programs/{programs[0]['id']}/relationships", headers=MENTOR
            )
            paths = {
                "/healthz": "/healthz",
                "/api/v1/me": "/api/v1/me",
                "relationship read": f"/api/v1/relationships/{pairs.json()['items'][0]['id']}",
            }
            found = {}
            for name, path in paths.items():
                for _ in range(100):
                    answer = await client.get(path, headers=MENTOR)
                answer.raise_for_status()
                walls, cpus = [], []
                for _ in range(rounds):
                    wall, cpu = time.perf_counter(), time.process_time()
                    await asyncio.gather(
                        *(_send(client, path, requests // concurrency) for _ in range(concurrency))
                    )
                    walls.append((time.perf_counter() - wall) / requests * 1000)
                    cpus.append((time.process_time() - cpu) / requests * 1000)
                found[name] = (statistics.median(walls), statistics.median(cpus))
            return found


async def _send(client: httpx.AsyncClient, path: str, count: int) -> None:
    for _ in range(count):
        answer = await client.get(path, headers=MENTOR)
        answer.raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200, help="per round")
    parser.add_argument("--concurrency", type=int, default=1, help="clients at once")
    args = parser.parse_args()
    if args.requests % args.concurrency:
        raise SystemExit("--requests must be a multiple of --concurrency.")
    if "COMPANION_DATA_DIR" not in os.environ:
        raise SystemExit("Set COMPANION_DATA_DIR to a data dir with the demo loaded.")
    found = asyncio.run(measure(args.rounds, args.requests, args.concurrency))
    load = os.getloadavg()[0]
    print(
        f"medians of {args.rounds} rounds of {args.requests} requests, "
        f"{args.concurrency} at once; load {load:.1f}"
    )
    for name, (wall, cpu) in found.items():
        print(f"{name:20} wall {wall:6.3f} ms   cpu {cpu:6.3f} ms")
    ratio = found["/healthz"][1] / found["relationship read"][1]
    print(f"relationship read / /healthz, by CPU time: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
