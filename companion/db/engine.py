"""Engines and sessions: SQLite with WAL and foreign keys, or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from companion.errors import CompanionError

# How long a SQLite writer waits for another to finish before "database is locked".
BUSY_TIMEOUT_MS = 5000


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
    # SAVEPOINTs work (the recipe in SQLAlchemy's SQLite dialect docs).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# An execution option: transactions on this engine begin deferred (SQLite), for
# units of work that only read. Everything else begins IMMEDIATE.
READS_ONLY = "companion_reads_only"


def _begin_sqlite(connection: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for the lock:
    # once another writer has committed since its read, SQLite answers "database is
    # locked" at once, whatever the busy timeout. A writer that takes the lock first
    # (BEGIN IMMEDIATE) waits out the busy timeout instead. Readers stay deferred so
    # that, under WAL, they never wait for a writer nor make one wait.
    reads_only = connection.get_execution_options().get(READS_ONLY, False)
    connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout.

    On SQLite every transaction begins IMMEDIATE (it takes the write lock first,
    waiting up to `BUSY_TIMEOUT_MS` for it) unless its engine carries `READS_ONLY`:
    see `make_session_factory`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine, *, reads_only: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`; `reads_only` ones begin deferred on SQLite.

    A reads-only unit of work that writes after all still works, but under
    contention its write can fail at once (503) instead of waiting: use it for
    requests that read (GET), and the default for everything that writes.
    """
    bind = engine.execution_options(**{READS_ONLY: True}) if reads_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def end_reads(session: Session) -> None:
    """Commit the session's transaction so far, before slow work (an LLM call, a parse).

    Call it where what came before may stand on its own: reads, and stamps such as a
    sign-in's last-seen time. No lock or snapshot is then held across the slow work;
    the next statement begins a new transaction (IMMEDIATE on SQLite, waiting its turn).
    """
    session.commit()


@contextmanager
def session_scope(factory: Callable[[], Session]) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back everything if not.

    An expected failure that records itself (`CompanionError.records_failure`: the
    service rolled its own work back to a savepoint and stored a failed draft) is
    committed once, like a success, and then raised.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except CompanionError as exc:
        if exc.records_failure:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def fetch_page(
    session: Session, query: Select[Any], *, order_by: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of a query's rows (in a stable order) and the count across all pages.

    `order_by` is one column expression or a tuple of them; the page is cut by the
    database, so the rows read are those of the page, whatever the history holds.
    """
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    columns = order_by if isinstance(order_by, tuple) else (order_by,)
    rows = session.scalars(query.order_by(*columns).limit(limit).offset(offset)).all()
    return list(rows), total
