"""The scaled deployment (`make run-scaled`), brought up for real: PostgreSQL, a Chroma
server, two app processes and the worker; what one process writes, the other reads."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from shutil import rmtree

import httpx
import pytest

from tests.helpers import json_server

GUIDE = b"""---
id: harbour-pilots
title: Harbour pilots as a picture of mentoring
---
# Harbour pilots as a picture of mentoring

## Boarding for the hard stretch

A harbour pilot boards a ship only for the narrow channel, then leaves the captain to
the open sea: a mentor can likewise stay close for a difficult transition and step back.
"""


@pytest.fixture(scope="module")
def deployment() -> Iterator[dict[str, object]]:
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.fail("PostgreSQL is not installed: `make postgresql`")
    # Not under pytest's temporary folder: PostgreSQL's own user must enter it.
    data = Path(tempfile.mkdtemp(prefix="companion-scaled-"))
    data.chmod(0o755)
    with json_server(lambda _body: (200, {})) as webhook_port:
        process = subprocess.Popen(
            [sys.executable, "-m", "companion.scaled", "--apps", "2", "--port", "0",
             "--data", str(data), "--worker-every", "1"],
            env={**os.environ, "COMPANION_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/hook"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.strip())
            if line.startswith("ready: "):
                break
        else:
            pytest.fail("the deployment stopped before it was ready:\n" + "\n".join(lines))
        facts = dict(line.split(": ", 1) for line in lines if ": " in line)
        try:
            yield {
                "urls": facts["ready"].split(),
                "env": {
                    **os.environ,
                    "COMPANION_DATABASE_URL": facts["database"],
                    "COMPANION_CHROMA_URL": facts["chroma"],
                    "COMPANION_DATA_DIR": str(data / "app"),
                },
                "lines": lines,
                "process": process,
                "data": data,
            }
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)
            rmtree(data, ignore_errors=True)


def test_two_app_processes_read_what_the_other_wrote(deployment: dict) -> None:
    first, second = deployment["urls"]
    assert first != second
    created = subprocess.run(
        [sys.executable, "-m", "companion", "users", "create", "--email", "ops@example.org",
         "--role", "admin", "--role", "coordinator", "--json"],
        env=deployment["env"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {json.loads(created.stdout)['token']}"}
    program = httpx.post(
        f"{first}/api/v1/programs", json={"name": "Harbour pilots"}, headers=headers, timeout=60
    )
    assert program.status_code == 201, program.text
    read = httpx.get(
        f"{second}/api/v1/programs/{program.json()['id']}", headers=headers, timeout=60
    )
    assert read.status_code == 200 and read.json()["name"] == "Harbour pilots"

    uploaded = httpx.post(
        f"{first}/api/v1/knowledge/documents",
        files={"files": ("pilots.md", GUIDE, "text/markdown")},
        headers=headers,
        timeout=120,
    )
    assert uploaded.status_code == 200, uploaded.text
    found = httpx.get(
        f"{second}/api/v1/knowledge/search",
        params={"q": "stay close during a hard transition, then step back"},
        headers=headers,
        timeout=60,
    )
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["doc_id"] == "harbour-pilots"
    for url in (first, second):
        ready = httpx.get(f"{url}/readyz", timeout=30).json()
        assert ready["ready"], ready
    assert not any(line.startswith("worker: not started") for line in deployment["lines"])


def test_stopping_the_deployment_stops_every_process(deployment: dict) -> None:
    process: subprocess.Popen = deployment["process"]
    first = deployment["urls"][0]
    database = deployment["env"]["COMPANION_DATABASE_URL"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{first}/healthz", timeout=5)
    port = int(database.rsplit(":", 1)[1].split("/")[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.5)
    else:
        pytest.fail("PostgreSQL still listens after the deployment stopped")


def test_a_port_in_use_is_named_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        second = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "companion.scaled", "--apps", "2",
             "--port", str(second - 1), "--data", str(tmp_path / "scaled")],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    # The one held here (or the one before it, should another program hold that too).
    assert any(
        f"port {port} is in use: choose another --port (or --port 0)" in done.stderr
        for port in (second - 1, second)
    ), done.stderr
    assert not (tmp_path / "scaled" / "postgres").exists()
