"""Alembic environment: runs migrations against the URL given by companion.db.migrate."""

from __future__ import annotations

from alembic import context

from companion.db.base import Base
from companion.db.engine import make_engine
from companion.models import load_all_models

load_all_models()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it; with foreign keys on, that
            # drop would cascade into every table that references it. The pragma
            # only takes effect outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    engine.dispose()


run_migrations_online()
