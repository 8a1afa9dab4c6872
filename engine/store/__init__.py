"""The store: database URL and transactions (db), the tables of cases (tables) and of the register (register_tables) with their shared column conventions (columns), prepared statements (prepared), the event hash chain (hashchain) and the Alembic migrations.

May import: engine.errors.
"""

__all__ = [
    "columns",
    "db",
    "hashchain",
    "prepared",
    "register_tables",
    "tables",
]
