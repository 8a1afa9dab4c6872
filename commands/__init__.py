"""The `zhongcai` command's groups, one module each (procedures, calendar, case, documents, monitor, codes,
audit, serve, maintenance), on one set of helpers (common: dates, failure exits, the database, the
procedure library, diagnostics). cli.py builds the Typer app from them. Thin: parse arguments, call the
engine, print, set the exit code (0 success, 1 a finding or failure, 2 bad usage).

Engine and API imports stay inside the commands so that `zhongcai --help` and `procedures validate` start
fast (no FastAPI, no SQLAlchemy).

May import: engine, api, Typer.
"""
