"""Shared fixtures: the real MiniLM encoder (once), real SQLite files, real Chroma."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["COMPANION_ENVIRONMENT"] = "test"
# A developer's own COMPANION_* settings must not leak into tests; COMPANION_TEST_*
# variables are for the tests themselves (e.g. COMPANION_TEST_POSTGRES_URL).
for _name in [
    n
    for n in os.environ
    if n.startswith("COMPANION_")
    and n != "COMPANION_ENVIRONMENT"
    and not n.startswith("COMPANION_TEST_")
]:
    del os.environ[_name]

import embeddings  # noqa: E402  (sets the offline environment first)
from companion.db import upgrade  # noqa: E402
from companion.runtime import Services  # noqa: E402
from companion.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def encoder() -> embeddings.Encoder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole test session."""
    shared = embeddings.Encoder.shared()
    shared.load()
    return shared


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "companion.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_db_template: Path) -> Settings:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    shutil.copy(migrated_db_template, data_dir / "companion.db")
    return Settings(environment="test", data_dir=data_dir)


@pytest.fixture
def chroma():
    """A real in-memory Chroma client (shared by the process: use `collection_name`)."""
    return embeddings.make_chroma_client()


@pytest.fixture
def own_chroma(tmp_path: Path):
    """A real persistent Chroma client in this test's own directory."""
    return embeddings.make_chroma_client(path=tmp_path / "chroma")


@pytest.fixture
def collection_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def services(settings: Settings, encoder: embeddings.Encoder, own_chroma) -> Iterator[Services]:
    built = Services(settings, encoder=encoder, chroma=own_chroma)
    yield built
    built.close()


@pytest.fixture
def session(services: Services):
    with services.sessions() as db_session:
        yield db_session


def _postgres_bin() -> Path | None:
    """Debian's PostgreSQL programs (`make test` installs the package), newest version first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return found[0].parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for this test session, on a free loopback port.

    COMPANION_TEST_POSTGRES_URL names one of your own instead (an empty database the
    tests may reset). Without either, the PostgreSQL tests are skipped.
    """
    given = os.environ.get("COMPANION_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    import pwd
    import subprocess
    import tempfile

    from tests.helpers import free_port

    # Not under pytest's own temporary folder, whose parents only root may enter.
    root = Path(tempfile.mkdtemp(prefix="companion-postgres-"))
    data = root / "data"
    # PostgreSQL refuses to run as root: run it as the package's own user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(root / "server.log"),
        "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "mc")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/mc"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
