"""Resident memory of a serving process after the demo and a hundred searches.

Usage: .venv/bin/python bench/serve_memory.py [--searches 100] [--port 8791]

Loads the built-in knowledge base and the demo program into a fresh data
directory, then for each backend starts `companion serve`, waits for /readyz,
sends the searches (the evaluation questions, over HTTP with the demo
coordinator's token) and reads the process's resident memory (VmRSS) and its
peak (VmHWM) from /proc. Target: <= 400 MB resident on the ONNX backend.
Baseline, same run: the same server with COMPANION_EMBEDDING_BACKEND=torch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import EVAL_QUERIES
from knowledge.evaluation import load_queries

ROOT = Path(__file__).resolve().parent.parent
COMPANION = [sys.executable, "-m", "companion"]
TOKEN = "mc_demo-coordinator"


def environment(data_dir: Path, backend: str) -> dict[str, str]:
    return {
        **os.environ,
        "COMPANION_DATA_DIR": str(data_dir),
        "COMPANION_EMBEDDING_BACKEND": backend,
        "COMPANION_ENVIRONMENT": "development",
        "PYTHONPATH": str(ROOT),
    }


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def serve(data_dir: Path, backend: str, port: int, queries: list[str]) -> dict[str, float]:
    server = subprocess.Popen(
        [*COMPANION, "serve", "--port", str(port), "--log-level", "warning"],
        env=environment(data_dir, backend),
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                get(f"{base}/readyz")
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 300:
                    raise SystemExit(f"the {backend} server did not become ready") from None
                time.sleep(0.2)
        ready = time.perf_counter() - started
        at_ready = memory_mb(server.pid)["VmRSS"]
        started = time.perf_counter()
        for query in queries:
            results = json.loads(
                get(f"{base}/api/v1/knowledge/search?" + urllib.parse.urlencode({"q": query}))
            )
            assert results, query
        searching = time.perf_counter() - started
        return {
            "ready_s": ready,
            "at_ready": at_ready,
            "search_s": searching,
            **memory_mb(server.pid),
        }
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    base = [q.query for q in load_queries(EVAL_QUERIES)]
    queries = [base[i % len(base)] for i in range(args.searches)]
    root = Path(tempfile.mkdtemp(prefix="serve-memory-"))
    try:
        data_dir = root / "var"
        env = environment(data_dir, "onnx")
        for step in (["db", "upgrade"], ["kb", "ingest", "--builtin"], ["demo", "load"]):
            subprocess.run([*COMPANION, *step], env=env, cwd=ROOT, check=True, capture_output=True)
        figures = {}
        for backend in ("onnx", "torch"):
            # Each server gets its own copy: one Chroma directory per process.
            copy = root / backend
            shutil.copytree(data_dir, copy)
            figures[backend] = serve(copy, backend, args.port, queries)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"one `companion serve` process, demo loaded, {args.searches} searches over HTTP")
    print("backend | ready in | RSS at ready | RSS after searches | peak RSS | searches took")
    for backend, f in figures.items():
        print(
            f"{backend:<7} | {f['ready_s']:6.1f} s | {f['at_ready']:9.0f} MB | "
            f"{f['VmRSS']:15.0f} MB | {f['VmHWM']:5.0f} MB | {f['search_s']:8.1f} s"
        )
    print(
        f"ratio resident onnx / torch: {figures['onnx']['VmRSS'] / figures['torch']['VmRSS']:.2f}"
        "  (target: onnx <= 400 MB)"
    )


if __name__ == "__main__":
    main()
