"""The register: institutions over time, staff and appointments, and the spreadsheet import (all or
nothing, every bad row reported with its number)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from engine.cases.tribunal import on_register as _on_register
from engine.errors import BadInput
from engine.registry.institutions import (
    InstitutionValues,
    history,
    institution_as_of,
    institutions_as_of,
    record_institution,
)
from engine.registry.register_import import ImportRejected, import_register
from engine.registry.sheets import MAX_CELL, SheetError
from engine.registry.staff import (
    AppointmentValues,
    StaffValues,
    add_staff,
    appoint,
    appointees,
    end_appointment,
    record_training,
    training_hours,
)
from engine.store.db import Database, init_db
from engine.store.register_tables import AppointmentRow, InstitutionVersionRow, StaffRow
from engine.store.tables import InstitutionRow
from tests.registry.sheets_data import INSTITUTIONS_CSV, STAFF_CSV

D = dt.date
TODAY = D(2026, 12, 4)
NANNING = InstitutionValues(name="南宁市劳动人事争议仲裁委员会", level="prefectural", region_code="450100")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return init_db(f"sqlite:///{tmp_path / 'reg.db'}")


def test_an_institution_answers_as_of_any_date(db: Database) -> None:
    with db.transaction() as s:
        record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        moved = InstitutionValues(**{**_values(NANNING), "address": "南宁市民族大道1号"})  # type: ignore[arg-type]
        record_institution(s, "gx-nn", moved, D(2025, 6, 1), today=TODAY)
    with db.read() as s:
        assert institution_as_of(s, "gx-nn", D(2019, 12, 31)) is None
        assert institution_as_of(s, "gx-nn", D(2025, 5, 31)).address is None  # type: ignore[union-attr]
        assert institution_as_of(s, "gx-nn", D(2025, 6, 1)).address == "南宁市民族大道1号"  # type: ignore[union-attr]
        versions = history(s, "gx-nn")
        assert [(v.valid_from, v.valid_to) for v in versions] == [(D(2020, 1, 1), D(2025, 6, 1)), (D(2025, 6, 1), None)]
        row = s.get(InstitutionRow, "gx-nn")
        assert row is not None and row.address == "南宁市民族大道1号" and row.level == "prefectural"


def test_a_change_that_changes_nothing_writes_nothing_and_order_is_kept(db: Database) -> None:
    with db.transaction() as s:
        _, first = record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        _, again = record_institution(s, "gx-nn", NANNING, D(2024, 1, 1), today=TODAY)
        assert first and not again
    with db.transaction() as s, pytest.raises(BadInput, match="不能早于"):
        changed = InstitutionValues(**{**_values(NANNING), "phone": "0771-1234567"})  # type: ignore[arg-type]
        record_institution(s, "gx-nn", changed, D(2019, 1, 1), today=TODAY)
    with db.transaction() as s, pytest.raises(BadInput, match="晚于今天"):
        record_institution(s, "gx-nn", NANNING, TODAY + dt.timedelta(days=1), today=TODAY)
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(InstitutionVersionRow)).one() == 1


def _values(v: InstitutionValues) -> dict[str, object]:
    return {f: getattr(v, f) for f in v.__dataclass_fields__}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region_code": "459999"}, "region_code"),
        ({"level": "galactic"}, "level"),
        ({"kind": "office"}, "parent_id"),
        ({"kind": "club"}, "kind"),
        ({"phone": "call me"}, "phone"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_institution_values_name_the_field(db: Database, change: dict[str, object], field: str) -> None:
    with db.transaction() as s, pytest.raises(BadInput) as err:
        record_institution(s, "gx-nn", InstitutionValues(**{**_values(NANNING), **change}), D(2020, 1, 1), today=TODAY)  # type: ignore[arg-type]
    assert err.value.field == field


def test_an_office_belongs_to_a_commission(db: Database) -> None:
    with db.transaction() as s:
        record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        office = InstitutionValues(name="南宁市劳动人事争议仲裁院", level="prefectural", region_code="450100",
                                   kind="office", parent_id="gx-nn")  # fmt: skip
        record_institution(s, "gx-nn-y", office, D(2020, 1, 1), today=TODAY)
    with db.read() as s:
        assert [v.institution_id for v in institutions_as_of(s, D(2021, 1, 1), region_prefix="45", kind="office")] == ["gx-nn-y"]


def _arbitrator(term_from: dt.date = D(2024, 1, 1), **kw: object) -> AppointmentValues:
    return AppointmentValues(post="arbitrator", term_from=term_from, term_to=D(2028, 12, 31),
                             qualification="lawyer_three_years", specialties=("labour_pay",), **kw)  # type: ignore[arg-type]  # fmt: skip


def test_appointments_hold_for_their_term_and_names_are_unique_among_holders(db: Database) -> None:
    with db.transaction() as s:
        record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        a = add_staff(s, "gx-nn", StaffValues(name="韦丽娟", id_number="11010519491231002X"), today=TODAY)
        assert a.gender == "女"  # from the ID number
        b = add_staff(s, "gx-nn", StaffValues(name="韦丽娟"), today=TODAY)
        appt = appoint(s, a.id, _arbitrator())  # type: ignore[arg-type]
        with pytest.raises(BadInput, match="同名"):
            appoint(s, b.id, _arbitrator(D(2025, 1, 1)))  # type: ignore[arg-type]
        with pytest.raises(BadInput, match="已有这一岗位"):
            appoint(s, a.id, _arbitrator(D(2025, 1, 1)))  # type: ignore[arg-type]
        with pytest.raises(BadInput) as err:
            appoint(s, a.id, AppointmentValues(post="arbitrator", term_from=D(2025, 1, 1)))  # type: ignore[arg-type]
        assert err.value.field == "qualification"
        end_appointment(s, appt.id, D(2026, 7, 1))  # type: ignore[arg-type]
    with db.read() as s:
        assert [p.name for p, _ in appointees(s, "gx-nn", "arbitrator", D(2026, 6, 30))] == ["韦丽娟"]
        assert appointees(s, "gx-nn", "arbitrator", D(2026, 7, 1)) == []
        assert _on_register(s.connection(), "gx-nn", "韦丽娟", "arbitrator", D(2026, 6, 30)) is True
        assert _on_register(s.connection(), "gx-nn", "韦丽娟", "arbitrator", D(2026, 7, 1)) is False
        assert _on_register(s.connection(), "gx-nn", "韦丽娟", "clerk", D(2026, 6, 30)) is False
        assert _on_register(s.connection(), "nowhere", "韦丽娟", "arbitrator", D(2026, 6, 30)) is None  # keeps no register


def test_a_bad_id_number_is_refused(db: Database) -> None:
    with db.transaction() as s:
        record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        with pytest.raises(BadInput) as err:
            add_staff(s, "gx-nn", StaffValues(name="张三", id_number="110105194912310021"), today=TODAY)
        assert err.value.field == "id_number"
        assert "校验位" in str(err.value) and "110105194912310021" not in str(err.value)


@given(st.lists(st.tuples(st.integers(0, 3000), st.decimals("0.1", "80", places=1)), max_size=12))
def test_training_hours_sum_per_calendar_year(tmp_path_factory: pytest.TempPathFactory, records: list) -> None:  # type: ignore[type-arg]
    db = init_db(f"sqlite:///{tmp_path_factory.mktemp('t') / 'tr.db'}")
    with db.transaction() as s:
        record_institution(s, "gx-nn", NANNING, D(2020, 1, 1), today=TODAY)
        person = add_staff(s, "gx-nn", StaffValues(name="覃晓"), today=TODAY)
        for offset, hours in records:
            record_training(s, person.id, D(2024, 1, 1) + dt.timedelta(days=offset), hours, "在职培训")  # type: ignore[arg-type]
    with db.read() as s:
        for year in (2024, 2025, 2026, 2027, 2028):
            expect = sum((h for o, h in records if (D(2024, 1, 1) + dt.timedelta(days=o)).year == year), start=0)
            assert training_hours(s, person.id, year) == expect  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- import

def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_twice_changes_nothing_the_second_time(db: Database, tmp_path: Path) -> None:
    inst = _write(tmp_path, "机构.csv", INSTITUTIONS_CSV)
    staff = _write(tmp_path, "人员.csv", STAFF_CSV)
    first = import_register(db, inst, today=TODAY)
    assert first.institutions == 3
    people = import_register(db, staff, today=TODAY)
    assert (people.staff_added, people.appointments_added) == (3, 3)
    again = import_register(db, staff, today=TODAY)
    assert (again.staff_added, again.appointments_added) == (0, 0)
    assert import_register(db, inst, today=TODAY).institutions == 0
    with db.read() as s:
        assert s.get(InstitutionRow, "gx-nn-qx").handles_cases is False  # type: ignore[union-attr]
        assert {p.name for p, _ in appointees(s, "gx-nn", "arbitrator", TODAY)} == {"黄志远", "韦丽娟"}
        specialties = s.exec(select(AppointmentRow.specialties).join(StaffRow).where(StaffRow.name == "黄志远")).one()
        assert specialties == ["labour_pay", "social_insurance"]


def test_a_bad_row_is_reported_with_its_number_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    import_register(db, _write(tmp_path, "机构.csv", INSTITUTIONS_CSV), today=TODAY)
    bad = STAFF_CSV + "gx-nn,张三,男,110105194912310021,,仲裁员,专职,律师执业满三年,,,2024-01-01,\n"
    bad += "gx-nn,李四,男,,,仲裁员,专职,,,,2024-13-01,\n"
    bad += "gx-xx,王五,男,,,书记员,专职,,,,2024-01-01,\n"
    with pytest.raises(ImportRejected) as err:
        import_register(db, _write(tmp_path, "人员.csv", bad), today=TODAY)
    where = [(p.row, p.column) for p in err.value.problems]
    assert where == [(5, "公民身份号码"), (6, "聘期起"), (7, "机构代码")]
    assert "110105194912310021" not in str(err.value)  # the ID number is not echoed back
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(StaffRow)).one() == 0  # the good rows were not kept


def test_unreadable_files_are_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="只能导入"):
        import_register(db, _write(tmp_path, "x.txt", "a"), today=TODAY)
    with pytest.raises(SheetError, match="XLSX"):
        import_register(db, _write(tmp_path, "x.xlsx", "not a zip"), today=TODAY)
    with pytest.raises(SheetError, match="超过"):
        import_register(db, _write(tmp_path, "long.csv", "机构代码,机构名称\n" + "a," + "长" * (MAX_CELL + 1) + "\n"), today=TODAY)
    with pytest.raises(ImportRejected, match="缺少表头 机构代码"):
        import_register(db, _write(tmp_path, "odd.csv", "机构名称,颜色\n甲,红\n"), today=TODAY)
    header = "机构代码,机构名称,层级,行政区划代码,生效日期,颜色\n"
    with pytest.raises(ImportRejected, match="不认识的表头 颜色"):
        import_register(db, _write(tmp_path, "odd2.csv", header + "a1,甲,省级,450000,2020-01-01,红\n"), today=TODAY)


def test_xlsx_with_two_sheets(db: Database, tmp_path: Path) -> None:
    import csv
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, text in (("人员", STAFF_CSV), ("机构", INSTITUTIONS_CSV)):  # staff first: read after institutions
        ws = book.create_sheet(title)
        for record in csv.reader(io.StringIO(text)):
            ws.append([D.fromisoformat(c) if title == "人员" and c[:2] == "20" and len(c) == 10 else c for c in record])
    path = tmp_path / "register.xlsx"
    book.save(path)
    report = import_register(db, path, today=TODAY)
    assert (report.institutions, report.staff_added, report.appointments_added) == (3, 3, 3)
    assert report.sheets == ["机构", "人员"]


def test_rows_outside_the_importers_scope_are_problems_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    """`allowed(institution_id, region_code)` (the API's scope): a row of an institution it refuses, by
    the region on the register or the one the row gives, is a problem of the file."""
    calls: list[tuple[str, str]] = []

    def guangxi_only(institution_id: str, region: str) -> bool:
        calls.append((institution_id, region))
        return region.startswith("4501")

    inst = _write(tmp_path, "机构.csv", INSTITUTIONS_CSV)
    with pytest.raises(ImportRejected) as err:
        import_register(db, inst, today=TODAY, allowed=guangxi_only)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "机构代码")]  # gx is 450000
    assert "无权登记机构 gx" in err.value.problems[0].message
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(InstitutionRow)).one() == 0
    import_register(db, inst, today=TODAY)  # as the CLI does: no scope
    moved = INSTITUTIONS_CSV.replace("gx-nn-qx,青秀区劳动人事争议仲裁委员会,仲裁委员会,,县（区）级,450103", "gx-nn-qx,青秀区劳动人事争议仲裁委员会,仲裁委员会,,县（区）级,440303")
    with pytest.raises(ImportRejected) as err:
        import_register(db, _write(tmp_path, "改.csv", moved), today=TODAY, allowed=guangxi_only)
    assert ("gx-nn-qx", "440303") in calls
    staff = _write(tmp_path, "人员.csv", STAFF_CSV)
    report = import_register(db, staff, today=TODAY, allowed=lambda i, r: i == "gx-nn")
    assert report.staff_added == 3
    with pytest.raises(ImportRejected) as err:
        import_register(db, staff, today=TODAY, allowed=lambda i, r: i == "gd-sz")
    assert {(p.row, p.column) for p in err.value.problems} == {(2, "机构代码"), (3, "机构代码"), (4, "机构代码")}
