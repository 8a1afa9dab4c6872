"""The public roster never shows personal data; coverage and online rates against the plan's targets."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from engine.errors import BadInput
from engine.registry.coverage import coverage as coverage_report
from engine.registry.coverage import load_targets, targets_for
from engine.registry.register_import import import_register
from engine.registry.roster import RosterEntry, RosterFilters, public_arbitrators, public_institutions
from engine.store.db import Database, init_db
from tests.registry.sheets_data import INSTITUTIONS_CSV, STAFF_CSV

TODAY = dt.date(2026, 12, 4)

PERSONAL = ("11010519491231002X", "13800000001")


@pytest.fixture
def registered(tmp_path: Path) -> Database:
    db = init_db(f"sqlite:///{tmp_path / 'roster.db'}")
    for name, text in (("机构.csv", INSTITUTIONS_CSV), ("人员.csv", STAFF_CSV)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_register(db, path, today=TODAY)
    return db


def test_the_roster_lists_current_arbitrators_without_personal_data(registered: Database) -> None:
    with registered.read() as s:
        page = public_arbitrators(s, TODAY)
    assert [e.name for e in page.items] == ["韦丽娟", "黄志远"]  # by region, institution, then name
    assert {f.name for f in dataclasses.fields(RosterEntry)} == {
        "name", "institution_id", "institution", "full_time", "employment", "qualification", "specialties",
        "term_from", "term_to",
    }  # fmt: skip
    text = repr(page.to_json())
    assert not any(p in text for p in PERSONAL)
    huang = next(e for e in page.items if e.name == "黄志远")
    assert (huang.employment, huang.qualification, huang.specialties) == ("专职", "律师执业满三年", ["劳动报酬", "社会保险"])


def test_roster_filters_and_paging(registered: Database) -> None:
    with registered.read() as s:
        assert public_arbitrators(s, TODAY, RosterFilters(specialty="social_insurance")).total == 1
        assert public_arbitrators(s, TODAY, RosterFilters(name="丽")).items[0].name == "韦丽娟"
        assert public_arbitrators(s, TODAY, RosterFilters(region="33")).total == 0
        assert public_arbitrators(s, dt.date(2023, 12, 31)).total == 0  # before their terms
        two = public_arbitrators(s, TODAY, per_page=1, page=2)
        assert (len(two.items), two.total) == (1, 2)
        with pytest.raises(BadInput):
            public_arbitrators(s, TODAY, per_page=1000)


def test_public_institutions_show_the_office_contact(registered: Database) -> None:
    with registered.read() as s:
        page = public_institutions(s, TODAY, region="4501")
    nn = next(i for i in page.items if i.id == "gx-nn")
    assert (nn.level_name, nn.phone, nn.handles_cases) == ("地市级", "0771-2000000", True)


def test_targets_accumulate_over_the_plan_years() -> None:
    t = load_targets()
    assert targets_for(t, 2017).coverage == {} and targets_for(t, 2017).online is None
    y2019 = targets_for(t, 2019)
    assert y2019.coverage["prefectural"].at_least == 1.0 and y2019.coverage["county"].above == 0.90
    assert targets_for(t, 2026).online.at_least == 0.80  # type: ignore[union-attr]
    county = targets_for(t, 2026).coverage["county"]
    assert county.met(0.93) is False and county.met(0.931) is True  # 超过 is strict


def test_coverage_counts_commissions_by_level(registered: Database) -> None:
    with registered.read() as s:
        report = coverage_report(s, TODAY, "2026-11")
    gx = report.by_region["45"]
    assert (gx["county"].on_system, gx["county"].total, gx["county"].meets) == (0, 1, False)
    assert (gx["prefectural"].rate, gx["prefectural"].meets) == (1.0, True)
    assert report.online["45"]["handled"] == 0 and report.online["45"]["meets"] is None
    assert report.to_json()["by_region"]["45"]["name"] == "广西壮族自治区"


def test_codes_validate_checks_the_register_configuration(tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from cli import app
    from tests.paths import CODES

    bad = tmp_path / "codes"
    shutil.copytree(CODES, bad)
    text = (bad / "coverage.yaml").read_text(encoding="utf-8").replace("above: 0.85", "above: 1.85")
    (bad / "coverage.yaml").write_text(text, encoding="utf-8")
    ok = CliRunner().invoke(app, ["codes", "validate"])
    assert ok.exit_code == 0 and "登记配置无误" in ok.stdout
    res = CliRunner().invoke(app, ["codes", "validate"], env={"ZHONGCAI_CODES_DIR": str(bad)})
    assert res.exit_code == 1 and "coverage.yaml:13" in res.stderr and "less than or equal to 1" in res.stderr
