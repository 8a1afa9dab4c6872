"""What an author or a user can cause never escapes `CaseService` as a traceback, and never half-writes.

A defective document template (syntax error, sandbox violation, a value the template misuses) becomes
`DocumentFailed` naming the document and the template line; a guard counting working days into a year
no calendar covers (P5) becomes a `date` refusal naming the year and the calendar file; a guard that
cannot be evaluated is a refusal; a `sets:` expression that raises stays a (clean) procedure error. In
every case the store is byte-for-byte what it was before (case row, events, deadlines, documents).
Also: an arbitration case opened with `claim_amount` alone can do its main actions (DESIGN.md §4).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from engine.cases.casefile import Actor
from engine.cases.runtime import CaseService
from engine.documents import render as documents
from engine.documents.render import clear_template_cache
from engine.errors import BadInput, DocumentFailed, EventNotAllowed, GuardRuntimeError
from engine.oversight.scan import scan
from engine.procedures.library import ProcedureLibrary
from engine.store.db import Database
from engine.store.tables import CaseRow, DeadlineRow, DocumentRow, EventRow, MonitoringRow
from tests.fixtures_runtime import ROOT, MovableNow, load_arbitration, prepared_db

CLERK = Actor("u:clerk", "clerk")
DIRECTOR = Actor("u:director", "director")
ARBITRATOR = Actor("u:arb", "arbitrator")
APPLICANT = Actor("u:applicant", "applicant")
DAY = dt.date(2026, 3, 2)

# mini.yaml plus: `suspend` produces a generated document, `award` is guarded by a working-day count
# from the hearing date (2032 is past the calendar's provisional reach, P5), `deliver` sets a fact by a division.
EXTRA_ACTIONS = """\
  suspend: {title: 中止审理, from: [accepted], to: suspended, roles: [director], produces: [broken]}
  award:
    title: 裁决
    from: [accepted]
    to: awarded
    roles: [arbitrator]
    when:
      - check: "workdays_before(hearing_on, 3) >= at"
        message: 开庭前三个工作日内不能裁决
  deliver: {title: 送达裁决书, from: [awarded], stays: true, roles: [clerk], sets: {per: "claim_amount / days"}}
  take_effect: {title: 裁决生效, from: [awarded], to: effective, roles: [clerk], produces: [broken]}
"""

BROKEN_TEMPLATES = {
    "runtime": ("<p>{{ claim_amount.no_such_field.deeper }}</p>\n", "broken.html.j2:1"),
    "sandbox": ("<p>ok</p>\n<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>\n", "broken.html.j2:2"),
    "syntax": ("<p>{% if claim_amount %}</p>\n", "broken.html.j2:1"),
}


def _procedure_dir(tmp_path: Path, template: str) -> tuple[Path, Path]:
    src = (ROOT / "tests" / "runtime_procedures" / "mini.yaml").read_text(encoding="utf-8")
    lines = [
        line
        for line in src.splitlines()
        if not line.startswith(("  suspend:", "  award: {", "  deliver:", "  take_effect:"))
    ]
    text = "\n".join(lines) + "\n"
    text = text.replace("actions:\n", "actions:\n" + EXTRA_ACTIONS, 1)
    text = text.replace(
        "  days: {type: int, title: 延长天数, default: 0}",
        "  days: {type: int, title: 延长天数, default: 0, opening: true}\n  per: {type: money, title: 人均}",
    )
    # the cases here state the hearing day and the days when they open
    text = text.replace(
        "  hearing_on: {type: date, title: 开庭日期, default: null}",
        "  hearing_on: {type: date, title: 开庭日期, default: null, opening: true}",
    )
    text = text.replace(
        "  evidence: {title: 证据, kind: submitted}",
        "  evidence: {title: 证据, kind: submitted}\n"
        "  broken: {title: 中止审理决定书, kind: generated, template: broken.html.j2}",
    )
    procs = tmp_path / "procedures"
    procs.mkdir()
    (procs / "mini.yaml").write_text(text, encoding="utf-8")
    docs = tmp_path / "documents"
    shutil.copytree(ROOT / "documents", docs)
    (docs / "broken.html.j2").write_text(template, encoding="utf-8")
    return procs, docs


@pytest.fixture(autouse=True)
def _fresh_templates() -> Iterator[None]:
    clear_template_cache()
    yield
    clear_template_cache()


def _service(
    tmp_path: Path,
    template: str = "<p>{{ claim_amount }}</p>\n",
    monkeypatch: pytest.MonkeyPatch | None = None,
    url: str | None = None,
) -> tuple[CaseService, Database]:
    procs, docs = _procedure_dir(tmp_path, template)
    # the runtime renders from the national documents folder (engine.documents.render.DOCUMENTS_DIR)
    assert monkeypatch is not None
    monkeypatch.setattr(documents, "DOCUMENTS_DIR", docs)
    library = ProcedureLibrary.load(procs, ROOT / "codes", docs)
    db = prepared_db(url or f"sqlite:///{tmp_path / 'zc.db'}")
    return CaseService(db, library, now=MovableNow(DAY)), db


def _store(db: Database, case_id: int) -> dict[str, Any]:
    """Everything the store holds about a case (rows as dicts, ordered)."""
    with db.read() as s:
        case = s.get(CaseRow, case_id)
        assert case is not None

        def rows(table: Any, order: Any) -> list[dict[str, Any]]:
            found = s.exec(select(table).where(table.case_id == case_id).order_by(col(order))).all()
            return [r.model_dump() for r in found]

        return {
            "case": case.model_dump(),
            "events": rows(EventRow, EventRow.seq),
            "deadlines": rows(DeadlineRow, DeadlineRow.id),
            "documents": rows(DocumentRow, DocumentRow.id),
            "monitoring": rows(MonitoringRow, MonitoringRow.id),
        }


def _accepted_case(service: CaseService, facts: dict[str, Any] | None = None) -> int:
    view = service.open_case("mini", DAY, {"claim_amount": "1000", **(facts or {})}, "inst", CLERK)
    service.attach(view.id, ["application"], DAY, CLERK)
    service.fire(view.id, "accept", CLERK, DAY)
    return view.id


@pytest.mark.parametrize("kind", sorted(BROKEN_TEMPLATES))
def test_a_defective_template_rolls_back_and_names_the_template(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    template, where = BROKEN_TEMPLATES[kind]
    service, db = _service(tmp_path, template, monkeypatch=monkeypatch)
    case_id = _accepted_case(service)
    before = _store(db, case_id)
    with pytest.raises(DocumentFailed) as err:
        service.fire(case_id, "suspend", DIRECTOR, DAY)
    assert _store(db, case_id) == before
    exc = err.value
    assert exc.document_id == "broken"
    assert exc.template is not None and "broken.html.j2" in exc.template
    message = str(exc)
    assert "中止审理决定书" in message and "broken.html.j2" in message and "\n" not in message
    assert where in message  # the file and the line to fix
    assert service.get(case_id).stage == "accepted"


def test_a_template_defect_in_an_on_expiry_action_does_not_stop_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, db = _service(tmp_path, BROKEN_TEMPLATES["runtime"][0], monkeypatch=monkeypatch)
    cases = [_accepted_case(service, {"hearing_on": "2026-03-20", "days": 5}) for _ in range(2)]
    for case_id in cases:
        service.fire(case_id, "award", ARBITRATOR, DAY)
        service.fire(case_id, "deliver", CLERK, DAY)
    before = [_store(db, c) for c in cases]
    later = dt.date(2026, 4, 1)
    service.now.to(later)  # type: ignore[attr-defined]
    report = scan(service, later)  # the challenge periods ran out: take_effect would produce `broken`
    after = [_store(db, c) for c in cases]
    assert [a["case"]["stage"] for a in after] == ["awarded", "awarded"]
    assert [a["events"] for a in after] == [b["events"] for b in before]
    assert [a["documents"] for a in after] == [b["documents"] for b in before]
    problems = [p for p in report.problems if "take_effect" in p]
    assert len(problems) == 2, report.problems  # both cases were tried: the first did not stop the scan
    assert all("broken.html.j2:1" in p for p in problems)


@pytest.mark.pg
def test_nothing_is_written_on_postgres_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    service, db = _service(tmp_path, BROKEN_TEMPLATES["runtime"][0], monkeypatch=monkeypatch, url=pg_url)
    case_id = _accepted_case(service, {"hearing_on": "2032-01-20"})
    before = _store(db, case_id)
    with pytest.raises(DocumentFailed):
        service.fire(case_id, "suspend", DIRECTOR, DAY)
    with pytest.raises(EventNotAllowed) as err:
        service.fire(case_id, "award", ARBITRATOR, DAY)
    assert err.value.code == "date"
    assert _store(db, case_id) == before
    db.dispose()


def test_api_maps_a_template_defect_to_a_stable_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import FastAPI

    from api.errors import install_error_handlers

    service, db = _service(tmp_path, BROKEN_TEMPLATES["runtime"][0], monkeypatch=monkeypatch)
    case_id = _accepted_case(service)
    before = _store(db, case_id)
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/fire")
    def fire() -> dict[str, str]:
        service.fire(case_id, "suspend", DIRECTOR, DAY)
        return {"ok": "yes"}

    got = TestClient(app, raise_server_exceptions=False).post("/fire")
    assert got.status_code == 500
    body = got.json()
    assert body["code"] == "document_template_error"
    assert "broken.html.j2:1" in body["message"]
    assert body["details"] == {"document": "broken", "template": "broken.html.j2"}
    assert _store(db, case_id) == before


def test_a_guard_counting_into_an_uncovered_year_is_a_date_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, db = _service(tmp_path, monkeypatch=monkeypatch)
    case_id = _accepted_case(service, {"hearing_on": "2032-01-20"})
    before = _store(db, case_id)
    with pytest.raises(EventNotAllowed) as err:
        service.fire(case_id, "award", ARBITRATOR, DAY)
    assert _store(db, case_id) == before
    refusal = err.value
    assert refusal.code == "date"
    assert refusal.action == "award" and refusal.case_id == case_id and refusal.stage == "accepted"
    assert "2032" in refusal.message and "procedures/calendars/cn.yaml" in refusal.message
    assert refusal.details["year"] == 2032
    # available_actions reports the same refusal instead of failing
    listed = {a.action: a for a in service.available_actions(case_id, "arbitrator", DAY)}
    assert listed["award"].allowed is False
    assert listed["award"].refusal is not None and listed["award"].refusal.code == "date"


def test_a_guard_on_a_missing_fact_is_a_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service, db = _service(tmp_path, monkeypatch=monkeypatch)
    case_id = _accepted_case(service)  # hearing_on defaults to null
    before = _store(db, case_id)
    with pytest.raises(EventNotAllowed) as err:
        service.fire(case_id, "award", ARBITRATOR, DAY)
    assert err.value.code == "guard"
    assert "hearing_on" in err.value.message
    assert _store(db, case_id) == before


def test_a_sets_expression_that_raises_is_a_clean_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, db = _service(tmp_path, monkeypatch=monkeypatch)
    case_id = _accepted_case(service, {"hearing_on": "2026-03-20"})
    service.fire(case_id, "award", ARBITRATOR, DAY)
    before = _store(db, case_id)
    with pytest.raises(GuardRuntimeError):  # days = 0: a procedure defect, `procedures check` finds it
        service.fire(case_id, "deliver", CLERK, DAY)
    assert _store(db, case_id) == before
    # the list of actions shows it as not possible, with the reason, instead of failing as a whole
    listed = {a.action: a for a in service.available_actions(case_id, "clerk", DAY)}
    refusal = listed["deliver"].refusal
    assert listed["deliver"].allowed is False and refusal is not None and refusal.code == "guard"
    assert "claim_amount / days" in refusal.message or "days" in refusal.message
    assert listed["take_effect"].allowed


def test_a_template_defect_is_one_line_on_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from commands.case import run_write as _case_run

    service, _ = _service(tmp_path, BROKEN_TEMPLATES["syntax"][0], monkeypatch=monkeypatch)
    case_id = _accepted_case(service)
    with pytest.raises(typer.Exit) as ended:
        _case_run(lambda: service.fire(case_id, "suspend", DIRECTOR, DAY))
    assert ended.value.exit_code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.html.j2:1" in err and "Traceback" not in err


# ---------------------------------------------------------------- a case opened with claim_amount alone

#: the main path of an arbitration case: (action, day, facts supplied with it); every other fact is
#: left to its default, and every produced document must render with blanks for what is not recorded
MAIN_PATH: tuple[tuple[str, dt.date, dict[str, Any]], ...] = (
    ("accept", dt.date(2026, 3, 2), {}),
    ("serve_respondent", dt.date(2026, 3, 3), {}),
    ("notify_tribunal", dt.date(2026, 3, 4), {}),
    ("schedule_hearing", dt.date(2026, 3, 5), {"hearing_on": "2026-03-20"}),
    ("hold_hearing", dt.date(2026, 3, 20), {}),
    # an award states its findings and reasons and is signed by a named tribunal (L 46; R 49)
    (
        "award",
        dt.date(2026, 3, 27),
        {
            "findings": "查明的事实",
            "reasons": "裁决理由",
            "presiding_arbitrator": "王仲裁",
            "arbitrators": ["赵", "钱"],
            "clerk_name": "孙",
        },
    ),
    ("deliver_award", dt.date(2026, 3, 30), {"recipient": "applicant"}),
    ("deliver_award", dt.date(2026, 3, 30), {"recipient": "respondent"}),
    ("take_effect", dt.date(2026, 4, 15), {}),
)


def _arbitration(tmp_path: Path, day: dt.date) -> tuple[CaseService, MovableNow, int]:
    now = MovableNow(day)
    service = CaseService(prepared_db(f"sqlite:///{tmp_path / 'arb.db'}"), load_arbitration(), now=now)
    view = service.open_case("arbitration", day, {"claim_amount": "20000"}, "inst", CLERK)
    assert view.stage == "received"
    return service, now, view.id


def test_a_case_opened_with_claim_amount_alone_can_be_withdrawn(tmp_path: Path) -> None:
    service, _, case_id = _arbitration(tmp_path, dt.date(2026, 3, 2))
    record = service.fire(case_id, "withdraw", APPLICANT, dt.date(2026, 3, 2))
    assert record.stage_after == "withdrawn"
    assert "withdrawal_decision" in record.produced
    assert {d.document_id for d in service.get(case_id).documents} >= {"withdrawal_decision"}


def test_a_case_opened_with_claim_amount_alone_walks_the_main_path(tmp_path: Path) -> None:
    service, now, case_id = _arbitration(tmp_path, MAIN_PATH[0][1])
    procedure = load_arbitration().get("arbitration")
    produced: list[str] = []
    for action, day, facts in MAIN_PATH:
        now.to(day)
        spec = procedure.actions[action]
        if spec.requires:
            service.attach(case_id, list(spec.requires), day, CLERK)
        record = service.fire(case_id, action, Actor(f"u:{spec.roles[0]}", spec.roles[0]), day, facts)
        produced += record.produced
    view = service.get(case_id)
    assert view.stage == "effective" and view.closure == "award"
    assert set(produced) >= {"acceptance_notice", "hearing_notice", "award_document", "service_receipt"}
    # the parties' names were never recorded: the documents carry blanks, never 'None'
    with service.db.read() as s:
        rows = s.exec(select(DocumentRow).where(DocumentRow.case_id == case_id)).all()
        for row in rows:
            if row.kind == "generated":
                text = row.content.decode("utf-8")
                assert "None" not in text and "Undefined" not in text, row.document_id


_NEEDED_VALUE: dict[str, Any] = {
    "date": dt.date(2026, 3, 20),
    "int": 10,
    "money": Decimal("100"),
    "decimal": Decimal("1"),
    "bool": True,
    "text": "某某",
}


def test_every_generated_document_renders_for_an_almost_empty_case() -> None:
    from engine.cases.facts import with_defaults
    from engine.documents.context import CaseSnapshot, InstitutionInfo
    from engine.documents.render import render_for_case

    library = load_arbitration()
    for procedure_id in library.ids():
        procedure = library.get(procedure_id)
        given = {"claim_amount": Decimal("20000")} if "claim_amount" in procedure.facts else {}
        facts = with_defaults(procedure, given)
        for doc in procedure.documents.values():
            if doc.kind != "generated":
                continue
            # the facts an action producing it `needs` are given with that action; nothing else is
            needed = {n for a in procedure.actions.values() if doc.id in a.produces for n in a.needs}
            supplied = {n: _NEEDED_VALUE[procedure.facts[n].type] for n in needed}
            snapshot = CaseSnapshot(
                case_id=1,
                case_number="京朝劳人仲字〔2026〕第1号",
                institution=InstitutionInfo("inst", "测试劳动人事争议仲裁委员会", "110105", "京朝"),
                procedure=procedure,
                stage=procedure.initial_stage,
                facts={**facts, **supplied},
                at=DAY,
                opened_on=DAY,
            )
            text = render_for_case(procedure, doc.id, snapshot).content
            assert "None" not in text and "Undefined" not in text, (procedure_id, doc.id)


# ---------------------------------------------------------------- the parsed code-table cache


def _tables_in(directory: Path) -> Any:
    from engine.codes import code_tables as codes

    codes._load_cached.cache_clear()
    return codes.CodeTables.load(directory)


def test_code_tables_read_from_the_cache_equal_the_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    folder = tmp_path / "codes"
    folder.mkdir()
    for name in ("industries", "dispute_types"):
        shutil.copy(ROOT / "codes" / f"{name}.yaml", folder / f"{name}.yaml")
    # the head of regions.yaml (entries with parents, validity and renamings), to stay fast
    lines = (ROOT / "codes" / "regions.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "regions.yaml").write_text("".join(lines[:1200]), encoding="utf-8")
    monkeypatch.setenv("ZHONGCAI_CACHE_DIR", "off")
    parsed = _tables_in(folder)
    monkeypatch.setenv("ZHONGCAI_CACHE_DIR", str(cache))
    first = _tables_in(folder)  # parses and writes the cache
    assert len(list((cache / "codes").glob("*.json"))) == 3
    cached = _tables_in(folder)  # reads the cache
    for name in parsed.names():
        assert cached.table(name) == parsed.table(name) == first.table(name)
    assert cached.validate("regions", "110103", dt.date(2012, 1, 1)) == parsed.validate(
        "regions", "110103", dt.date(2012, 1, 1)
    )
    # a changed file is read again, never the stale cache
    path = folder / "dispute_types.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title:", "title: 新", 1), encoding="utf-8")
    assert _tables_in(folder).table("dispute_types").title.startswith("新")
    # a damaged cache file is ignored
    for f in (cache / "codes").glob("*.json"):
        f.write_text("{not json", encoding="utf-8")
    assert _tables_in(folder).table("regions") == parsed.table("regions")


def test_a_code_table_with_problems_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.errors import ProcedureInvalid

    cache = tmp_path / "cache"
    monkeypatch.setenv("ZHONGCAI_CACHE_DIR", str(cache))
    folder = tmp_path / "codes"
    folder.mkdir()
    (folder / "outcomes.yaml").write_text(
        "table: outcomes\ntitle: t\nsource: s\ncodes:\n  - {code: '1', name: a}\n  - {code: '1', name: b}\n",
        encoding="utf-8",
    )
    for _ in range(2):
        with pytest.raises(ProcedureInvalid, match="declared twice"):
            _tables_in(folder)
    assert not list(cache.rglob("*.json"))


# ---------------------------------------------------------------- the facts boundary: any input, a clean answer

_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["1e999999", "NaN", "9999-12-31", "0001-01-01", "2026-02-30", "2026-03-01", "20000"])
    | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _input_facts(procedure_facts: list[str]) -> st.SearchStrategy[Any]:
    claim = st.fixed_dictionaries(
        {}, optional={"amount": _JSONISH, "final": _JSONISH, "item": _JSONISH, "awarded": _JSONISH}
    )
    value = _JSONISH | st.lists(claim, max_size=2)
    keys = st.sampled_from(procedure_facts) | st.text(max_size=5)
    return st.dictionaries(keys, value, max_size=4) | _JSONISH


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_facts_open_a_case_or_are_refused_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """Whatever a caller sends as facts, open_case and fire answer with a case or a BadInput/refusal
    naming the problem, and a refused call writes nothing."""
    service, db = _arb_service(tmp_path)
    procedure = load_arbitration().get("arbitration")
    facts = data.draw(_input_facts(sorted(procedure.facts)), label="facts")
    before = _count_rows(db)
    try:
        view = service.open_case("arbitration", DAY, facts, "inst", CLERK)
    except (BadInput, EventNotAllowed):
        assert _count_rows(db) == before
        return
    amount = view.facts.get("claim_amount")
    assert amount is None or abs(amount) < Decimal("1e14")
    more = data.draw(_input_facts(sorted(procedure.facts)), label="more facts")
    stored = _store(db, view.id)
    try:
        service.fire(view.id, "withdraw", APPLICANT, DAY, more)
    except (BadInput, EventNotAllowed):
        assert _store(db, view.id) == stored


_ARB_DB: dict[str, tuple[CaseService, Database]] = {}


def _arb_service(tmp_path: Path) -> tuple[CaseService, Database]:
    key = str(tmp_path)
    if key not in _ARB_DB:
        db = prepared_db(f"sqlite:///{tmp_path / 'facts.db'}")
        _ARB_DB.clear()
        _ARB_DB[key] = (CaseService(db, load_arbitration(), now=MovableNow(DAY)), db)
    return _ARB_DB[key]


def _count_rows(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            len(s.exec(select(CaseRow.id)).all()),
            len(s.exec(select(EventRow.id)).all()),
            len(s.exec(select(DocumentRow.id)).all()),
        )


@pytest.mark.parametrize(
    ("facts", "field", "words"),
    [
        ([("claim_amount", 1)], "facts", "mapping"),
        ({None: 1}, "facts", "text"),
        ({"claim_amount": "1e999999"}, "claim_amount", "out of range"),
        ({"claim_amount": "100000000000000"}, "claim_amount", "out of range"),
        ({"claim_amount": 1, "workers": 10**12}, "workers", "out of range"),
        (
            {"claim_amount": 1, "dispute_arose_on": "9999-12-31"},
            "dispute_arose_on",
            "between 1900-01-01 and 2199-12-31",
        ),
        ({"claim_amount": 1, "claims": [{"amount": "abc"}]}, "claims", "claim 1: 'amount' must be an amount"),
        ({"claim_amount": 1, "claims": [{"item": "x", "final": "yes"}]}, "claims", "'final' must be true"),
    ],
)
def test_bad_facts_are_refused_with_the_fact_named(
    tmp_path: Path, facts: Any, field: str, words: str
) -> None:
    service = CaseService(
        prepared_db(f"sqlite:///{tmp_path / 'b.db'}"), load_arbitration(), now=MovableNow(DAY)
    )
    with pytest.raises(BadInput) as err:
        service.open_case("arbitration", DAY, facts, "inst", CLERK)
    assert err.value.field == field
    assert words in str(err.value)


def test_a_malformed_call_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    service = CaseService(
        prepared_db(f"sqlite:///{tmp_path / 'c.db'}"), load_arbitration(), now=MovableNow(DAY)
    )
    case_id = service.open_case("arbitration", DAY, {"claim_amount": 1}, "inst", CLERK).id
    with pytest.raises(BadInput, match="action"):
        service.fire(case_id, None, APPLICANT, DAY)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="expected_version"):
        service.fire(case_id, "withdraw", APPLICANT, DAY, expected_version="1")  # type: ignore[arg-type]
    with pytest.raises(EventNotAllowed) as err:
        service.fire(case_id, "withdraw", APPLICANT, DAY, ["claim_amount"])  # type: ignore[arg-type]
    assert err.value.code == "facts"
    assert service.get(case_id).version == 1
