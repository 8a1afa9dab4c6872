"""The text renderings of the monitoring reports, as `zhongcai monitor report|checks|risks` prints them:
the monthly indicators, the data checks, the risk warnings.

The JSON renderings are the reports' own `to_json()`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.codes.code_tables import CodeTables
    from engine.monitoring.datachecks import CheckReport
    from engine.monitoring.indicators import Report
    from engine.monitoring.risk import RiskReport


def rate_text(value: float | None) -> str:
    """A rate as a percentage with two decimals; a dash when its denominator is 0.

    >>> rate_text(0.12345), rate_text(None)
    ('12.35%', '—')
    """
    return "—" if value is None else f"{value * 100:.2f}%"


def report_lines(
    report: Report, title: str, month: str, codes: CodeTables, region: str | None, institution: str | None
) -> list[str]:
    """The monthly indicators: measures, closures by method, breaches, rates with their formula."""
    where = " ".join(x for x in (region and f"地区 {region}", institution and f"机构 {institution}") if x)
    out = [f"{title} {month} {where}".rstrip()]
    for key, value in report.measures.items():
        out.append(f"  {report.titles[key]}: {value}")
    closures = codes.table("closure_methods")
    for code, n in report.closed_by_closure.items():
        e = closures.entries.get(code)
        out.append(f"  结案方式 {code}（{e.name if e else '未知'}）: {n}")
    for code, n in report.ended_by_closure.items():
        out.append(f"  未受理即结束 {code}: {n}")
    out.append(f"  超期 (breaches): {sum(report.breaches.values())} {report.breaches or ''}".rstrip())
    if report.provisional_breaches:
        out.append(f"    其中暂定 (provisional, P5): {report.provisional_breaches}")
    for r in report.rates.values():
        out.append(f"  {r.title}: {rate_text(r.value)} = {r.numerator} / {r.denominator}  [{r.formula}]")
    return out


def check_lines(report: CheckReport, title: str, day: dt.date) -> list[str]:
    """The data checks: one line per rule with its count and up to five example records."""
    out = [f"{title} (as of {day})"]
    for f in report.findings:
        mark = "OK " if f.count == 0 else ("ERR" if f.severity == "error" else "WRN")
        ids = ", ".join(f"case {e['case_id']}#{e['event_seq']}" for e in f.examples[:5])
        out.append(f"  {mark} {f.rule}: {f.title}: {f.count}" + (f"  (e.g. {ids})" if ids else ""))
    return out


_RISK_LABELS = {"collective": "集体争议", "large_claim": "大额请求"}


def risk_lines(report: RiskReport, month: str) -> list[str]:
    """The risk warnings of a month: the flagged cases, then the month-over-month surges."""
    out = [f"风险预警 {month}: {len(report.flagged)} 件即时预警, {len(report.surges)} 项环比激增"]
    for f in report.flagged:
        flags = "、".join(_RISK_LABELS.get(x, x) for x in f.flags)
        out.append(
            f"  案件 {f.case_id} {f.effective_on} {f.region_code} {flags} 人数 {f.workers} 金额 {f.claim_amount}"
        )
    for s in report.surges:
        inc = "新增" if s.increase is None else f"+{s.increase * 100:.0f}%"
        out.append(f"  激增 {s.dimension} {s.key}（{s.name}）: {s.previous} → {s.current} ({inc})")
    return out
