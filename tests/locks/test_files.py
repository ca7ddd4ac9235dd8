"""Files the CLI reads are capped, and a stopped ingest keeps what it finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from companion.accounts.principal import System
from companion.cli import app
from companion.db import session_scope
from companion.guidance import service as kb
from companion.guidance.models import KbDocument
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import cli_env

runner = CliRunner()

GUIDE = """---
id: {doc_id}
title: {title}
audience: [mentor]
topics: [remote]
---
# {title}

Agree on a fixed fortnightly slot and protect it like any client meeting. If a slot
is missed, the mentor proposes two alternatives within a day.
"""


def _guide(folder: Path, doc_id: str, padding: int = 0) -> Path:
    path = folder / f"{doc_id}.md"
    text = GUIDE.format(doc_id=doc_id, title=doc_id.replace("-", " ").title())
    path.write_text(text + "\nMore on keeping the rhythm going.\n" * padding)
    return path


def test_cli_ingest_fails_a_file_over_the_cap_alone_naming_it(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _guide(folder, "small-guide")
    big = _guide(folder, "big-guide", padding=200)
    result = runner.invoke(
        app,
        ["kb", "ingest", str(folder), "--json"],
        env={**cli_env(settings.data_dir), "COMPANION_MAX_FILE_BYTES": "4096"},
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [d["doc_id"] for d in report["ingested"]] == ["small-guide"]
    [failed] = report["failed"]
    assert failed["source"] == str(big)
    assert "capped at 4,096 bytes (COMPANION_MAX_FILE_BYTES)" in failed["error"]
    assert str(big) in failed["error"]


def test_cli_import_refuses_a_file_over_the_cap_naming_it(
    settings: Settings, tmp_path: Path
) -> None:
    big = tmp_path / "people.csv"
    big.write_text("id,name,email,role\n" + "P1,Ann,ann@example.org,mentor\n" * 200)
    result = runner.invoke(
        app,
        ["participants", "import", str(big), "--program", "Capped"],
        env={**cli_env(settings.data_dir), "COMPANION_MAX_FILE_BYTES": "2048"},
    )
    assert result.exit_code == 2
    assert f"{big} is 6,019 bytes; files are capped at 2,048 bytes" in result.output
    assert "COMPANION_MAX_FILE_BYTES" in result.output


def test_a_stopped_ingest_keeps_the_documents_it_finished(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.loaders import load_path

    monkeypatch.setattr(kb, "INGEST_GROUP_PASSAGES", 1)  # write each document as it comes
    paths = [_guide(tmp_path, f"guide-{n}") for n in range(3)]

    def stopped() -> None:
        raise KeyboardInterrupt  # as when the operator stops the command

    loads = [(str(p), lambda p=p: load_path(p)) for p in paths[:2]] + [("third", stopped)]
    with pytest.raises(KeyboardInterrupt), session_scope(services.sessions) as session:
        kb.ingest_many(
            session=session, kb=services.knowledge_base, loads=loads, principal=System("test")
        )
    with session_scope(services.sessions) as session:
        kept = session.scalars(select(KbDocument.doc_id).order_by(KbDocument.doc_id)).all()
    assert kept == ["guide-0", "guide-1"]
