"""Alembic environment for zhongcai: runs migrations on the engine handed over by engine.store.db.

Owns nothing else. Stage: schema set-up (`zhongcai` init, `make run`, tests).
May import: engine.store.tables, engine.store.db.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from engine.store.tables import metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from engine.store.db import Database

        engine = Database().engine
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run them against a database")
run_migrations_online()
