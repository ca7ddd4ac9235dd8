"""Cold commands, each in a fresh process, on the ONNX backend and on torch, same run.

Usage: .venv/bin/python bench/cold_start.py [--repeats 3]

Times, with wall clock and peak resident memory of the child process (from wait4):

- `companion kb ingest --builtin` into an empty data directory (target <= 20 s);
- `companion kb search "my mentee keeps cancelling"` with nothing warm
  (targets <= 3 s wall and <= 350 MB peak);
- `python -c "import sentence_transformers"` beside them: the import alone.

Baseline: the same commands with COMPANION_EMBEDDING_BACKEND=torch, interleaved
run by run with the ONNX ones so both see the same load on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANION = [sys.executable, "-m", "companion"]
QUERY = "my mentee keeps cancelling"


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one child process; fails loudly if it fails."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        raise SystemExit(f"{' '.join(command)} failed:\n{child.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def environment(data_dir: Path, backend: str) -> dict[str, str]:
    return {
        **os.environ,
        "COMPANION_DATA_DIR": str(data_dir),
        "COMPANION_EMBEDDING_BACKEND": backend,
        "COMPANION_ENVIRONMENT": "development",
        "PYTHONPATH": str(ROOT),
    }


def report(label: str, runs: list[tuple[float, float]], target: str = "") -> None:
    walls = [w for w, _ in runs]
    peaks = [m for _, m in runs]
    print(
        f"{label:<44} {statistics.median(walls):6.1f} s  {statistics.median(peaks):6.0f} MB"
        f"   (runs: {', '.join(f'{w:.1f}' for w in walls)} s) {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cold-start-"))
    runs: dict[str, list[tuple[float, float]]] = {}
    try:
        for backend in ("onnx", "torch"):
            data_dir = root / backend
            env = environment(data_dir, backend)
            measure([*COMPANION, "db", "upgrade"], env)
            runs[f"ingest {backend}"] = [measure([*COMPANION, "kb", "ingest", "--builtin"], env)]
        for _ in range(args.repeats):
            for backend in ("onnx", "torch"):
                env = environment(root / backend, backend)
                runs.setdefault(f"search {backend}", []).append(
                    measure([*COMPANION, "kb", "search", QUERY], env)
                )
            runs.setdefault("import", []).append(
                measure([sys.executable, "-c", "import sentence_transformers"], dict(os.environ))
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("cold, one fresh process each              wall      peak RSS")
    report("kb ingest --builtin, onnx", runs["ingest onnx"], "target <= 20 s")
    report("kb ingest --builtin, torch (baseline)", runs["ingest torch"])
    report(f'kb search "{QUERY}", onnx', runs["search onnx"], "target <= 3 s, 350 MB")
    report("kb search, torch (baseline)", runs["search torch"])
    report("python -c 'import sentence_transformers'", runs["import"])
    for task in ("ingest", "search"):
        onnx = statistics.median(w for w, _ in runs[f"{task} onnx"])
        torch = statistics.median(w for w, _ in runs[f"{task} torch"])
        onnx_mb = statistics.median(m for _, m in runs[f"{task} onnx"])
        torch_mb = statistics.median(m for _, m in runs[f"{task} torch"])
        print(
            f"ratio {task} onnx / torch: wall {onnx / torch:.2f}, "
            f"peak memory {onnx_mb / torch_mb:.2f}"
        )


if __name__ == "__main__":
    main()
