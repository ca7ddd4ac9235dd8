"""Engines and sessions: SQLite with WAL and foreign keys, or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from companion.errors import CompanionError


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
    # SAVEPOINTs work (the recipe in SQLAlchemy's SQLite dialect docs).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(url, pool_pre_ping=True)


# PostgreSQL's codes for a transaction that lost to a concurrent one and may simply be
# run again: serialisation failure, deadlock, lock not available.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_UNIQUE_VIOLATION = "23505"


def concurrency_failure(exc: BaseException) -> Literal["busy", "conflict"] | None:
    """Whether `exc` is a clash with concurrent work rather than a fault, and which kind.

    "busy": the engine gave up waiting or chose this transaction to lose (PostgreSQL's
    serialisation failures, deadlocks, lock timeouts; SQLite's "database is locked");
    run again, it will likely pass. "conflict": a unique value was taken by a
    transaction that committed first; run again, the work sees that value and either
    passes or refuses it for what it is. None: anything else.
    """
    if not isinstance(exc, DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return "busy"
    if sqlstate == _UNIQUE_VIOLATION:
        return "conflict"
    message = str(exc.orig)
    if "database is locked" in message:
        return "busy"
    if isinstance(exc, IntegrityError) and message.startswith("UNIQUE constraint failed"):
        return "conflict"
    return None


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
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
