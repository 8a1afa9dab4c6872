"""Publication (裁决书网上公开): no generated identity leaks into a masked award or mediation document.

Hypothesis builds identities (names with rare characters and compound surnames, resident ID numbers
with valid check digits, mobile numbers, bank accounts, addresses) and writes them into the party
facts and, in other spellings (spaced, hyphenated, full-width digits), into the free text of the
award. The published rendering must contain none of them in any of those forms.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.documents.demo import DEMO_FACTS, demo_snapshot
from engine.documents.masking import Masker, mask_address, mask_id, mask_name
from engine.documents.render import render_for_case
from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Procedure
from tests.paths import ROOT

SURNAMES = ["王", "李", "赵", "钱", "孙", "周", "吴", "郑", "欧阳", "司马", "上官", "诸葛", "𠈌"]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "杰",
    "涛",
    "䶮",
    "𠈌",
    "堃",
    "喆",
    "赟",
    "玥",
    "琰",
]
REGIONS = ["110105", "330106", "440305", "510107", "450103"]
PLACES = [
    "浙江省杭州市西湖区",
    "北京市朝阳区",
    "广西壮族自治区南宁市青秀区",
    "广东省深圳市南山区",
    "四川省成都市武侯区",
]
STREETS = ["文三路", "学院路", "天目山路", "民族大道", "科技园南路"]
_FULL = str.maketrans({chr(0x30 + i): chr(0xFF10 + i) for i in range(10)})
_HALF = str.maketrans({chr(0xFF10 + i): chr(0x30 + i) for i in range(10)} | {"Ｘ": "X", "ｘ": "x"})


def _check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


names = st.builds(
    lambda s, g: s + "".join(g),
    st.sampled_from(SURNAMES),
    st.lists(st.sampled_from(GIVEN), min_size=1, max_size=2),
)
id_numbers = st.builds(
    lambda r, d, seq: (lambda f: f + _check_digit(f))(f"{r}{d:%Y%m%d}{seq:03d}"),
    st.sampled_from(REGIONS),
    st.dates(dt.date(1950, 1, 1), dt.date(2006, 12, 31)),
    st.integers(0, 999),
)
phones = st.builds(lambda p, rest: f"1{p}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))
accounts = st.integers(16, 19).flatmap(lambda n: st.integers(10 ** (n - 1), 10**n - 1).map(str))
addresses = st.builds(
    lambda place, street, no, room: f"{place}{street}{no}号{room}",
    st.sampled_from(PLACES),
    st.sampled_from(STREETS),
    st.integers(1, 999),
    st.sampled_from(["", "3幢501室", "2单元1102室"]),
)


def _spellings(secret: str) -> list[str]:
    """Ways a clerk may write a number or a name in free text."""
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return [
        secret,
        grouped,
        secret.translate(_FULL),
        "-".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    ]


def _normal(text: str) -> str:
    """The published text reduced so that every spelling of a secret becomes the plain secret."""
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[\s\-\u3000]", "", text.translate(_HALF))


@pytest.fixture(scope="module")
def arbitration() -> Procedure:
    return ProcedureLibrary.load(ROOT / "procedures").get("arbitration")


@settings(max_examples=40)
@given(
    applicant=names,
    representative=names,
    id_number=id_numbers,
    phone=phones,
    account=accounts,
    address=addresses,
    spelling=st.integers(0, 3),
    document=st.sampled_from(["award_document", "final_award_document", "mediation_document"]),
)
def test_no_identity_leaks_into_published_documents(
    arbitration: Procedure,
    applicant: str,
    representative: str,
    id_number: str,
    phone: str,
    account: str,
    address: str,
    spelling: int,
    document: str,
) -> None:
    spaced_name = " ".join(applicant)
    summary = (
        f"申请人{applicant}（公民身份号码{_spellings(id_number)[spelling]}，手机{_spellings(phone)[spelling]}）"
        f"主张被申请人将工资转入其账户{_spellings(account)[spelling]}。经查，{spaced_name}住{address}，"
        f"被申请人法定代表人{representative}确认欠付工资。"
    )
    facts = dict(
        DEMO_FACTS,
        applicant_name=applicant,
        applicant_id_number=id_number,
        applicant_phone=phone,
        applicant_address=address,
        respondent_representative=representative,
        award_summary=summary,
        mediation_terms=f"一、被申请人向{applicant}（账号{account}）支付60,000元；\n二、{representative}代表被申请人签字。",
    )
    snap = demo_snapshot(arbitration, document, facts=facts)
    public = render_for_case(arbitration, document, snap, masked=True).content
    plain = render_for_case(arbitration, document, snap).content
    text = _normal(public)

    secrets = {
        "name": applicant,
        "representative": representative,
        "id": id_number,
        "id tail": id_number[6:],
        "phone": phone,
        "account": account,
        "address detail": address[len(mask_address(address)) - 2 :],
    }
    for person in (applicant, representative):
        given_name = person[len(mask_name(person)) - 1 :]
        if len(given_name) >= 2:
            secrets[f"given name of {person}"] = given_name
    for what, secret in secrets.items():
        assert _normal(secret) not in text, f"{what} {secret!r} leaks into the published {document}"
        if what in ("name", "id", "phone", "account") and document != "mediation_document":
            assert _normal(secret) in _normal(plain)  # the test can fail: unmasked, the secret is there
    assert mask_name(applicant) in public
    assert "网上公开版" in public


def test_unmasked_rendering_keeps_the_identities(arbitration: Procedure) -> None:
    snap = demo_snapshot(arbitration, "award_document")
    plain = render_for_case(arbitration, "award_document", snap).content
    public = render_for_case(arbitration, "award_document", snap, masked=True).content
    assert "王䶮" in plain and "11010519491231002X" in plain
    assert "王䶮" not in public and "王某" in public and "赵某" in public
    assert "110105************" in public
    assert "浙江省杭州市西湖区××" in public and "文三路90号" not in public
    assert "杭州云栖数据科技有限公司" in public and "91110000600037341L" in public  # organisations stay named
    assert snap.case_number in public


@given(st.text(alphabet="0123456789 -元.,年月日号第", max_size=60))
def test_free_text_masking_never_adds_digits(text: str) -> None:
    masked = Masker().mask_text(text)
    assert sum(c.isdigit() for c in masked) <= sum(c.isdigit() for c in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("转账至6222 0212 3456 7890 123", "转账至*******"),
        ("电话0571-88886666", "电话*******"),
        ("手机+86 138 0013 8000", "手机*******"),
        ("身份证１１０１０５１９４９１２３１００２Ｘ", "身份证110105************"),
        ("于2026-10-12入职，欠付工资1200000元", "于2026-10-12入职，欠付工资1200000元"),
        ("案号〔2026〕第12号，金额20,000.00元", "案号〔2026〕第12号，金额20,000.00元"),
    ],
)
def test_free_text_patterns(text: str, expected: str) -> None:
    assert Masker().mask_text(text) == expected


def test_a_credit_code_is_kept_unless_it_hides_a_secret() -> None:
    kept = Masker.from_facts({"respondent_uscc": "91110000600037341L", "applicant_phone": "13800138000"})
    assert kept.mask_text("代码91110000600037341L，电话13800138000") == "代码91110000600037341L，电话*******"
    # a clerk typed the worker's ID number into the employer's code: it is masked all the same
    leaked = Masker.from_facts(
        {"respondent_uscc": "11010519491231002X", "applicant_id_number": "11010519491231002X"}
    )
    assert "11010519491231002X" not in leaked.mask_text("代码11010519491231002X")


def test_mask_helpers() -> None:
    assert mask_name("诸葛 亮亮") == "诸葛某"
    assert mask_id("110105 19491231 002X") == "110105************"
    assert mask_address("广东省深圳市南山区科技园南路1号") == "广东省深圳市南山区××"


def test_masking_filters_are_offered_to_templates() -> None:
    from jinja2 import DictLoader

    from engine.documents.sandbox import DocumentSandbox, render_limited

    env = DocumentSandbox(
        DictLoader({"t": "{{ id|mask_id }} {{ name|mask_name }} {{ address|mask_address }}"})
    )
    out = render_limited(
        env.get_template("t"),
        {"id": "11010519491231002X", "name": "上官婉儿", "address": "北京市朝阳区建国路88号"},
    )
    assert out == "110105************ 上官某 北京市朝阳区××"


def test_an_employer_applicant_keeps_its_name(arbitration: Procedure) -> None:
    facts = dict(
        DEMO_FACTS,
        applicant_type="employer",
        applicant_name="杭州某某网络有限公司",
        respondent_name="张三丰",
        award_summary="申请人杭州某某网络有限公司主张退还培训费。",
    )
    public = render_for_case(
        arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts), masked=True
    ).content
    assert "申请人：杭州某某网络有限公司，住所" in public and "公民身份号码" not in public
