"""Engines and sessions: SQLite with WAL and foreign keys, or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

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


# An execution option: transactions on this engine begin IMMEDIATE (SQLite), for
# units of work that write. Others begin deferred.
IMMEDIATE = "companion_begin_immediate"


def _begin_sqlite(connection: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for the lock:
    # once another writer has committed since its read, SQLite answers "database is
    # locked" at once, whatever the busy timeout. A writer that takes the lock first
    # (BEGIN IMMEDIATE) waits out the busy timeout instead. Readers stay deferred so
    # that, under WAL, they never wait for a writer nor make one wait.
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout.

    On SQLite a transaction begins deferred, or IMMEDIATE (it takes the write lock
    first, waiting up to `BUSY_TIMEOUT_MS` for it) when its engine carries
    `IMMEDIATE`: see `make_session_factory`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
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


def make_session_factory(engine: Engine, *, immediate: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`; `immediate` ones take SQLite's write lock as they begin.

    Use `immediate` for a unit of work that writes: it waits its turn behind other
    writers instead of failing. A deferred unit of work that writes after a read
    still works, but under contention its write can fail at once (503). An
    immediate one blocks every other writer while it lasts: keep it short.
    """
    bind = engine.execution_options(**{IMMEDIATE: True}) if immediate else engine
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "after_transaction_end", _forget_writes)
    return factory


class WriteInQuickRead(RuntimeError):
    """A quick read tried to write: a fault in the code, never in the request."""


def make_quick_read_engine(engine: Engine, *, pool_size: int) -> Engine:
    """The engine of quick reads (`make_quick_read_sessions`): a pool of their own, whose
    connections run each statement in a transaction of its own, without BEGIN and COMMIT.

    On PostgreSQL, at READ COMMITTED (its default and ours), every statement takes its own
    snapshot inside a transaction too, so BEGIN and COMMIT gave a read nothing but two
    round trips. The pool does not ping a connection before lending it (a third round
    trip): a read that finds its connection closed, say after the server restarted, is
    run again by `api.deps.run_as_user`, and the pool drops every connection made before.

    On SQLite the same: a quick read's statements each see what was committed when they
    began, as on PostgreSQL, and a read no longer pays for BEGIN and COMMIT (each lets the
    interpreter lock go, and a busy process then hands it around). An in-memory database
    is one per connection, so there the quick reads share `engine`.
    Measured: docs/performance.md, "Throughput".
    """
    if engine.dialect.name == "sqlite":
        if engine.url.database in (None, "", ":memory:"):
            return engine
        quick = create_engine(engine.url, connect_args={"check_same_thread": False})
        # WAL, foreign keys, the busy timeout; not `_begin_sqlite`: no BEGIN.
        event.listen(quick, "connect", _configure_sqlite)
        return quick
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(
        engine.url, isolation_level="AUTOCOMMIT", pool_size=pool_size, max_overflow=2
    )


def make_quick_read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for quick reads, on `make_quick_read_engine`'s engine: they refuse to
    write (`WriteInQuickRead`), before anything reaches the database."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_flush)
    event.listen(factory, "do_orm_execute", _refuse_write)
    return factory


def _refuse_flush(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInQuickRead("A quick read tried to write: use a unit of work that writes.")


def _refuse_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInQuickRead("A quick read tried to write: use a unit of work that writes.")


# In `session.info` while the session's transaction has written something.
_WROTE = "companion_wrote"


def _note_flush(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def has_written(session: Session) -> bool:
    """Whether the session's transaction holds changes, flushed or not."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def end_reads(session: Session) -> None:
    """Before slow work (an LLM call, a parse, encoding): end a transaction that only read.

    No lock or snapshot is then held across the slow work; the next statement begins
    a new transaction (IMMEDIATE on SQLite, waiting its turn). A transaction that has
    already written is left open: the unit of work stays whole, and holds its lock.
    """
    if not has_written(session):
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
