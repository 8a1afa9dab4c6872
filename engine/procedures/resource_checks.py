"""Static checks of what a procedure names outside its own file: code tables, closure codes, the calendar, templates, the file name.

Owns: `check_unknown_code_tables` (E207 tables under codes/, E217 closure codes), `check_unknown_calendar`
(E219 overlay under procedures/calendars/), `check_missing_templates` (W208/E208 templates under
documents/) and `check_file_id` (E311 id vs file name), each returning Diagnostics. The checks of the
file against itself live in engine.procedures.checks. Split out of engine.procedures.checks.
Stage in the flow: 5 (compile), called by engine.procedures.compiler.
May import: engine.errors, engine.codes.code_tables (NOT_TABLES), engine.procedures.dsl,
engine.procedures.checks (and PyYAML to read codes/closure_methods.yaml).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from engine.errors import Diagnostic
from engine.procedures.checks import Where, enabled_items
from engine.procedures.dsl import ProcedureSpec


def check_unknown_code_tables(spec: ProcedureSpec, codes_root: Path | None, where: Where) -> list[Diagnostic]:
    """A fact of type code must name a table under codes/; a final stage's closure must be a closure code."""
    if codes_root is None:
        return []
    tables = _code_tables(codes_root)
    out: list[Diagnostic] = []
    for fid, f in enabled_items(spec.facts):
        if f.table is not None and f.table not in tables:
            close = difflib.get_close_matches(f.table, sorted(tables), n=1, cutoff=0.6)
            out.append(
                Diagnostic(
                    "E207",
                    f"未知代码表：fact '{fid}' names unknown code table '{f.table}'",
                    where(("facts", fid, "table")),
                    expected=f"a table under {codes_root}/ ({', '.join(sorted(tables))})",
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            )
    closures = _closure_codes(codes_root)
    if closures:
        for sid, s in enabled_items(spec.stages):
            if s.closure is not None and s.closure not in closures:
                close = difflib.get_close_matches(s.closure, sorted(closures), n=1, cutoff=0.6)
                out.append(
                    Diagnostic(
                        "E217",
                        f"未知结案方式：stage '{sid}' has closure '{s.closure}', which is not in codes/closure_methods",
                        where(("stages", sid, "closure")),
                        expected=f"one of: {', '.join(sorted(closures))}",
                        hint=f"did you mean '{close[0]}'?" if close else None,
                    )
                )
    return out


def _code_tables(codes_root: Path) -> set[str]:
    if not codes_root.is_dir():
        return set()
    # indicators/risk/data_checks live in codes/ too, but they are configuration, not code tables.
    from engine.codes.code_tables import NOT_TABLES

    return {
        p.stem
        for p in codes_root.iterdir()
        if p.suffix in (".yaml", ".yml", ".csv") and p.stem not in NOT_TABLES
    }


def _closure_codes(codes_root: Path) -> set[str]:
    """The codes of codes/closure_methods.yaml (read directly: loading every table, the region
    codes included, would cost a second on each validation). Empty if the table is absent or broken;
    `zhongcai codes validate` reports a broken table."""
    path = codes_root / "closure_methods.yaml"
    try:
        raw = path.read_bytes()
    except OSError:
        return set()
    cached = _CLOSURES.get(str(path))
    if cached is not None and cached[0] == raw:
        return cached[1]
    import yaml

    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        codes = {str(e["code"]) for e in data["codes"] if isinstance(e, dict) and "code" in e}
    except (yaml.YAMLError, KeyError, TypeError):
        codes = set()
    _CLOSURES[str(path)] = (raw, codes)
    return codes


_CLOSURES: dict[str, tuple[bytes, set[str]]] = {}


def check_unknown_calendar(
    spec: ProcedureSpec, calendars_root: Path | None, where: Where
) -> list[Diagnostic]:
    """`calendar:` is `cn` (the national calendar) or has an overlay file under procedures/calendars/ (E219)."""
    if (
        calendars_root is None
        or spec.calendar == "cn"
        or (calendars_root / f"{spec.calendar}.yaml").is_file()
    ):
        return []
    known = ["cn", *sorted(p.stem for p in calendars_root.glob("*.yaml") if p.stem != "cn")]
    close = difflib.get_close_matches(spec.calendar, known, n=1, cutoff=0.6)
    return [
        Diagnostic(
            "E219",
            f"未知日历 (unknown calendar) '{spec.calendar}': no file {calendars_root}/{spec.calendar}.yaml",
            where(("calendar",)),
            expected=f"one of: {', '.join(known)}",
            hint=f"did you mean '{close[0]}'?"
            if close
            else "regional rest days go into the 'cn' overlay's regions",
        )
    ]


def check_missing_templates(
    spec: ProcedureSpec, documents_root: Path | None, strict: bool, where: Where
) -> list[Diagnostic]:
    """A generated document's template must exist under documents/ (W208; E208 with --strict)."""
    if documents_root is None:
        return []
    out = []
    for did, d in enabled_items(spec.documents):
        if d.kind == "generated" and d.template and not (documents_root / d.template).is_file():
            out.append(
                Diagnostic(
                    "E208" if strict else "W208",
                    f"模板不存在：document '{did}': template '{d.template}' not found under {documents_root}/",
                    where(("documents", did, "template")),
                    hint="add the template file, or correct its name",
                    severity="error" if strict else "warning",
                )
            )
    return out


def check_file_id(spec: ProcedureSpec, path: str | None, where: Where) -> list[Diagnostic]:
    """A procedure's id must equal its file's stem (E311), so ids and files never drift apart."""
    if path is None or not path.endswith((".yaml", ".yml")):
        return []
    stem = Path(path).stem
    if spec.procedure == stem:
        return []
    return [
        Diagnostic(
            "E311",
            f"程序 id 与文件名不符：procedure id '{spec.procedure}' differs from its file name '{Path(path).name}'",
            where(("procedure",)),
            expected=f"procedure: {stem}",
            hint=f"rename the file to {spec.procedure}.yaml or write 'procedure: {stem}'",
        )
    ]
