"""Real processes of one deployment: `companion serve` subprocesses on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

COMPANION = [sys.executable, "-m", "companion"]


def wait_until_ready(base: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait for /readyz: the model loaded and the vector store answering."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the server was not ready within {seconds} s: {log.read_text()[-3000:]}")


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], str]]:
    """Start `companion serve` with the given environment; stopped at the end of the test."""
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str]) -> str:
        port = free_port()
        log = tmp_path / f"server-{port}.log"
        process = subprocess.Popen(
            [*COMPANION, "serve", "--port", str(port), "--log-level", "warning"],
            env={**os.environ, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process, log)
        return base

    yield start
    for process in started:
        process.terminate()
    for process in started:
        process.wait(timeout=30)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMPANION, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
