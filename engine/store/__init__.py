"""The store: database URL and transactions (db), the tables (tables), prepared statements (prepared), the event hash chain (hashchain) and the Alembic migrations.

May import: engine.errors.
"""

__all__ = [
    "db",
    "hashchain",
    "prepared",
    "tables",
]
