"""Relational storage: engine, sessions, ORM base and migrations."""

from companion.db.base import Base
from companion.db.engine import (
    concurrency_failure,
    end_reads,
    fetch_page,
    make_engine,
    make_quick_read_engine,
    make_quick_read_sessions,
    make_session_factory,
    session_scope,
)
from companion.db.migrate import current_revision, head_revision, upgrade

__all__ = [
    "Base",
    "concurrency_failure",
    "current_revision",
    "end_reads",
    "fetch_page",
    "head_revision",
    "make_engine",
    "make_quick_read_engine",
    "make_quick_read_sessions",
    "make_session_factory",
    "session_scope",
    "upgrade",
]
