"""The unified documents: every national document renders for the demo case, states the time limits
the procedure and the clocks give (never typed ones), re-renders identically, and the linter finds
what a template reads that the procedure does not provide."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dates.periods import Period
from engine.documents.demo import DEMO_FACTS, DemoDue, demo_snapshot
from engine.documents.format import cn_date, cn_money, cn_upper_money
from engine.documents.lint import check_templates, template_variables
from engine.documents.render import (
    DOCUMENTS_DIR,
    DocumentError,
    MissingDocumentData,
    RenderedDocument,
    format_case_number,
    render_for_case,
)
from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Procedure
from tests.paths import ROOT

#: the unified documents the system ships, by id
NATIONAL_DOCUMENTS = (
    "acceptance_notice rejection_notice amendment_notice response_notice evidence_notice "
    "tribunal_composition_notice hearing_notice postponement_notice extension_notice suspension_decision "
    "resumption_notice withdrawal_decision deemed_withdrawal_decision revocation_decision termination_decision "
    "transfer_letter mediation_document award_document final_award_document interim_award service_receipt"
).split()


@pytest.fixture(scope="module")
def library() -> ProcedureLibrary:
    return ProcedureLibrary.load(ROOT / "procedures")


@pytest.fixture(scope="module")
def arbitration(library: ProcedureLibrary) -> Procedure:
    return library.get("arbitration")


@pytest.fixture(scope="module")
def rendered(arbitration: Procedure) -> dict[str, RenderedDocument]:
    return {d: render_for_case(arbitration, d, demo_snapshot(arbitration, d)) for d in NATIONAL_DOCUMENTS}


def _text(html: str) -> str:
    body = html.split("</style>", 1)[-1]
    return unescape(re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", body)))


def _with_limits(procedure: Procedure, **limits: Period) -> Procedure:
    deadlines = dict(procedure.deadlines)
    for deadline_id, limit in limits.items():
        deadlines[deadline_id] = dataclasses.replace(deadlines[deadline_id], limit=limit)
    return dataclasses.replace(procedure, deadlines=deadlines)


def test_every_national_document_is_declared_and_renders(
    arbitration: Procedure, rendered: dict[str, RenderedDocument]
) -> None:
    generated = {d.id for d in arbitration.documents.values() if d.kind == "generated"}
    assert set(NATIONAL_DOCUMENTS) <= generated
    for doc_id, doc in rendered.items():
        snap = demo_snapshot(arbitration, doc_id)
        text = _text(doc.content)
        title = arbitration.documents[doc_id].title
        assert doc.title == title and doc.media_type == "text/html"
        assert f"<h1>{title}</h1>" in doc.content, doc_id
        assert snap.case_number in text and snap.institution.name in text, doc_id
        assert cn_date(snap.at) in text, doc_id
        assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None, f"{doc_id}: a date not written the Chinese way"
        for junk in ("None", "Undefined", "{{", "{%", "[]"):
            assert junk not in text, f"{doc_id} contains {junk!r}"


def test_a_document_rerenders_to_the_same_hash(
    arbitration: Procedure, rendered: dict[str, RenderedDocument]
) -> None:
    for doc_id, first in rendered.items():
        again = render_for_case(arbitration, doc_id, demo_snapshot(arbitration, doc_id))
        assert again == first
    facts = dict(DEMO_FACTS, applicant_name="李四")
    changed = render_for_case(
        arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts)
    )
    assert changed.sha256 != rendered["award_document"].sha256


def test_time_limits_come_from_the_procedure_not_the_template(arbitration: Procedure) -> None:
    shorter = _with_limits(
        arbitration,
        challenge_applicant=Period(12, "days"),
        challenge_respondent=Period(12, "days"),
        set_aside=Period(20, "days"),
        award=Period(40, "days"),
        defence=Period(7, "workdays"),
        tribunal_notice=Period(4, "workdays"),
    )

    def text(proc: Procedure, doc_id: str) -> str:
        return _text(render_for_case(proc, doc_id, demo_snapshot(proc, doc_id)).content)

    assert "自收到本裁决书之日起15日内向人民法院提起诉讼" in text(arbitration, "award_document")
    assert "自收到本裁决书之日起12日内向人民法院提起诉讼" in text(shorter, "award_document")
    final = text(shorter, "final_award_document")
    assert "12日内向人民法院提起诉讼" in final and "20日内向浙江省杭州市中级人民法院申请撤销裁决" in final
    assert "30日" not in final and "15日" not in final
    assert "仲裁审理期限为40日" in text(shorter, "acceptance_notice")
    assert "4个工作日内组成仲裁庭" in text(shorter, "acceptance_notice")
    assert "10个工作日" in text(arbitration, "response_notice")
    assert "7个工作日内向本委提交答辩书" in text(shorter, "response_notice")


def test_due_dates_come_from_the_case_clocks(arbitration: Procedure) -> None:
    snap = demo_snapshot(arbitration, "acceptance_notice")
    assert "至二〇二六年二月二十四日届满" in _text(
        render_for_case(arbitration, "acceptance_notice", snap).content
    )
    moved = dataclasses.replace(snap, deadlines={**snap.deadlines, "award": DemoDue(dt.date(2026, 3, 6))})
    text = _text(render_for_case(arbitration, "acceptance_notice", moved).content)
    assert "至二〇二六年三月六日届满" in text and "二月二十四日" not in text
    paused = dataclasses.replace(snap, deadlines={**snap.deadlines, "award": DemoDue(None, "paused")})
    assert "届满" not in _text(render_for_case(arbitration, "acceptance_notice", paused).content)


def test_final_and_non_final_items_go_into_separate_awards(rendered: dict[str, RenderedDocument]) -> None:
    award, final = _text(rendered["award_document"].content), _text(rendered["final_award_document"].content)
    assert "违法解除劳动合同赔偿金" in award and "拖欠的工资" not in award and "申请撤销裁决" not in award
    assert "拖欠的工资" in final and "未休年休假工资报酬" in final and "违法解除劳动合同赔偿金" not in final
    assert "本裁决为终局裁决，自作出之日起发生法律效力" in final
    assert "人民币48,000.00元（大写：肆万捌仟元整）" in award


def test_whole_award_when_no_item_is_final(arbitration: Procedure) -> None:
    claims = [dict(c, final=False) for c in DEMO_FACTS["claims"]]
    snap = demo_snapshot(arbitration, "award_document", dict(DEMO_FACTS, claims=claims))
    text = _text(render_for_case(arbitration, "award_document", snap).content)
    assert "拖欠的工资" in text and "违法解除劳动合同赔偿金" in text and "非终局裁决事项" not in text


def test_a_missing_fact_is_named_with_its_title(arbitration: Procedure) -> None:
    no_default = dataclasses.replace(arbitration.facts["applicant_name"], default=None, has_default=False)
    strict = dataclasses.replace(arbitration, facts={**arbitration.facts, "applicant_name": no_default})
    facts = {k: v for k, v in DEMO_FACTS.items() if k != "applicant_name"}
    with pytest.raises(MissingDocumentData) as err:
        render_for_case(strict, "acceptance_notice", demo_snapshot(strict, "acceptance_notice", facts))
    assert err.value.name == "applicant_name" and "申请人姓名或名称" in str(err.value)


def test_every_document_renders_for_a_case_opened_with_claim_amount_alone(arbitration: Procedure) -> None:
    """DESIGN.md section 4: a case opens with claim_amount alone; the notices then carry blanks."""
    # the facts without a default are those the producing actions must supply (hearing_on, ...)
    needed = {
        k: v for k, v in DEMO_FACTS.items() if k in arbitration.facts and not arbitration.facts[k].has_default
    }
    for doc_id in NATIONAL_DOCUMENTS:
        snap = demo_snapshot(arbitration, doc_id, {**needed, "claim_amount": Decimal("20000")})
        html = render_for_case(arbitration, doc_id, snap).content
        assert 'class="blank"' in html or doc_id in ("transfer_letter",), doc_id
        assert "None" not in _text(html), doc_id


def test_a_value_of_the_wrong_form_refuses_with_the_fact(arbitration: Procedure) -> None:
    facts = dict(DEMO_FACTS, applicant_gender="unknown")
    with pytest.raises(MissingDocumentData, match="不是性别"):
        render_for_case(arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts))


def test_unknown_document_and_bad_values_are_clear_errors(arbitration: Procedure) -> None:
    with pytest.raises(DocumentError, match="no document 'award_doc'"):
        render_for_case(arbitration, "award_doc", demo_snapshot(arbitration))
    with pytest.raises(MissingDocumentData, match="不是金额"):
        facts = dict(DEMO_FACTS, awarded_amount="twenty", claims=[])
        render_for_case(arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts))


def test_mediation_procedure_renders_its_review_mediation_document(library: ProcedureLibrary) -> None:
    mediation = library.get("mediation")
    snap = dataclasses.replace(
        demo_snapshot(mediation, "mediation_document"), history=(("accept_review", dt.date(2026, 3, 2)),)
    )
    text = _text(render_for_case(mediation, "mediation_document", snap).content)
    assert "共同向本委申请仲裁审查，本委于二〇二六年三月二日受理" in text
    assert "本调解书经双方当事人签收后，即发生法律效力" in text


def test_templates_of_every_procedure_pass_the_linter(library: ProcedureLibrary) -> None:
    for procedure_id in library.ids():
        diags = check_templates(library.get(procedure_id))
        assert [d for d in diags if d.severity == "error"] == [], procedure_id


def test_template_variables_follow_extends_and_imports() -> None:
    names = template_variables("award_document.html.j2")
    assert {
        "applicant_name",
        "respondent_uscc",
        "award_summary",
        "deadline",
        "institution",
        "case_number",
    } <= names
    assert not {"parts", "award", "items", "c", "loop"} & names


def _bad_documents(tmp_path: Path, files: dict[str, str]) -> Path:
    docs = tmp_path / "documents"
    shutil.copytree(DOCUMENTS_DIR, docs, ignore=shutil.ignore_patterns("regions"))
    for name, source in files.items():
        (docs / name).write_text(source, encoding="utf-8")
    return docs


def test_linter_reports_unknown_names_deadlines_syntax_and_missing_files(
    tmp_path: Path, arbitration: Procedure
) -> None:
    docs = _bad_documents(
        tmp_path,
        {
            "acceptance_notice.html.j2": "{% extends '_base.html.j2' %}\n{% block body %}\n{{ aplicant_name }}{% endblock %}",
            "award_document.html.j2": "<p>{{ deadline.apeal.limit }}</p>{% if deadline.optional is defined %}x{% endif %}",
            "interim_award.html.j2": "<p>{% if x %}</p>",
            "hearing_notice.html.j2": "{{ code_name('dispute_kinds', dispute_type) }}",
            "transfer_letter.html.j2": "{% include document_id ~ '.html.j2' %}",
        },
    )
    (docs / "service_receipt.html.j2").unlink()
    diags = check_templates(arbitration, documents_dir=docs)
    by_code = {(d.code, d.span.path.rsplit("/", 1)[-1] if d.span else None): d for d in diags}
    d003 = by_code[("D003", "acceptance_notice.html.j2")]
    assert d003.span is not None and d003.span.line == 3 and "aplicant_name" in d003.message
    assert d003.hint == "did you mean 'applicant_name'?"
    d004 = by_code[("D004", "award_document.html.j2")]
    assert "apeal" in d004.message and "optional" not in d004.message
    d002 = by_code[("D002", "interim_award.html.j2")]
    assert d002.span is not None and d002.span.line == 1
    assert by_code[("D007", "transfer_letter.html.j2")].severity == "warning"
    assert ("D006", "hearing_notice.html.j2") in by_code
    assert any(d.code == "D001" and "service_receipt" in d.message for d in diags)
    assert len([d for d in diags if d.code == "D004"]) == 1


def test_regional_override_replaces_only_its_own_file(tmp_path: Path, library: ProcedureLibrary) -> None:
    docs = _bad_documents(tmp_path, {})
    (docs / "regions" / "arbitration").mkdir(parents=True)
    (docs / "regions" / "zhejiang").mkdir(parents=True)
    (docs / "regions" / "arbitration" / "hearing_notice.html.j2").write_text(
        "{% extends 'national/hearing_notice.html.j2' %}{% block notes %}<p>全国覆盖测试</p>{% endblock %}"
    )
    (docs / "regions" / "zhejiang" / "acceptance_notice.html.j2").write_text(
        "{% extends 'national/acceptance_notice.html.j2' %}{% block notes %}<p>浙江省覆盖</p>{% endblock %}"
    )
    zhejiang, national = library.get("zhejiang"), library.get("arbitration")

    def html(proc: Procedure, doc_id: str) -> str:
        return render_for_case(proc, doc_id, demo_snapshot(proc, doc_id), documents_dir=docs).content

    assert "浙江省覆盖" in html(zhejiang, "acceptance_notice")
    assert "浙江省覆盖" not in html(national, "acceptance_notice")
    assert "全国覆盖测试" in html(zhejiang, "hearing_notice")  # zhejiang extends arbitration
    assert "浙江省覆盖" not in html(zhejiang, "award_document")
    assert check_templates(zhejiang, documents_dir=docs) == []


# ---------------------------------------------------------------- dates, money, case numbers

_UPPER_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_upper(text: str) -> Decimal:
    """Read capital figures back (the inverse of cn_upper_money), independent of its code."""
    yuan_part, _, rest = text.partition("元") if "元" in text else ("", "", text)
    total, section, digit = 0, 0, 0
    for ch in yuan_part:
        if ch in _UPPER_DIGITS:
            digit = _UPPER_DIGITS[ch]
        elif ch in _UNITS:
            section += digit * _UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    total += section + digit
    cents = 0
    for value, unit in re.findall(r"([壹贰叁肆伍陆柒捌玖])([角分])", rest):
        cents += _UPPER_DIGITS[value] * (10 if unit == "角" else 1)
    return Decimal(total) + Decimal(cents) / 100


@given(st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2))
def test_capital_figures_read_back_to_the_amount(amount: Decimal) -> None:
    upper = cn_upper_money(amount)
    assert _parse_upper(upper) == amount
    assert "零零" not in upper and not upper.startswith("零" if amount >= 1 else "@")
    assert cn_money(amount).startswith("人民币") and cn_money(amount).endswith("元")


@given(st.dates(dt.date(1949, 10, 1), dt.date(2099, 12, 31)))
def test_chinese_dates_have_no_arabic_digits_and_read_back(day: dt.date) -> None:
    text = cn_date(day)
    assert not re.search(r"\d", text)
    year = "".join(str("〇一二三四五六七八九".index(c)) for c in text[:4])
    assert int(year) == day.year and text.endswith("日")


@given(st.integers(1900, 9999), st.lists(st.integers(1, 10**6), min_size=2, max_size=20, unique=True))
def test_case_numbers_are_distinct_and_carry_their_sequence(year: int, seqs: list[int]) -> None:
    numbers = [format_case_number("{abbr}劳人仲案字〔{year}〕第{seq}号", "浙杭", year, s) for s in seqs]
    assert len(set(numbers)) == len(seqs)
    for number, seq in zip(numbers, seqs, strict=True):
        m = re.fullmatch(r"浙杭劳人仲案字〔(\d{4})〕第(\d+)号", number)
        assert m is not None and int(m.group(1)) == year and int(m.group(2)) == seq


@pytest.mark.parametrize(
    "fmt", ["{abbr}〔{year}〕", "{abbr}{seq.__class__}", "{abbr}{seq}}", "{0}{seq}", "{abbr}{seq:x}"]
)
def test_bad_case_number_formats_are_refused(fmt: str) -> None:
    with pytest.raises(ValueError, match="案号格式"):
        format_case_number(fmt, "浙杭", 2026, 1)


def test_zhejiang_states_its_simple_track_period_from_its_overlay(library: ProcedureLibrary) -> None:
    zhejiang, national = library.get("zhejiang"), library.get("arbitration")
    simple = demo_snapshot(zhejiang, "acceptance_notice", dict(DEMO_FACTS, track="simple"))
    simple = dataclasses.replace(
        simple, deadlines={**simple.deadlines, "simple_closure": DemoDue(dt.date(2026, 2, 4))}
    )
    text = _text(render_for_case(zhejiang, "acceptance_notice", simple).content)
    assert "本委应当自受理之日起30日内结案，至二〇二六年二月四日届满" in text
    assert "仲裁审理期限为45日" in text  # the national items stay
    ordinary = demo_snapshot(zhejiang, "acceptance_notice")
    assert "简易处理" not in _text(render_for_case(zhejiang, "acceptance_notice", ordinary).content)
    national_simple = demo_snapshot(national, "acceptance_notice", dict(DEMO_FACTS, track="simple"))
    assert "简易处理" not in _text(render_for_case(national, "acceptance_notice", national_simple).content)


def test_cli_checks_templates_and_writes_the_samples(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import cli

    runner = CliRunner()
    checked = runner.invoke(cli.app, ["documents", "check", "--procedures", str(ROOT / "procedures")])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s)" in checked.output
    sample = runner.invoke(
        cli.app,
        ["documents", "sample", "--out", str(tmp_path), "--masked", "--procedures", str(ROOT / "procedures")],
    )
    assert sample.exit_code == 0, sample.output
    assert {f"{d}.html" for d in NATIONAL_DOCUMENTS} <= {p.name for p in tmp_path.iterdir()}
    published = (tmp_path / "award_document.html").read_text(encoding="utf-8")
    assert "王某" in published and "王䶮" not in published


_TEXT_FACTS = (
    "applicant_name applicant_id_number applicant_address applicant_phone respondent_name respondent_uscc "
    "respondent_address respondent_representative respondent_phone hearing_place award_summary "
    "mediation_terms suspension_reason rejection_ground"
).split()


@settings(max_examples=15)
@given(
    texts=st.fixed_dictionaries({k: st.text(max_size=30) for k in _TEXT_FACTS}),
    gender=st.sampled_from(["male", "female", "男", "女", ""]),
    amount=st.one_of(
        st.integers(0, 10**11), st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2)
    ),
    hearing=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
)
def test_any_text_in_the_facts_renders_as_text(
    arbitration: Procedure, texts: dict[str, str], gender: str, amount: Decimal, hearing: dt.date
) -> None:
    """Whatever a clerk types (markup, template syntax, control characters) is printed, escaped,
    never evaluated, and no document fails for it."""
    texts = dict(
        texts,
        applicant_name=texts["applicant_name"] + "<zc>",
        respondent_name=texts["respondent_name"] + "<zc>",
    )
    claims = [dict(c, amount=amount, awarded=amount) for c in DEMO_FACTS["claims"]]
    facts = dict(
        DEMO_FACTS, **texts, applicant_gender=gender, awarded_amount=amount, hearing_on=hearing, claims=claims
    )
    for doc_id in NATIONAL_DOCUMENTS:
        html = render_for_case(arbitration, doc_id, demo_snapshot(arbitration, doc_id, facts)).content
        body = html.split("</style>", 1)[1]
        assert "<zc>" not in body and "&lt;zc&gt;" in body, doc_id


def test_template_syntax_in_a_fact_is_not_evaluated(arbitration: Procedure) -> None:
    facts = dict(DEMO_FACTS, award_summary="{{ ''.__class__ }}{% for i in range(9) %}x{% endfor %}")
    text = _text(
        render_for_case(
            arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts)
        ).content
    )
    assert "{{''.__class__}}{%foriinrange(9)%}x{%endfor%}" in text


def test_linter_warns_about_overrides_that_replace_nothing(tmp_path: Path, library: ProcedureLibrary) -> None:
    from engine.documents.lint import check_region_folders

    docs = _bad_documents(tmp_path, {})
    (docs / "regions" / "zhejiang").mkdir(parents=True)
    (docs / "regions" / "zhejaing").mkdir(parents=True)
    (docs / "regions" / "zhejiang" / "acceptance_notcie.html.j2").write_text("{{ case_number }}")
    diags = check_templates(library.get("zhejiang"), documents_dir=docs)
    assert [(d.code, d.severity, d.hint) for d in diags] == [
        ("D008", "warning", "did you mean 'acceptance_notice.html.j2'?")
    ]
    folders = check_region_folders(library.ids(), documents_dir=docs)
    assert [(d.code, d.hint) for d in folders] == [("D009", "did you mean 'zhejiang'?")]


def test_a_snapshot_of_the_runtime_shape_is_accepted(arbitration: Procedure) -> None:
    """engine.cases.casefile's flat snapshot (institution_name, deadlines with due_on) renders the same."""
    from types import SimpleNamespace

    ours = demo_snapshot(arbitration, "acceptance_notice")
    flat = SimpleNamespace(
        case_id=ours.case_id,
        case_number=ours.case_number,
        institution_id=ours.institution.id,
        institution_name=ours.institution.name,
        region_code=ours.institution.region_code,
        institution_address=ours.institution.address,
        institution_phone=ours.institution.phone,
        court=ours.institution.court,
        stage=ours.stage,
        facts=ours.facts,
        at=ours.at,
        opened_on=ours.opened_on,
        deadlines={k: SimpleNamespace(due_on=v.date, status=v.status) for k, v in ours.deadlines.items()},
        history=ours.history,
        documents=ours.documents,
    )
    assert render_for_case(arbitration, "acceptance_notice", flat) == render_for_case(
        arbitration, "acceptance_notice", ours
    )


def test_service_receipt_lists_what_the_producing_action_serves(arbitration: Procedure) -> None:
    base = demo_snapshot(arbitration, "service_receipt")
    served = dataclasses.replace(base, history=(*base.history, ("serve_respondent", base.at)))
    text = _text(render_for_case(arbitration, "service_receipt", served).content)
    assert "送达文书名称及件数《仲裁申请书》副本一份；《应诉通知书》一份" in text
    assert "受理通知书" not in text and text.count("受送达人签名或者盖章") == 1
    # L 48-50: deliver_award fires once per party (`recipient`), and its receipt is that party's alone
    for recipient, name, other in (
        ("applicant", "王䶮", "杭州云栖数据科技有限公司"),
        ("respondent", "杭州云栖数据科技有限公司", "王䶮"),
    ):
        delivered = dataclasses.replace(
            base,
            facts={**base.facts, "recipient": recipient},
            history=(*base.history, ("deliver_award", base.at)),
            documents=(*base.documents, "award_document", "final_award_document"),
        )
        text = _text(render_for_case(arbitration, "service_receipt", delivered).content)
        assert "《裁决书》一份；《终局裁决书》一份" in text and "应诉通知书" not in text
        assert text.count("受送达人签名或者盖章") == 1
        assert f"受送达人{name}" in text and f"受送达人{other}" not in text


def test_a_refused_counterclaim_is_notified_to_the_respondent(arbitration: Procedure) -> None:
    snap = dataclasses.replace(
        demo_snapshot(arbitration, "rejection_notice"),
        history=(("file_counterclaim", dt.date(2026, 1, 10)), ("refuse_counterclaim", dt.date(2026, 1, 12))),
    )
    text = _text(render_for_case(arbitration, "rejection_notice", snap).content)
    assert (
        text.startswith("杭州市西湖区劳动人事争议仲裁委员会不予受理通知书")
        and "杭州云栖数据科技有限公司：你单位于二〇二六年一月十日" in text
    )
    assert "第三十六条" in text and "向人民法院提起诉讼" not in text


def test_each_award_states_the_reasons_of_its_own_items(arbitration: Procedure) -> None:
    """R 50(4): with a reason per item, the final award does not carry the non-final reasoning."""
    reasons = {
        "2025年10月至12月拖欠的工资": "被申请人未足额支付工资，应予补足。",
        "违法解除劳动合同赔偿金": "被申请人解除劳动合同违法，应支付赔偿金。",
        "2025年度未休年休假工资报酬": "申请人未休年休假，应予补偿。",
    }
    claims = [dict(c, reason=reasons[c["item"]]) for c in DEMO_FACTS["claims"]]
    facts = dict(DEMO_FACTS, claims=claims)
    final = _text(
        render_for_case(
            arbitration, "final_award_document", demo_snapshot(arbitration, "final_award_document", facts)
        ).content
    )
    award = _text(
        render_for_case(
            arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts)
        ).content
    )
    assert "应予补足" in final and "应予补偿" in final and "解除劳动合同违法" not in final
    assert "解除劳动合同违法" in award and "应予补足" not in award
    # R 49: the facts found and the reasons of the tribunal stand in both documents, before the items' own
    assert "入职被申请人处" in final and "入职被申请人处" in award
    assert final.index("经审理查明") < final.index("仲裁庭认为") < final.index("应予补足")
