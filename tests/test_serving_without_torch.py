"""On the ONNX backend (the default) no part of the service imports torch.

One fresh interpreter does what a deployment does, through the same entry points:
the CLI migrates, ingests guidance, loads the demo (which matches a cohort and
drafts agendas, briefs and goals), searches and requests a draft; then the web app
starts, becomes ready and answers a search and a page. At the end the interpreter
lists which of the heavy libraries it ever imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knowledge import CORPUS_DIR

HEAVY = ("torch", "sentence_transformers", "transformers")

SCRIPT = """
import json, sys, time
from typer.testing import CliRunner
from companion.cli import app

runner = CliRunner()
steps = {}

def cli(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    steps[" ".join(args[:2])] = sorted(set(HEAVY) & set(sys.modules))
    return result.output

HEAVY = %(heavy)r
cli("db", "upgrade")
cli("kb", "ingest", *%(guides)r)
cli("demo", "load")
found = json.loads(cli("kb", "search", "my mentee keeps cancelling", "--json"))
assert found["results"], found
cli("draft", "agenda", "--relationship", "1")
token = json.loads(
    cli("users", "create", "--email", "probe@example.org", "--role", "coordinator", "--json")
)["token"]

from fastapi.testclient import TestClient
from api.app import create_app

with TestClient(create_app()) as client:
    for _ in range(300):
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.1)
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    answer = client.get(
        "/api/v1/knowledge/search",
        params={"q": "how do I give feedback"},
        headers={"Authorization": "Bearer " + token},
    )
    assert answer.status_code == 200 and answer.json(), answer.text
    assert client.get("/login").status_code == 200
    steps["serve"] = sorted(set(HEAVY) & set(sys.modules))
print(json.dumps(steps))
"""


def test_no_step_of_the_service_imports_torch(tmp_path: Path) -> None:
    guides = [
        str(CORPUS_DIR / name)
        for name in (
            "active-listening.md",
            "asynchronous-mentoring.md",
            "smart-goals-with-examples.md",
        )
        if (CORPUS_DIR / name).exists()
    ]
    assert len(guides) >= 2
    env = {
        **os.environ,
        "COMPANION_DATA_DIR": str(tmp_path / "var"),
        "COMPANION_EMBEDDING_BACKEND": "onnx",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT % {"heavy": HEAVY, "guides": guides}],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    steps = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(steps) == {
        "db upgrade",
        "kb ingest",
        "demo load",
        "kb search",
        "draft agenda",
        "users create",
        "serve",
    }
    assert steps == {step: [] for step in steps}


def test_the_torch_backend_still_loads_sentence_transformers(tmp_path: Path) -> None:
    """The same probe sees torch on the torch backend: the check above can fail."""
    code = (
        "import sys; from companion.runtime import Services; "
        "from companion.settings import load_settings; "
        "s = Services(load_settings()); s.encoder.encode_one('a probe'); "
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    env = {
        **os.environ,
        "COMPANION_DATA_DIR": str(tmp_path / "var"),
        "COMPANION_EMBEDDING_BACKEND": "torch",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "torch" in done.stdout and "sentence_transformers" in done.stdout
