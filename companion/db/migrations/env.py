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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
