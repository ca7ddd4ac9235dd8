"""The app served by a real uvicorn process on loopback, spoken to over real HTTP."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from companion.settings import Settings
from tests.helpers import cli_env, free_port


@pytest.fixture
def server(settings: Settings, tmp_path: Path):
    port = free_port()
    env = {**os.environ, **cli_env(settings.data_dir)}
    subprocess.run(
        [sys.executable, "-m", "companion", "demo", "load"],
        env=env,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "companion", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.stderr.read().decode()[-2000:]}")
    yield base
    process.terminate()
    process.wait(timeout=10)


class TestServedApp:
    def test_health_docs_and_an_authenticated_call(self, server: str) -> None:
        assert httpx.get(f"{server}/healthz", timeout=60).json() == {"status": "ok"}
        assert httpx.get(f"{server}/docs", timeout=60).status_code == 200
        anonymous = httpx.get(f"{server}/api/v1/programs", timeout=60)
        assert anonymous.status_code == 401
        programs = httpx.get(
            f"{server}/api/v1/programs",
            headers={"Authorization": "Bearer mc_demo-coordinator"},
            timeout=60,
        )
        assert programs.status_code == 200
        assert programs.json()["items"][0]["name"].startswith("Demo:")
