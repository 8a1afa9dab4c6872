"""Performance figures (绩效考核) of arbitrators and institutions for any period, set-based in SQL.

Owns: `performance(session_or_db, *, institution_id, region_prefix, staff_id, start, end)` -> a
`PerformanceReport` (engine.registry.performance_report: the figures, to_json, to_csv), and the SQL it
runs (`performance_sql`, which the bench times bare). What each figure counts is codes/performance.yaml.

How (one statement, never a case loaded into Python; the same text on SQLite and PostgreSQL but for
the JSON and date-difference functions):
- `handled`: the cases accepted on or before `end` and not closed for the statistics before `start`,
  each with its first `closed` monitoring record (date, closure, on_time, accepted_on). The case row's
  `closed_on` (the final stage's date, never before the statistical closure) prunes closed cases early;
- `tribunal`: the names the case's facts give (presiding_arbitrator, arbitrators) matched to the staff
  of the case's institution holding an appointment with post `arbitrator` whose term overlaps the period,
  each row carrying its case's counts (UNION drops a name given twice; appointees are DISTINCT per
  institution and person, so a renewed appointment counts the case once). Two appointees of one
  institution with the same name (the import refuses it) would both get the case;
- histograms by days to close, GROUP BY (institution, days) and (institution, arbitrator, days): the
  counts and the sum of days add their buckets, and the nearest-rank percentile is the first bucket
  whose running SUM window reaches p % of the closures;
- the breach rows due in the period, not withdrawn, of an arbitrator's role (or none), attributed the
  same way; all of it UNION ALL'd into one result of a few thousand rows.
Measured (bench/performance_bench.py, 1,000 staff over 1,000,000 cases, a quarter, SQLite): about 2 s for
all institutions, 0.1 s for one.
May import: engine.errors, engine.codes.code_tables, engine.monitoring.config, engine.registry.performance_spec,
engine.registry.performance_report, engine.store.tables, engine.store.register_tables, sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.codes.code_tables import CodeTables
from engine.errors import BadInput
from engine.monitoring.config import codes_dir
from engine.registry.performance_report import Counts, PerformanceReport, Row
from engine.registry.performance_spec import PerformanceSpec, performance_spec
from engine.store.register_tables import StaffRow
from engine.store.tables import InstitutionRow

_NO_CODE = "\x00none"  # an IN list never empty (an empty expanding IN is fine, but keep the SQL plain)


@dataclass(frozen=True, slots=True)
class _Dialect:
    name: str

    def text_fact(self, src: str, key: str) -> tuple[str, str]:
        """(the value of text fact `key` of `src.facts`, the condition that it is a text)."""
        if self.name == "postgresql":
            return f"{src}.facts->>'{key}'", f"jsonb_typeof({src}.facts->'{key}') = 'string'"
        # CAST: a text affinity, so the join on the name can use an (automatic) index
        return (
            f"CAST(json_extract({src}.facts, '$.{key}') AS TEXT)",
            f"json_type({src}.facts, '$.{key}') = 'text'",
        )

    def list_names(self, src: str, key: str, carry: str) -> str:
        """SELECT case_id, institution_id, name, `carry` for every text item of list fact `key`."""
        if self.name == "postgresql":
            arr = f"{src}.facts->'{key}'"
            return (
                f"SELECT {src}.case_id, {src}.institution_id, j.v #>> '{{}}' AS name{carry} FROM {src} "
                f"CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({arr}) = 'array' "
                f"THEN {arr} ELSE '[]'::jsonb END) AS j(v) WHERE jsonb_typeof(j.v) = 'string'"
            )
        return (
            f"SELECT {src}.case_id, {src}.institution_id, CAST(j.value AS TEXT) AS name{carry} FROM {src}, "
            f"json_each({src}.facts, '$.{key}') AS j "
            f"WHERE json_type({src}.facts, '$.{key}') = 'array' AND j.type = 'text'"
        )

    def days(self, later: str, earlier: str) -> str:
        if self.name == "postgresql":
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _tribunal(
    d: _Dialect, spec: PerformanceSpec, src: str, out: str, carry: tuple[str, ...], staff: str
) -> str:
    """CTEs `{out}_names` and `{out}`: (staff_id, case_id, institution_id, *carry) for every arbitrator
    of the register the case's facts name. UNION drops a name given twice for one case; an appointee is
    one row per (institution, staff), so no case counts twice for anyone."""
    cols = "".join(f", {src}.{c}" for c in carry)
    parts = []
    for key in spec.attribution.name_facts:
        value, cond = d.text_fact(src, key)
        parts.append(
            f"SELECT {src}.case_id, {src}.institution_id, {value} AS name{cols} FROM {src} WHERE {cond}"
        )
    parts += [d.list_names(src, key, cols) for key in spec.attribution.name_list_facts]
    if not parts:
        parts = [f"SELECT {src}.case_id, {src}.institution_id, NULL AS name{cols} FROM {src} WHERE 1 = 0"]
    picked = "".join(f", n.{c}" for c in carry)
    return (
        f"{out}_names AS ({' UNION '.join(parts)}),\n"
        f"{out} AS (SELECT p.staff_id, n.case_id, n.institution_id{picked} FROM {out}_names n "
        f"JOIN appointees p ON p.institution_id = n.institution_id AND p.name = n.name{staff})"
    )


def _percentile(kind: str, hist: str, keys: str) -> str:
    """The nearest-rank percentile of days per `keys` from a (keys, days, n) histogram: the least d
    with (cases closed in d days or fewer) * 100 >= (cases closed) * p, i.e. rank ceil(n * p / 100)."""
    staff = "staff_id" if "staff_id" in keys else "NULL"
    return (
        f"SELECT '{kind}', institution_id, {staff}, min(days), NULL, NULL, NULL, NULL, NULL, NULL FROM "
        f"(SELECT {keys}, days, sum(n) OVER (PARTITION BY {keys} ORDER BY days ROWS UNBOUNDED PRECEDING) AS cum, "
        f"sum(n) OVER (PARTITION BY {keys}) AS tot FROM {hist} WHERE days IS NOT NULL) q "
        f"WHERE cum * 100 >= tot * :percentile GROUP BY {keys}"
    )


def _scope(inst_col: str, region_col: str, institution_id: str | None, region_prefix: str | None) -> str:
    out = ""
    if institution_id is not None:
        out += f" AND {inst_col} = :institution_id"
    if region_prefix is not None:
        out += f" AND {region_col} LIKE :region_like"
    return out


def performance_sql(
    dialect: str,
    spec: PerformanceSpec,
    *,
    institution_id: str | None = None,
    region_prefix: str | None = None,
    staff_id: int | None = None,
) -> dict[str, str]:
    """The figures' statement (`figures`) and the appointee list (`appointees`)."""
    d = _Dialect(dialect)
    scope_c = _scope("c.institution_id", "c.region_code", institution_id, region_prefix)
    staff_t = " WHERE t.staff_id = :staff_id" if staff_id is not None else ""
    appointees = (
        "appointees AS (SELECT DISTINCT a.institution_id, s.id AS staff_id, s.name AS name "
        "FROM appointment a JOIN staff s ON s.id = a.staff_id JOIN institution i ON i.id = a.institution_id "
        "WHERE a.post = :post AND a.term_from <= :end AND (a.term_to IS NULL OR a.term_to >= :start) "
        f"AND (a.ended_on IS NULL OR a.ended_on > :start){_scope('a.institution_id', 'i.region_code', institution_id, region_prefix)})"
    )
    closed_in = "m.effective_on <= :end"
    handled = (
        "handled AS (SELECT c.id AS case_id, c.institution_id AS institution_id, c.facts AS facts, "
        "CASE WHEN c.channel IN :online THEN 1 ELSE 0 END AS online, "
        f"CASE WHEN {closed_in} THEN 1 ELSE 0 END AS closed, "
        f"CASE WHEN {closed_in} AND m.on_time IS TRUE THEN 1 ELSE 0 END AS on_time, "
        f"CASE WHEN {closed_in} AND m.closure IN :mediation THEN 1 ELSE 0 END AS mediated, "
        f"CASE WHEN {closed_in} THEN {d.days('m.effective_on', 'COALESCE(m.accepted_on, c.accepted_on)')} END AS days "
        "FROM case_file c LEFT JOIN monitoring_record m ON m.id = (SELECT min(m2.id) FROM monitoring_record m2 "
        "WHERE m2.case_id = c.id AND m2.milestone = 'closed') AND m.milestone = 'closed' "
        "WHERE c.accepted_on IS NOT NULL AND c.accepted_on <= :end AND (c.closed_on IS NULL OR c.closed_on >= :start) "
        f"AND (m.effective_on IS NULL OR m.effective_on >= :start){scope_c})"
    )
    metrics = ("closed", "on_time", "mediated", "online", "days")
    sums = "sum(n), sum(closed), sum(on_time), sum(mediated), sum(online), sum(days * n)"
    hist = "count(*) AS n, sum(closed) AS closed, sum(on_time) AS on_time, sum(mediated) AS mediated, "
    hist += "sum(online) AS online"
    staff_p = " WHERE p.staff_id = :staff_id" if staff_id is not None else ""
    breach_ctes = (
        "bcount AS (SELECT b.case_id, count(*) AS n FROM breach b WHERE b.due_on >= :start AND b.due_on <= :end "
        "AND b.withdrawn_on IS NULL AND (b.responsible IN :roles OR b.responsible IS NULL) GROUP BY b.case_id),\n"
        "bcases AS (SELECT c.id AS case_id, c.institution_id AS institution_id, c.facts AS facts, bc.n AS n "
        f"FROM bcount bc JOIN case_file c ON c.id = bc.case_id WHERE 1 = 1{scope_c}),\n"
        f"{_tribunal(d, spec, 'bcases', 'btribunal', ('n',), staff_p)}"
    )
    # histograms by days to close (NULL = not closed): the sums and the percentile both read them
    hists = (
        f"ihist AS (SELECT institution_id, days, {hist} FROM handled GROUP BY institution_id, days),\n"
        f"shist AS (SELECT institution_id, staff_id, days, {hist} FROM tribunal "
        "GROUP BY institution_id, staff_id, days)"
    )
    # one statement, so each CTE is computed once; every row: kind, institution, staff, seven values
    figures = (
        f"WITH {appointees},\n{handled},\n{_tribunal(d, spec, 'handled', 'tribunal', metrics, staff_p)},\n"
        f"{hists},\n{breach_ctes}\n"
        f"SELECT 'i' AS kind, institution_id, CAST(NULL AS INTEGER) AS staff_id, {sums}, CAST(NULL AS INTEGER) "
        "FROM ihist GROUP BY institution_id\nUNION ALL\n"
        f"SELECT 's', institution_id, staff_id, {sums}, NULL FROM shist GROUP BY institution_id, staff_id"
        "\nUNION ALL\n"
        "SELECT 'a', institution_id, NULL, count(DISTINCT case_id), NULL, NULL, NULL, NULL, NULL, NULL "
        "FROM tribunal GROUP BY institution_id\nUNION ALL\n"
        f"{_percentile('pi', 'ihist', 'institution_id')}\nUNION ALL\n"
        f"{_percentile('ps', 'shist', 'institution_id, staff_id')}\nUNION ALL\n"
        "SELECT 'bi', institution_id, NULL, sum(n), NULL, NULL, NULL, NULL, NULL, NULL FROM bcases "
        "GROUP BY institution_id\nUNION ALL\n"
        "SELECT 'bs', institution_id, staff_id, sum(n), NULL, NULL, NULL, NULL, NULL, NULL FROM btribunal "
        "GROUP BY institution_id, staff_id"
    )
    listed = f"WITH {appointees}\nSELECT t.institution_id, t.staff_id, t.name FROM appointees t{staff_t}"
    return {"figures": figures, "appointees": listed}


def connection_of(session_or_db: Any) -> tuple[sa.Connection, bool]:
    """(a connection, whether we opened it): a Database, an Engine, an ORM Session or a Connection."""
    if isinstance(session_or_db, sa.Connection):
        return session_or_db, False
    engine = getattr(session_or_db, "engine", None)
    if isinstance(session_or_db, sa.Engine) or isinstance(engine, sa.Engine):
        eng = session_or_db if isinstance(session_or_db, sa.Engine) else engine
        assert isinstance(eng, sa.Engine)
        return eng.connect(), True
    if hasattr(session_or_db, "connection"):
        return session_or_db.connection(), False
    raise TypeError(
        f"performance() needs a Database, Engine, Session or Connection, not {type(session_or_db)}"
    )


def check_region_prefix(region_prefix: str | None) -> str | None:
    if region_prefix is None:
        return None
    if not re.fullmatch(r"\d{1,6}", region_prefix):
        raise BadInput(
            f"地区代码前缀 '{region_prefix}' 应为 1-6 位数字 (region prefix must be 1-6 digits of GB/T 2260)",
            "region",
        )
    return region_prefix


def performance(
    session_or_db: Any,
    *,
    start: dt.date,
    end: dt.date,
    institution_id: str | None = None,
    region_prefix: str | None = None,
    staff_id: int | None = None,
    spec: PerformanceSpec | None = None,
    codes: CodeTables | None = None,
) -> PerformanceReport:
    """The figures of every institution in scope and of each of its arbitrators for [start, end]
    (both days included). `staff_id` keeps one arbitrator's rows (the institutions' stay, to compare;
    their `attributed` then counts that arbitrator's cases only)."""
    if end < start:
        raise BadInput(f"期间止 {end} 早于期间起 {start} (the period ends before it starts)", "end")
    region_prefix = check_region_prefix(region_prefix)
    spec = spec or performance_spec()
    codes = codes or CodeTables.load(codes_dir())
    a = spec.attribution
    conn, opened = connection_of(session_or_db)
    try:
        sql = performance_sql(
            conn.dialect.name,
            spec,
            institution_id=institution_id,
            region_prefix=region_prefix,
            staff_id=staff_id,
        )
        params: dict[str, Any] = {
            "start": start,
            "end": end,
            "post": a.post,
            "percentile": a.percentile,
            "online": sorted(codes.table("channels").descendants(a.online_channel)) or [_NO_CODE],
            "mediation": sorted(codes.table("closure_methods").descendants(a.mediation_closure))
            or [_NO_CODE],
            "roles": list(a.breach_roles),
            "institution_id": institution_id,
            "region_like": f"{region_prefix}%" if region_prefix else None,
            "staff_id": staff_id,
        }

        def run(key: str) -> list[Any]:
            stmt = sa.text(sql[key]).bindparams(
                sa.bindparam("start", type_=sa.Date()),
                sa.bindparam("end", type_=sa.Date()),
                *(
                    sa.bindparam(k, expanding=True)
                    for k in ("online", "mediation", "roles")
                    if f":{k}" in sql[key]
                ),
            )
            used = {k: v for k, v in params.items() if f":{k}" in sql[key]}
            return list(conn.execute(stmt, used))

        rows = run("figures")
        listed = run("appointees")
        inst_ids = {r[1] for r in rows} | {r[0] for r in listed}
        names = _names(conn, inst_ids, {int(r[1]) for r in listed})
    finally:
        if opened:
            conn.close()
    return _assemble(spec, start, end, institution_id, region_prefix, staff_id, rows, listed, names)


def _names(
    conn: sa.Connection, inst_ids: set[str], staff_ids: set[int]
) -> tuple[dict[str, str], dict[int, str]]:
    i = InstitutionRow.__table__  # type: ignore[attr-defined]
    s = StaffRow.__table__  # type: ignore[attr-defined]
    insts = {
        str(k): str(v)
        for k, v in conn.execute(sa.select(i.c.id, i.c.name).where(i.c.id.in_(sorted(inst_ids))))
    }
    staff: dict[int, str] = {}
    ids = sorted(staff_ids)
    for n in range(0, len(ids), 900):
        part = ids[n : n + 900]
        staff.update(
            {int(k): str(v) for k, v in conn.execute(sa.select(s.c.id, s.c.name).where(s.c.id.in_(part)))}
        )
    return insts, staff


def _assemble(
    spec: PerformanceSpec,
    start: dt.date,
    end: dt.date,
    institution_id: str | None,
    region_prefix: str | None,
    staff_id: int | None,
    rows: list[Any],
    listed: list[Any],
    names: tuple[dict[str, str], dict[int, str]],
) -> PerformanceReport:
    insts, staff = names
    empty = Counts()
    by_key: dict[tuple[str, str, int | None], dict[str, Any]] = {}

    def slot(kind: str, inst: Any, sid: Any) -> dict[str, Any]:
        key = (kind, str(inst), None if sid is None else int(sid))
        if key not in by_key:
            by_key[key] = {**empty.as_dict(), "attributed": 0 if kind == "i" else None}
        return by_key[key]

    for inst, sid, _name in listed:
        slot("i", inst, None)
        slot("s", inst, sid)
    for kind, inst, sid, v1, closed, on_time, mediated, online, days, _v7 in rows:
        if kind == "a":  # the institution's cases with at least one arbitrator of the register
            slot("i", inst, None)["attributed"] = int(v1)
        elif kind in ("pi", "ps"):
            slot(kind[1], inst, sid)["p90_days"] = int(v1)
        elif kind in ("bi", "bs"):
            slot(kind[1], inst, sid)["breaches"] = int(v1 or 0)
        else:
            slot(kind, inst, sid).update(
                handled=int(v1),
                closed=int(closed or 0),
                closed_on_time=int(on_time or 0),
                mediated=int(mediated or 0),
                online=int(online or 0),
                days_total=int(days or 0),
            )
    institutions: list[Row] = []
    arbitrators: list[Row] = []
    for (kind, inst, sid), got in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2] or 0)):
        row = Row(
            inst, insts.get(inst, inst), sid, None if sid is None else staff.get(sid, ""), Counts(**got)
        )
        (institutions if kind == "i" else arbitrators).append(row)
    return PerformanceReport(
        start, end, institution_id, region_prefix, staff_id, spec, tuple(institutions), tuple(arbitrators)
    )
