"""An online copy of the SQLite database, consistent while the server keeps writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from companion.errors import InvalidInput


def backup_sqlite(database_url: str, target: Path) -> int:
    """Copy the database at database_url to target with SQLite's backup API; returns pages.

    Readers and writers carry on meanwhile; the copy is the database as it was
    at one moment. The target must not exist yet (nothing is overwritten).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise InvalidInput(
            "This database is PostgreSQL: back it up with pg_dump "
            "(docs/operations.md, 'Backup and restore').",
            field="database_url",
        )
    if target.exists():
        raise InvalidInput(f"{target} exists already; name a new file.", field="path")
    if not target.parent.is_dir():
        raise InvalidInput(f"{target.parent} is not a folder.", field="path")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
    partial = target.with_name(target.name + ".partial")
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024)
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidInput(
                    f"The copy at {partial} failed its integrity check.", field="path"
                )
        finally:
            copy.close()
    finally:
        source.close()
    partial.rename(target)
    return int(pages)
