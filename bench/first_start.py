"""From a fresh clone to the first page, and a second `make run` to /readyz.

Usage: python3 bench/first_start.py [--repo .] [--branch HEAD] [--port 8765] [--keep]
       python3 bench/first_start.py --clone PATH   (the second start only)

1. Clones the repository into a temporary folder, runs `make run` there and times
   the wall clock from the clone to the first page (`GET /login` answering 200),
   printing each step `make run` announces with the second it started.
2. Stops the server, runs `make run` again in the same clone and times it to
   `/readyz` answering 200 (target <= 5 s). Baseline, same run: `companion serve`
   alone in that clone, to `/readyz` (the floor the setup steps add to).

Needs what a newcomer needs (python3, make) and the package registry for step 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start(command: list[str], cwd: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    began = time.perf_counter()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(f"{time.perf_counter() - began:7.1f} s  {line.rstrip()}")

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def wait_for(url: str, process: subprocess.Popen, began: float, limit: float) -> float:
    while time.perf_counter() - began < limit:
        if answers(url):
            return time.perf_counter() - began
        if process.poll() is not None:
            raise SystemExit(f"the command ended with status {process.returncode}")
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {limit:.0f} s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--branch", default="HEAD")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument(
        "--clone", type=Path, help="a clone that has run `make run`: time only the second start"
    )
    args = parser.parse_args()

    base = f"http://127.0.0.1:{args.port}"
    if args.clone:
        root, clone = args.clone.parent, args.clone.resolve()
        args.keep = True
        process, _ = start(["make", "run"], clone, args.port)  # brings it up to date
        wait_for(f"{base}/readyz", process, time.perf_counter(), 1800)
        stop(process)
    else:
        root = Path(tempfile.mkdtemp(prefix="first-start-"))
        clone = root / "companion"
        began = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", args.repo, str(clone)], check=True)
        if args.branch != "HEAD":
            subprocess.run(["git", "checkout", "--quiet", args.branch], cwd=clone, check=True)
        process, lines = start(["make", "run"], clone, args.port)
        first = wait_for(f"{base}/login", process, began, 3600)
        time.sleep(0.5)
        print("first `make run`, from the clone (steps as make announced them):")
        for line in lines:
            if "==>" in line or "done in" in line:
                print("  " + line.strip())
        print(f"fresh clone to the first page: {first:.0f} s ({first / 60:.1f} min)")
        stop(process)

    process, _ = start([".venv/bin/companion", "serve", "--port", str(args.port)], clone, args.port)
    serve_only = wait_for(f"{base}/readyz", process, time.perf_counter(), 300)
    stop(process)
    again = time.perf_counter()
    process, lines = start(["make", "run"], clone, args.port)
    second = wait_for(f"{base}/readyz", process, again, 300)
    stop(process)
    print(f"second `make run` to /readyz 200     : {second:5.1f} s  (target <= 5 s)")
    print(f"baseline: `companion serve` alone    : {serve_only:5.1f} s")
    print(f"ratio second make run / serve alone  : {second / serve_only:.2f}")
    if args.keep:
        print(f"clone kept in {clone}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
