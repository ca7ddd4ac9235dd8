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

from argon2 import profiles  # noqa: E402

import embeddings  # noqa: E402  (sets the offline environment first)
from companion.accounts import passwords  # noqa: E402
from companion.db import upgrade  # noqa: E402
from companion.runtime import Services  # noqa: E402
from companion.settings import Settings  # noqa: E402
from tests.helpers import DATABASE_URLS  # noqa: E402

# Hundreds of tests set passwords and sign in: with the service's own argon2 parameters
# (64 MiB, three passes) that is most of their time. They hash with argon2's cheapest
# profile instead; tests/security/test_password_hashing.py holds the service's own
# parameters, in a process of the service.
passwords.use_parameters(profiles.CHEAPEST)


@pytest.fixture(scope="session")
def encoder() -> embeddings.Encoder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole test session."""
    shared = embeddings.Encoder.shared()
    shared.load()
    return shared


# The engine the suite runs on: `sqlite` (the default) or `postgresql`, for which the
# tests start a PostgreSQL server of their own (the `postgres_url` fixture).
TEST_DATABASE = os.environ.get("COMPANION_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise SystemExit(
        f"COMPANION_TEST_DATABASE={TEST_DATABASE!r}: expected 'sqlite' or 'postgresql'."
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about SQLite itself; skipped on the PostgreSQL run"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked `sqlite_only` on the PostgreSQL run, saying why."""
    if TEST_DATABASE == "sqlite":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, for tests about SQLite itself."""
    path = tmp_path_factory.mktemp("template") / "companion.db"
    upgrade(f"sqlite:///{path}")
    return path


class Databases:
    """Fresh databases migrated to head, on the engine of this test run.

    SQLite: a copy of a file migrated once. PostgreSQL: a database cloned from a
    template migrated once (`CREATE DATABASE … TEMPLATE …`), dropped by `drop`.
    """

    def __init__(self, sqlite_template: Path, postgres_url: str | None, prefix: str = "t") -> None:
        self.sqlite_template = sqlite_template
        self.postgres_url = postgres_url
        self.prefix = prefix
        self.template = f"{prefix}_template"
        self._count = 0
        self._admin = None
        if postgres_url is not None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            self._admin = create_engine(
                postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool
            )
            self._execute(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)")
            self._execute(f"CREATE DATABASE {self.template}")
            upgrade(self._url_of(self.template))

    def execute(self, statement: str) -> None:
        """Run one statement on the server, outside any test's database (e.g. ALTER DATABASE)."""
        self._execute(statement)

    def _execute(self, statement: str) -> None:
        from sqlalchemy import text

        assert self._admin is not None
        with self._admin.connect() as connection:
            connection.execute(text(statement))

    def _url_of(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        assert self.postgres_url is not None
        return make_url(self.postgres_url).set(database=name).render_as_string(False)

    def new(self, data_dir: Path, **overrides: object) -> Settings:
        """Settings for a new, empty, migrated database (and `data_dir`, created)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        if self.postgres_url is None:
            shutil.copy(self.sqlite_template, data_dir / "companion.db")
            return Settings(environment="test", data_dir=data_dir, **overrides)
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        self._execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        DATABASE_URLS[data_dir] = self._url_of(name)
        return Settings(
            environment="test", data_dir=data_dir, database_url=DATABASE_URLS[data_dir], **overrides
        )

    def drop(self, settings: Settings) -> None:
        """Drop a PostgreSQL database made by `new`, even with connections still open."""
        if self.postgres_url is not None and settings.database_url:
            from sqlalchemy.engine import make_url

            name = make_url(settings.database_url).database
            self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            DATABASE_URLS.pop(settings.data_dir, None)


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, migrated_db_template: Path) -> Databases:
    postgres = request.getfixturevalue("postgres_url") if TEST_DATABASE == "postgresql" else None
    return Databases(migrated_db_template, postgres)


@pytest.fixture(scope="session")
def postgres_databases(
    request: pytest.FixtureRequest, databases: Databases, migrated_db_template: Path
) -> Databases:
    """PostgreSQL databases for tests about PostgreSQL, whichever engine the run is on."""
    if databases.postgres_url is not None:
        return databases
    return Databases(migrated_db_template, request.getfixturevalue("postgres_url"), prefix="pg")


@pytest.fixture
def settings(tmp_path: Path, databases: Databases) -> Iterator[Settings]:
    made = databases.new(tmp_path / "var")
    yield made
    databases.drop(made)


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
    if bin_dir is None and TEST_DATABASE == "postgresql":
        pytest.fail("COMPANION_TEST_DATABASE=postgresql needs PostgreSQL (make postgresql)")
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
