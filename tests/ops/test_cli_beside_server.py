"""A CLI command beside a running server, both on the embedded on-disk Chroma store.

Before the store was shared safely, a `companion kb ingest` beside a server made every
search of that server answer 500 ("Error finding id") until it restarted, while
/readyz still said 200.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from companion.settings import Settings
from tests.helpers import cli_env
from tests.ops.conftest import run_cli

COORDINATOR = {"Authorization": "Bearer mc_demo-coordinator"}

SUNSET = """---
id: sunset-rituals
title: Closing rituals for a mentoring pair
---
# Closing rituals for a mentoring pair

## A last conversation

When a mentoring pair reaches its agreed end date, plan a closing conversation: look
back at the goals set at the start, name what changed, and agree how to stay in touch.
A short written thank-you from each side marks the end of the formal relationship.
"""


def search(base: str, query: str) -> httpx.Response:
    return httpx.get(
        f"{base}/api/v1/knowledge/search",
        params={"q": query, "top_k": 3},
        headers=COORDINATOR,
        timeout=60,
    )


def test_an_ingest_from_the_cli_is_found_by_the_running_server(
    settings: Settings, tmp_path: Path, start_server: Callable[[dict[str, str]], str]
) -> None:
    env = cli_env(settings.data_dir)
    loaded = run_cli(env, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    ingested = run_cli(env, "kb", "ingest", "--builtin")
    assert ingested.returncode == 0, ingested.stderr
    base = start_server(env)
    before = search(base, "closing rituals at the agreed end date of a pair")
    assert before.status_code == 200, before.text
    assert "sunset-rituals" not in [hit["doc_id"] for hit in before.json()["results"]]

    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "sunset.md").write_text(SUNSET)
    added = run_cli(env, "kb", "ingest", str(folder))
    assert added.returncode == 0, added.stderr
    assert "1 ingested" in added.stdout

    after = search(base, "closing rituals at the agreed end date of a pair")
    assert after.status_code == 200, after.text
    assert after.json()["results"][0]["doc_id"] == "sunset-rituals"
    ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["vector_store"] == "ok"

    # And the other way round: the server writes, then the CLI reads what it wrote.
    deleted = httpx.delete(
        f"{base}/api/v1/knowledge/documents/sunset-rituals", headers=COORDINATOR, timeout=60
    )
    assert deleted.status_code in (200, 204), deleted.text
    cli_search = run_cli(env, "kb", "search", "--json", "closing rituals at the agreed end date")
    assert cli_search.returncode == 0, cli_search.stderr
    assert "sunset-rituals" not in cli_search.stdout
