"""Record what the `zhongcai` command prints, for a byte-for-byte comparison of two checkouts.

    python scripts/cli_snapshot.py OUT.txt

Seeds the demo database (engine.demo.seed, deadline scan as of 2026-11-28) in a temporary folder, then
runs a broad list of invocations of `cli.py` (every group and command: help, normal runs, error cases)
with fixed dates, and writes for each the command, its exit code, stdout and stderr. Temporary paths,
wall-clock timestamps and freshly drawn query codes are normalised, so two runs of the same code give
the same file; a refactoring of the CLI must leave it unchanged.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SEED = """
import datetime as dt, sys
from pathlib import Path
from engine.demo.seed import seed_demo
from engine.procedures.library import ProcedureLibrary
from engine.store.db import init_db
db = init_db(sys.argv[1])
seed_demo(db, ProcedureLibrary.load(Path("procedures")), today=dt.date(2026, 11, 28))
db.dispose()
"""

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
_QUERY_CODE = re.compile(r"(查询码 \(query code[^)]*\): )\S+")
_SECONDS = re.compile(r"\b\d+(\.\d+)? ?s\b")
#: logging's milliseconds after a timestamp
_MILLIS = re.compile(r"<TIMESTAMP>,\d{3} ")
#: the demo's acceptance notice prints the query code drawn for it, so its hash changes from run to run
_NOTICE_HASH = re.compile(r"(acceptance_notice v\d+ \S+ \[generated\] sha256 )[0-9a-f]+")


def _commands(tmp: Path) -> list[list[str]]:
    notice = "tests/data/notices/2026.txt"
    groups = ["procedures", "calendar", "case", "documents", "monitor", "codes", "audit"]
    subcommands = {
        "procedures": ["validate", "show", "diagram", "check"],
        "calendar": ["due", "show", "check", "import", "apply"],
        "case": ["open", "fire", "query-code", "attach", "show", "list", "history"],
        "documents": ["check", "sample"],
        "monitor": ["export", "report", "checks", "risks"],
        "codes": ["show", "validate"],
        "audit": ["breaches", "backdated"],
    }
    out: list[list[str]] = [[], ["--help"]]
    for g in groups:
        out += [[g], [g, "--help"]] + [[g, c, "--help"] for c in subcommands[g]]
    out += [[c, "--help"] for c in ("test", "verify", "demo", "serve", "scheduler")]
    out += [
        # procedures
        ["procedures", "validate"],
        ["procedures", "validate", "--json", "procedures/arbitration.yaml"],
        ["procedures", "validate", "tests/bad_procedures"],
        ["procedures", "validate", "--strict", "procedures/arbitration.yaml"],
        ["procedures", "validate", "--root", str(tmp / "nowhere")],
        ["procedures", "show", "arbitration"],
        ["procedures", "show", "nosuch"],
        ["procedures", "diagram", "arbitration"],
        ["procedures", "diagram", "arbitration", "--format", "gif"],
        ["procedures", "diagram", "arbitration", "--format", "png"],
        ["procedures", "check", "arbitration", "--examples", "3", "--seed", "1", "--budget", "60"],
        ["procedures", "check", "nosuch", "--examples", "3"],
        ["procedures", "check", "arbitration", "--examples", "0"],
        ["procedures", "check", "arbitration", "--region", "4x"],
        ["procedures", "check", "arbitration", "--root", str(tmp / "nowhere")],
        # calendar
        ["calendar", "due", "--from", "2026-09-29", "--limit", "5 workdays"],
        ["calendar", "due", "--from", "2026-09-29", "--limit", "45 days", "--json"],
        ["calendar", "due", "--before", "2026-10-09", "--limit", "3 workdays"],
        ["calendar", "due", "--from", "2026-9-31", "--limit", "5 workdays"],
        ["calendar", "due", "--limit", "5 workdays"],
        ["calendar", "due", "--from", "2026-09-29", "--limit", "five days"],
        ["calendar", "due", "--from", "2026-09-29", "--limit", "5 workdays", "--calendar", "xx"],
        ["calendar", "due", "--from", "2026-09-29", "--limit", "5 workdays", "--region", "45"],
        ["calendar", "show", "2026"],
        ["calendar", "show", "2026", "--region", "45"],
        ["calendar", "show", "1800"],
        ["calendar", "show", "2040"],
        ["calendar", "check", "--today", "2026-12-05"],
        ["calendar", "check", "--today", "2026-06-01"],
        ["calendar", "check", "--today", "bad"],
        ["calendar", "import", notice],
        ["calendar", "import", notice, "--json"],
        ["calendar", "import", "tests/data/notices/2027_madeup.txt"],
        ["calendar", "import", str(tmp / "missing.txt")],
        ["calendar", "apply", "--dry-run", "--today", "2026-11-28"],
        ["calendar", "apply", "--dry-run", "--json", "--today", "2026-11-28"],
        ["calendar", "apply", "--today", "2026/11/28"],
        # case
        ["case", "list"],
        ["case", "list", "--stage", "hearing", "--limit", "3"],
        ["case", "show", "1"],
        ["case", "show", "1", "--json"],
        ["case", "show", "2"],
        ["case", "show", "no-such-number"],
        ["case", "show", "99999"],
        ["case", "history", "1"],
        ["case", "history", "3"],
        ["case", "open", "arbitration", "--at", "2026-11-20", "--fact", "claim_amount=20000"],
        ["case", "open", "arbitration", "--at", "2026-11-20", "--json"],
        ["case", "open", "arbitration", "--at", "20-11-2026"],
        ["case", "open", "arbitration", "--at", "2026-11-20", "--fact", "novalue"],
        ["case", "open", "nosuch", "--at", "2026-11-20"],
        ["case", "fire", "1", "accept", "--as", "clerk", "--at", "2026-11-21"],
        ["case", "fire", "1", "accept", "--as", "clerk", "--at", "bad"],
        ["case", "fire", "99999", "accept", "--as", "clerk", "--at", "2026-11-21"],
        ["case", "fire", "1", "nosuch_action", "--as", "clerk", "--at", "2026-11-21"],
        ["case", "attach", "1", "evidence", "--at", "2026-11-21"],
        ["case", "attach", "1", "evidence", "--at", "x"],
        ["case", "query-code", "1"],
        ["case", "query-code", "99999"],
        # documents
        ["documents", "check"],
        ["documents", "check", "arbitration"],
        ["documents", "check", "nosuch"],
        ["documents", "sample", "--out", str(tmp / "docs")],
        ["documents", "sample", "--out", str(tmp / "docs2"), "--masked"],
        # monitor
        ["monitor", "export"],
        ["monitor", "export", "--format", "csv", "--since", "5"],
        ["monitor", "export", "--format", "xml"],
        ["monitor", "export", "--out", str(tmp / "export.jsonl")],
        ["monitor", "export", "--out", str(tmp / "export.jsonl")],
        ["monitor", "export", "--out", str(tmp / "export.jsonl"), "--since", "1"],
        ["monitor", "report", "--month", "2026-11"],
        ["monitor", "report", "--month", "2026-11", "--json"],
        ["monitor", "report", "--month", "2026-11", "--region", "45"],
        ["monitor", "report", "--month", "2026-11", "--region", "99"],
        ["monitor", "report", "--month", "2026-13"],
        ["monitor", "checks", "--as-of", "2026-11-28"],
        ["monitor", "checks", "--as-of", "2026-11-28", "--json"],
        ["monitor", "checks", "--as-of", "28.11.2026"],
        ["monitor", "risks", "--month", "2026-11"],
        ["monitor", "risks", "--month", "2026-11", "--json"],
        ["monitor", "risks", "--month", "bad"],
        # codes
        ["codes", "show", "dispute_types"],
        ["codes", "show", "regions", "--on", "2026-01-01", "--json"],
        ["codes", "show", "closure_methods", "--on", "x"],
        ["codes", "show", "nosuch"],
        ["codes", "validate"],
        ["codes", "validate", "regions", "450100"],
        ["codes", "validate", "regions", "999999"],
        ["codes", "validate", "regions"],
        ["codes", "validate", "regions", "450100", "--on", "bad"],
        # audit
        ["audit", "breaches", "--as-of", "2026-11-28"],
        ["audit", "breaches", "--as-of", "2026-11-28", "--json"],
        ["audit", "breaches", "--as-of", "2026-11-28", "--csv"],
        ["audit", "breaches", "--as-of", "2026-11-28", "--json", "--csv"],
        ["audit", "breaches", "--as-of", "2025-01-01"],
        ["audit", "breaches", "--as-of", "nope"],
        ["audit", "backdated"],
        ["audit", "backdated", "--json", "--min-days", "10"],
        ["audit", "backdated", "--since", "2026-13-01"],
        ["scheduler", "--once", "--as-of", "bad"],
        ["scheduler", "--once", "--as-of", "2026-11-29"],
        # top level
        ["verify"],
        ["verify", "--json"],
        ["test", "tests/scenarios/arbitration"],
        ["test", str(tmp / "no-such-scenarios")],
        ["demo", "--out", str(tmp / "demo-docs")],
        ["nosuchcommand"],
        ["case", "list", "--bogus-option"],
        ["calendar", "show"],
    ]
    return out


def _normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<TMP>")
    text = _STAMP.sub("<TIMESTAMP>", text)
    text = _QUERY_CODE.sub(r"\1<CODE>", text)
    text = _MILLIS.sub("<TIMESTAMP> ", text)
    text = _NOTICE_HASH.sub(r"\1<HASH>", text)
    return _SECONDS.sub("<SECONDS>", text)


def snapshot(out: Path) -> int:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        url = f"sqlite:///{tmp / 'snapshot.db'}"
        env = {**os.environ, "ZHONGCAI_DATABASE_URL": url, "COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1"}
        env.pop("FORCE_COLOR", None)
        subprocess.run([sys.executable, "-c", _SEED, url], cwd=ROOT, env=env, check=True)
        runs = [(args, env) for args in _commands(tmp)]
        broken = {**env, "ZHONGCAI_DATABASE_URL": "not a url"}
        runs += [
            (args, broken)
            for args in (
                ["case", "list"],
                ["verify"],
                ["calendar", "apply", "--dry-run"],
                ["monitor", "report", "--month", "2026-11"],
                ["monitor", "checks", "--as-of", "2026-11-28"],
                ["audit", "breaches", "--as-of", "2026-11-28"],
                ["audit", "backdated"],
                ["scheduler", "--once", "--as-of", "2026-11-29"],
            )
        ]
        parts = []
        for args, run_env in runs:
            proc = subprocess.run(
                [sys.executable, "cli.py", *args], cwd=ROOT, env=run_env, capture_output=True, text=True
            )
            db = "" if run_env is env else "  [ZHONGCAI_DATABASE_URL=not a url]"
            parts.append(
                f"=== zhongcai {_normalise(' '.join(args), tmp)}{db}\n--- exit {proc.returncode}\n--- stdout\n"
                f"{_normalise(proc.stdout, tmp)}\n--- stderr\n{_normalise(proc.stderr, tmp)}\n"
            )
        out.write_text("".join(parts), encoding="utf-8")
        print(f"{len(runs)} invocations recorded in {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(snapshot(Path(sys.argv[1])))
