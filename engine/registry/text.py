"""The text renderings of the register, as `zhongcai registry` prints them: the institutions as of a day,
one institution with its history and staff, the performance figures as a table, the coverage report.
Personal data never appears: ID numbers are masked and phones left out (the CLI's output goes to
terminals and logs). The JSON renderings are the reports' own `to_json`.

May import: engine.documents.masking, engine.registry.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.registry.codes import KINDS, code_name
from engine.registry.coverage import CoverageReport
from engine.registry.performance_report import PerformanceReport
from engine.registry.performance_spec import FIGURES
from engine.store.register_tables import AppointmentRow, InstitutionVersionRow, StaffRow

_SHOWN = (
    "handled",
    "closed",
    "on_time_rate",
    "average_days",
    "p90_days",
    "mediation_rate",
    "breaches",
    "online_rate",
)


def _pct(value: object) -> str:
    return "—" if value is None else f"{float(value):.1%}"  # type: ignore[arg-type]


def institution_lines(versions: Sequence[InstitutionVersionRow]) -> list[str]:
    """One line per institution: id, name, kind, level, region, on the system or not."""
    out = []
    for v in versions:
        on = "在本系统办案" if v.handles_cases else "未在本系统办案"
        procedure = f" 程序 {v.procedure_id}" if v.procedure_id else ""
        out.append(
            f"{v.institution_id:<12} {v.name}（{KINDS.get(v.kind, v.kind)}，{code_name('institution_levels', v.level)}，"
            f"{v.region_code}）{on}{procedure}"
        )
    out.append(f"{len(versions)} 个机构 (institutions)")
    return out


def history_lines(versions: Sequence[InstitutionVersionRow]) -> list[str]:
    """An institution's versions, oldest first, with their periods."""
    return [
        f"  {v.valid_from} 至 {v.valid_to or '今'}：{v.name}，{v.address or '（无地址）'}，"
        f"{'在本系统办案' if v.handles_cases else '未在本系统办案'}"
        for v in versions
    ]


def staff_lines(people: Sequence[tuple[StaffRow, AppointmentRow]]) -> list[str]:
    """The current appointees: name, post, 专职/兼职, qualification, term (no ID number, no phone)."""
    out = []
    for person, a in people:
        ground = f"，{code_name('qualification_grounds', a.qualification)}" if a.qualification else ""
        term = f"{a.term_from} 至 {a.term_to or '—'}"
        employment = "专职" if a.full_time else "兼职"
        out.append(
            f"  {person.name:<6} {code_name('staff_posts', a.post)}（{employment}{ground}） 聘期 {term}"
        )
    return out


def performance_lines(report: PerformanceReport) -> list[str]:
    """The figures as a table: institutions first, then their arbitrators."""
    titles = {k: report.spec.figures[k].title.split(" (")[0] for k in FIGURES}
    head = ["", *(titles[k] for k in _SHOWN)]
    rows = [head]
    for r in (*report.institutions, *report.arbitrators):
        label = r.institution_name if r.staff_id is None else f"  {r.staff_name}"
        cells = [label or r.institution_id]
        for k in _SHOWN:
            v = r.counts.value(k)
            cells.append(_pct(v) if k.endswith("_rate") else ("—" if v is None else str(v)))
        rows.append(cells)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append(
        f"{report.start} 至 {report.end}：{len(report.institutions)} 个机构，{len(report.arbitrators)} 名仲裁员"
    )
    return lines


def coverage_lines(report: CoverageReport) -> list[str]:
    """Coverage by level, then each province's levels and online handling rate."""
    out = [f"办案系统覆盖率 (coverage) {report.day}，在线办案率 (online handling) {report.month}"]
    for level, share in report.by_level.items():
        target = (
            f"，目标{share.target}{'，达标' if share.meets else '，未达标' if share.meets is False else ''}"
            if share.target
            else ""
        )
        out.append(
            f"  {code_name('institution_levels', level)}：{share.on_system}/{share.total} {_pct(share.rate)}{target}"
        )
    for province, levels in report.by_region.items():
        online = report.online.get(province, {})
        meets = {True: "，达标", False: "，未达标"}.get(online.get("meets"), "")  # type: ignore[arg-type]
        out.append(
            f"  {code_name('regions', province + '0000')}：在线办案率 {_pct(online.get('rate'))}"
            f"（{online.get('handled_online', 0)}/{online.get('handled', 0)}）{meets}"
        )
        for level, share in levels.items():
            out.append(f"    {code_name('institution_levels', level)}：{share.on_system}/{share.total}")
    return out
