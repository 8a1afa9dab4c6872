"""`zhongcai registry import FILE.csv|xlsx`: institutions and staff from a region's spreadsheet, every
row checked, all or nothing.

Owns: `import_register(db, path, today=...)` -> `ImportReport`, `ImportRejected` (every bad row with its
sheet, row number and column; nothing of the file is written), the column headers (`INSTITUTION_COLUMNS`,
`STAFF_COLUMNS`). A sheet is an institution sheet when it has the header 机构名称, a staff sheet when it
has 姓名; in an XLSX, institution sheets are read first. Values may be codes or their names (层级
“县（区）级” or `county`; 岗位 “仲裁员” or `arbitrator`). A person is the same person across imports by
公民身份号码, else by institution and name; an appointment already on the register (same post, same
term start) is not added twice, so importing a file twice changes nothing the second time.
May import: engine.errors, engine.store.db, engine.registry (codes, institutions, staff, sheets).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from engine.errors import BadInput, ZhongcaiError
from engine.registry.codes import KINDS, register_codes
from engine.registry.institutions import InstitutionValues, record_institution
from engine.registry.sheets import Sheet, read_sheets
from engine.registry.staff import AppointmentValues, StaffValues, add_staff, appoint
from engine.store.db import Database
from engine.store.register_tables import AppointmentRow, StaffRow
from engine.store.tables import InstitutionRow

#: who may write an institution's rows: (institution id, its region code) -> bool (the API's scope)
Allowed = Callable[[str, str], bool]

#: header -> field of an institution row (required headers first)
INSTITUTION_COLUMNS = {
    "机构代码": "id", "机构名称": "name", "层级": "level", "行政区划代码": "region_code", "生效日期": "valid_from",
    "机构类型": "kind", "所属机构代码": "parent_id", "地址": "address", "联系电话": "phone",
    "在本系统办案": "handles_cases", "适用程序": "procedure_id", "案号字头": "case_number_prefix",
}  # fmt: skip
INSTITUTION_REQUIRED = ("机构代码", "机构名称", "层级", "行政区划代码", "生效日期")
STAFF_COLUMNS = {
    "机构代码": "institution_id", "姓名": "name", "岗位": "post", "聘期起": "term_from",
    "性别": "gender", "公民身份号码": "id_number", "联系电话": "phone", "专兼职": "full_time",
    "任职条件": "qualification", "职称": "title", "专长": "specialties", "聘期止": "term_to",
}  # fmt: skip
STAFF_REQUIRED = ("机构代码", "姓名", "岗位", "聘期起")
_YES = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int
    column: str | None
    message: str

    def text(self) -> str:
        where = f"{self.sheet} 第 {self.row} 行" + (f"“{self.column}”" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(BadInput):
    """The file has bad rows; nothing of it was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(p.text() for p in problems[:50])
        more = (
            f"\n……另有 {len(problems) - 50} 处 (and {len(problems) - 50} more)" if len(problems) > 50 else ""
        )
        super().__init__(f"{len(problems)} 处错误，文件未导入 (nothing was imported):\n{shown}{more}")


@dataclass
class ImportReport:
    institutions: int = 0  # versions recorded (a row that changes nothing is not counted)
    staff_added: int = 0
    appointments_added: int = 0
    rows: int = 0
    sheets: list[str] = field(default_factory=list)


def _date(text: str, column: str) -> dt.date:
    m = _DATE.match(text.strip())
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise BadInput(f"'{text}' 不是日期：写作 YYYY-MM-DD (not a date)", field=column) from None


def _code(table: str, text: str, column: str) -> str:
    """A code given as itself or as its name."""
    tables = register_codes()
    if tables.get(table, text) is not None:
        return text
    matches = [e.code for e in tables.table(table).entries.values() if text in _names(e.name)]
    if len(matches) == 1:
        return matches[0]
    return text  # the register's own check reports it with its hint


def _names(name: str) -> set[str]:
    """How a spreadsheet may write a code's name: in full, without its note in brackets, or its last
    word (仲裁院院长（负责人） -> 仲裁院院长, 院长)."""
    short = re.sub(r"[（(].*?[）)]", "", name).strip()
    return {name, short, short[-2:]} if len(short) > 2 else {name, short}


def _flag(text: str, column: str, default: bool) -> bool:
    if not text:
        return default
    key = text.strip().lower()
    if key not in _YES:
        raise BadInput(f"'{text}' 应为“是”或“否” (yes or no)", field=column)
    return _YES[key]


def _get(row: dict[str, str], header: str) -> str:
    return row.get(header, "").strip()


def _check_allowed(session: Session, allowed: Allowed | None, institution_id: str, *regions: str) -> None:
    """Refuse a row of an institution outside the importer's scope: its region on the register and
    every region the row gives must be allowed (an unknown institution is reported by the register)."""
    if allowed is None:
        return
    current = session.get(InstitutionRow, institution_id)
    checked = [r for r in (current.region_code if current else None, *regions) if r]
    if any(not allowed(institution_id, r) for r in checked):
        raise BadInput(
            f"无权登记机构 {institution_id}：只能导入本人所在机构或本督查地区的机构 "
            "(outside your scope: your own institution, or the institutions of your region)",
            field="机构代码",
        )


def _institution_row(
    session: Session, row: dict[str, str], today: dt.date, procedures: Any, allowed: Allowed | None = None
) -> bool:
    _check_allowed(session, allowed, _get(row, "机构代码"), _get(row, "行政区划代码"))
    kind_text = _get(row, "机构类型") or "commission"
    kind = next((k for k, v in KINDS.items() if v == kind_text), kind_text)
    values = InstitutionValues(
        name=_get(row, "机构名称"),
        level=_code("institution_levels", _get(row, "层级"), "层级"),
        region_code=_get(row, "行政区划代码"),
        kind=kind,
        parent_id=_get(row, "所属机构代码") or None,
        address=_get(row, "地址") or None,
        phone=_get(row, "联系电话") or None,
        handles_cases=_flag(_get(row, "在本系统办案"), "在本系统办案", True),
        procedure_id=_get(row, "适用程序") or None,
        case_number_prefix=_get(row, "案号字头") or None,
    )
    on = _date(_get(row, "生效日期"), "生效日期")
    _version, changed = record_institution(
        session, _get(row, "机构代码"), values, on, today=today, procedures=procedures
    )
    return changed


def _find_staff(session: Session, institution_id: str, name: str, id_number: str | None) -> StaffRow | None:
    if id_number:
        got = session.exec(select(StaffRow).where(StaffRow.id_number == id_number.upper())).first()
        if got is not None:
            if got.institution_id != institution_id:
                raise BadInput(
                    f"该公民身份号码已登记在机构 {got.institution_id} (registered at another institution)",
                    field="公民身份号码",
                )
            return got
        return None
    return session.exec(
        select(StaffRow).where(StaffRow.institution_id == institution_id, StaffRow.name == name)
    ).first()


def _staff_row(
    session: Session,
    row: dict[str, str],
    today: dt.date,
    report: ImportReport,
    allowed: Allowed | None = None,
) -> None:
    institution_id, name = _get(row, "机构代码"), _get(row, "姓名")
    _check_allowed(session, allowed, institution_id)
    id_number = _get(row, "公民身份号码") or None
    person = _find_staff(session, institution_id, name, id_number)
    if person is None:
        person = add_staff(
            session,
            institution_id,
            StaffValues(
                name=name,
                gender=_get(row, "性别") or None,
                id_number=id_number,
                phone=_get(row, "联系电话") or None,
            ),
            today=today,
        )
        report.staff_added += 1
    assert person.id is not None
    post = _code("staff_posts", _get(row, "岗位"), "岗位")
    term_from = _date(_get(row, "聘期起"), "聘期起")
    existing = session.exec(
        select(AppointmentRow.id).where(
            AppointmentRow.staff_id == person.id,
            AppointmentRow.post == post,
            AppointmentRow.term_from == term_from,
        )
    ).first()
    if existing is not None:
        return
    full_time_text = _get(row, "专兼职") or "专职"
    if full_time_text not in ("专职", "兼职"):
        raise BadInput(f"'{full_time_text}' 应为“专职”或“兼职”", field="专兼职")
    specialties = [s for s in re.split(r"[、，,;；\s]+", _get(row, "专长")) if s]
    appoint(
        session,
        person.id,
        AppointmentValues(
            post=post,
            term_from=term_from,
            term_to=_date(_get(row, "聘期止"), "聘期止") if _get(row, "聘期止") else None,
            full_time=full_time_text == "专职",
            qualification=_code("qualification_grounds", _get(row, "任职条件"), "任职条件") or None,
            title=_get(row, "职称") or None,
            specialties=[_code("dispute_types", s, "专长") for s in specialties],
        ),
    )
    report.appointments_added += 1


def _column_of(exc: BadInput, columns: dict[str, str]) -> str | None:
    if exc.field in columns:
        return exc.field
    by_field = {v: k for k, v in columns.items()}
    return by_field.get(exc.field or "", exc.field)


def _run(
    session: Session, sheet: Sheet, columns: dict[str, str], required: tuple[str, ...], problems: list[Problem],
    each: Callable[[dict[str, str]], None],
) -> int:  # fmt: skip
    missing = [h for h in required if h not in sheet.headers]
    if missing:
        problems.append(
            Problem(sheet.name, 1, None, f"缺少表头 {'、'.join(missing)} (missing column headers)")
        )
        return 0
    unknown = [h for h in sheet.headers if h and h not in columns]
    if unknown:
        known = "、".join(columns)
        problems.append(Problem(sheet.name, 1, None, f"不认识的表头 {'、'.join(unknown)}（可用：{known}）"))
        return 0
    for number, row in sheet.rows:
        empty = [h for h in required if not _get(row, h)]
        if empty:
            problems.append(Problem(sheet.name, number, empty[0], "不能为空 (required)"))
            continue
        try:
            with session.begin_nested():
                each(row)
        except BadInput as exc:
            message = (
                str(exc).split(": ", 1)[-1]
                if exc.field and str(exc).startswith(f"{exc.field}:")
                else str(exc)
            )
            problems.append(Problem(sheet.name, number, _column_of(exc, columns), message))
        except ZhongcaiError as exc:
            problems.append(Problem(sheet.name, number, None, str(exc)))
    return len(sheet.rows)


def import_register(
    db: Database,
    path: Path,
    *,
    today: dt.date,
    procedures: Any = None,
    dry_run: bool = False,
    allowed: Allowed | None = None,
) -> ImportReport:
    """Import the institutions and staff of a CSV or XLSX file in one transaction.

    Raises ImportRejected (bad rows, with every problem) or SheetError (an unreadable file); either way
    nothing is written. With `dry_run`, every row is checked and the transaction rolled back. With
    `allowed`, a row of an institution for which `allowed(institution_id, region_code)` is false (its
    region on the register, or the one the row gives) is a problem of the file."""
    sheets = read_sheets(path)
    kinds = []
    for sheet in sheets:
        if "机构名称" in sheet.headers:
            kinds.append((0, sheet))
        elif "姓名" in sheet.headers:
            kinds.append((1, sheet))
        else:
            raise ImportRejected(
                [Problem(sheet.name, 1, None, "既无“机构名称”也无“姓名”表头：不是机构表或人员表")]
            )
    report = ImportReport(sheets=[s.name for _, s in sorted(kinds, key=lambda k: k[0])])
    problems: list[Problem] = []

    class _Rollback(Exception):
        pass

    try:
        with db.transaction() as session:
            for kind, sheet in sorted(kinds, key=lambda k: k[0]):
                if kind == 0:

                    def one(row: dict[str, str]) -> None:
                        if _institution_row(session, row, today, procedures, allowed):
                            report.institutions += 1

                    report.rows += _run(
                        session, sheet, INSTITUTION_COLUMNS, INSTITUTION_REQUIRED, problems, one
                    )
                else:
                    report.rows += _run(
                        session, sheet, STAFF_COLUMNS, STAFF_REQUIRED, problems,
                        lambda row: _staff_row(session, row, today, report, allowed),
                    )  # fmt: skip
            if problems:
                raise ImportRejected(problems)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report
