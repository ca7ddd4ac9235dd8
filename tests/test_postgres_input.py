"""Input PostgreSQL would refuse (too long for its column, a NUL byte) is refused first,
naming the field, the row or the file, on a real PostgreSQL database; nothing good is lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from companion.accounts.models import Role, User
from companion.cli import app as cli
from companion.db import session_scope
from companion.guidance.models import KbDocument
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.programs.models import Program
from companion.runtime import Services
from companion.settings import Settings
from tests.conftest import Databases
from tests.helpers import TEST_SYSTEM, bearer, cli_env, make_user
from tests.relationships.conftest import PEOPLE, to_csv


@pytest.fixture
def pg_settings(tmp_path: Path, postgres_databases: Databases) -> Iterator[Settings]:
    made = postgres_databases.new(tmp_path / "var")
    yield made
    postgres_databases.drop(made)


@pytest.fixture
def pg_services(pg_settings: Settings, encoder, own_chroma) -> Iterator[Services]:
    built = Services(pg_settings, encoder=encoder, chroma=own_chroma)
    yield built
    built.close()


def guide(doc_id: str, title: str) -> str:
    return (
        f"---\nid: {doc_id}\ntitle: {title}\n---\n# {title}\n\n## In practice\n\n"
        f"Agree on one small step for {title.lower()} and review it at the next session.\n"
    )


def test_a_1000_character_name_is_a_422_naming_the_field(pg_services: Services) -> None:
    with pg_services.sessions() as session:
        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
    with TestClient(create_app(services=pg_services)) as client:
        answer = client.post("/api/v1/programs", json={"name": "x" * 1000}, headers=bearer(admin))
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"][0]["field"] == "name"
        assert "200" in answer.json()["error"]["details"][0]["message"]
    with pg_services.sessions() as session:
        assert session.scalars(select(Program)).all() == []


def test_a_nul_byte_in_an_import_cell_names_the_line_and_column(
    pg_services: Services, pg_settings: Settings, tmp_path: Path
) -> None:
    with session_scope(pg_services.sessions) as session:
        programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
    rows = [list(p) for p in PEOPLE]
    rows[2][7] = "I run support\x00 operations."
    people = tmp_path / "people.csv"
    people.write_bytes(to_csv([tuple(r) for r in rows]))
    result = CliRunner().invoke(
        cli,
        ["participants", "import", "--program", "Pilot", str(people)],
        env=cli_env(pg_settings.data_dir),
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "line 4, column 'expertise'" in result.output and "NUL" in result.output
    with pg_services.sessions() as session:
        assert session.scalars(select(Participant)).all() == []


def test_kb_ingest_keeps_the_good_files_and_names_the_bad_one(
    pg_services: Services, pg_settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "guides"
    folder.mkdir()
    for name in ("listening", "feedback", "closing"):
        (folder / f"{name}.md").write_text(guide(name, f"Guide to {name}"))
    long_id = "a-very-long-document-id-" + "x" * 126
    assert len(long_id) == 150
    (folder / "long.md").write_text(guide(long_id, "Long id"))

    result = CliRunner().invoke(
        cli, ["kb", "ingest", str(folder), "--json"], env=cli_env(pg_settings.data_dir)
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert sorted(item["doc_id"] for item in report["ingested"]) == [
        "closing",
        "feedback",
        "listening",
    ]
    [failed] = report["failed"]
    assert failed["source"].endswith("long.md")
    assert "document id" in failed["error"] and "150" in failed["error"], failed
    with pg_services.sessions() as session:
        stored = session.scalars(select(KbDocument.doc_id)).all()
    assert sorted(stored) == ["closing", "feedback", "listening"]


def test_a_nul_byte_anywhere_in_a_request_is_a_422_naming_where(pg_services: Services) -> None:
    with pg_services.sessions() as session:
        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
    with TestClient(create_app(services=pg_services)) as client:
        nested = client.post(
            "/api/v1/users",
            json={"email": "pia@example.org", "roles": [{"role": "admin\u0000"}]},
            headers=bearer(admin),
        )
        assert nested.status_code == 422, nested.text
        [detail] = nested.json()["error"]["details"]
        assert (detail["location"], detail["field"]) == ("body", "roles.0.role")
        assert "NUL" in detail["message"]
        query = client.get("/api/v1/programs", params={"q": "x\u0000"}, headers=bearer(admin))
        assert query.status_code == 422, query.text
        assert query.json()["error"]["details"][0]["field"] == "q"
    with pg_services.sessions() as session:
        assert session.scalars(select(User).where(User.email == "pia@example.org")).all() == []
