"""Template authors (regional override files) cannot reach Python internals or stall the server.

Each known Jinja sandbox escape is written into `documents/regions/arbitration/` of a scratch
documents folder and rendered for the demo case: every one must end in a clear DocumentError
(TemplateSecurityError for escapes and resource exhaustion), never in output or a hang.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from engine.documents.demo import demo_snapshot
from engine.documents.render import (
    DOCUMENTS_DIR,
    DocumentError,
    MissingDocumentData,
    TemplateSecurityError,
    render_for_case,
)
from engine.procedures.library import ProcedureLibrary
from engine.procedures.model import Procedure
from tests.paths import ROOT


@pytest.fixture(scope="module")
def arbitration() -> Procedure:
    return ProcedureLibrary.load(ROOT / "procedures").get("arbitration")


def _render_override(tmp_path: Path, procedure: Procedure, source: str, *, national: bool = False) -> str:
    docs = tmp_path / "documents"
    if national:
        shutil.copytree(DOCUMENTS_DIR, docs, ignore=shutil.ignore_patterns("regions"))
    region = docs / "regions" / procedure.id
    region.mkdir(parents=True, exist_ok=True)
    (region / "acceptance_notice.html.j2").write_text(source, encoding="utf-8")
    snap = demo_snapshot(procedure, "acceptance_notice")
    return render_for_case(procedure, "acceptance_notice", snap, documents_dir=docs).content


ESCAPES = {
    "class_mro": "{{ ''.__class__.__mro__ }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler_globals": "{{ cycler.__init__.__globals__ }}",
    "joiner_globals": "{{ joiner.__init__.__globals__['os'] }}",
    "attr_filter": "{{ applicant_name|attr('__class__') }}",
    "attr_filter_chain": "{{ (applicant_name|attr('__class__')|attr('__base__')) }}",
    "format_attack": "{{ '{0.__class__.__init__.__globals__}'.format(applicant_name) }}",
    "format_map_attack": "{{ '{x.__class__}'.format_map({'x': applicant_name}) }}",
    "percent_format": "{{ '%s%s' % (applicant_name, applicant_name) }}",
    "function_globals": "{{ fired_on.__globals__ }}",
    "function_code": "{{ fired_on.__code__ }}",
    "dataclass_internals": "{{ institution.__class__.__init__.__globals__ }}",
    "date_subclasses": "{{ doc_date.__class__.__subclasses__() }}",
    "self_context": "{{ self._TemplateReference__context }}",
    "list_mutation": "{{ claims.append(1) }}",
    "dict_mutation": "{{ deadline.clear() }}",
    "dict_update": "{{ deadline.update({'award': 1}) }}",
    "if_on_unsafe": "{% if ''.__class__ %}x{% endif %}",
    # methods of built-in values that build big values are not reachable
    "zfill": "{{ 'x'.zfill(1000000000) }}",
    "ljust": "{{ applicant_name.ljust(1000000000) }}",
    "expandtabs": "{{ ('\\t' * 1000).expandtabs(100000) }}",
    "str_join_method": "{{ ('x' * 10000).join(range(10000)|map('string')) }}",
    "str_replace_method": "{{ ('x' * 10000).replace('x', 'y' * 10000) }}",
    "dict_fromkeys": "{{ {}.fromkeys(range(10000), 'x' * 10000) }}",
    "int_to_bytes": "{{ (1).to_bytes(1000000000, 'big') }}",
    "encode": "{{ applicant_name.encode('utf-8') }}",
}

EXHAUSTION = {
    "huge_range": "{% for i in range(10**9) %}{% endfor %}",
    "nested_ranges": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "reused_range": "{% set r = range(5000) %}{% for i in r %}{% for j in r %}x{% endfor %}{% endfor %}",
    "string_times": "{{ 'x' * 100000000 }}",
    "list_times": "{{ ([1] * 100000000)|length }}",
    "power_tower": "{{ 9 ** 9 ** 9 }}",
    "macro_doubling": "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s|length }}{% endif %}"
    "{% endmacro %}{{ f('x', 60) }}",
    "macro_recursion": "{% macro g(n) %}{{ g(n + 1) }}{% endmacro %}{{ g(0) }}",
    "output_flood": "{% for i in range(9000) %}{{ 'x' * 9000 }}{% endfor %}",
    "replace_blowup": "{{ ('x' * 10000)|replace('x', 'y' * 10000) }}",
    "string_iteration": "{% for a in 'x' * 20000 %}{% for b in 'x' * 20000 %}{% endfor %}{% endfor %}",
    "shared_references": "{{ ['x' * 20000] * 20000 }}",
    "nested_references": "{% set a = ['x' * 20000] %}{% set b = [a, a, a, a, a] %}{{ (b * 20)|length }}",
    "concat_of_big_list": "{% set a = ['x' * 10000] * 90 %}{{ (a + a + a + a)|length }}",
    "tilde_of_big_list": "{% set a = ['x' * 10000] * 90 %}{{ a ~ a ~ a }}",
    "string_filter": "{% set a = ['x' * 10000] * 90 %}{% set b = [a, a] %}{{ b|string|length }}",
    "join_filter": "{% set a = ['x' * 10000] * 90 %}{{ [a|join, a|join]|join|length }}",
    "batch_huge": "{{ claims|batch(1000000000, fill_with='x')|list|length }}",
    "round_huge": "{{ awarded_amount|round(1000000000) }}",
    # 58 s to render before whole-number arithmetic had a budget
    "squaring_chain": "{% set a0 = 999999 ** 64 %}"
    + "".join(f"{{% set a{i + 1} = a{i} * a{i} %}}" for i in range(16))
    + "{{ a16 % 10 }}",
    "squaring_small_start": "{% set a = 3 %}" + "{% set a = a * a %}" * 40 + "{{ a % 7 }}",
}


@pytest.mark.parametrize("source", ESCAPES.values(), ids=ESCAPES.keys())
def test_escapes_are_blocked(tmp_path: Path, arbitration: Procedure, source: str) -> None:
    with pytest.raises(TemplateSecurityError) as err:
        _render_override(tmp_path, arbitration, source)
    message = str(err.value)
    assert "regions/arbitration/acceptance_notice.html.j2:1" in message  # which file, which line
    assert "不安全" in message or "unsafe" in message or "not allowed" in message or "sandbox" in message
    assert err.value.document_id == "acceptance_notice"


@pytest.mark.parametrize("source", EXHAUSTION.values(), ids=EXHAUSTION.keys())
def test_resource_exhaustion_is_a_clear_error(tmp_path: Path, arbitration: Procedure, source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateSecurityError) as err:
        _render_override(tmp_path, arbitration, source)
    assert "资源限制" in str(err.value) or "sandbox" in str(err.value)
    # not a timing assertion on speed, a guard against a hang: the budget stops it long before this
    assert time.perf_counter() - started < 60


def test_the_squaring_chain_is_refused_within_two_seconds(
    tmp_path: Path, arbitration: Procedure
) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateSecurityError) as err:
        _render_override(tmp_path, arbitration, EXHAUSTION["squaring_chain"])
    assert "2**133" in str(err.value)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{% include '../../engine/errors.py' %}", "errors.py"),
        ("{% include '/etc/passwd' %}", "passwd"),
        ("{% extends '../../pyproject.toml' %}", "pyproject.toml"),
        ("{{ 'a'|center(1000000000) }}", "center"),
        ("{{ lipsum(100000) }}", "lipsum"),
        ("{% set ns = namespace(s='x') %}{{ ns.s }}", "namespace"),
        ("{{ applicant_name|safe }}", "safe"),
    ],
)
def test_files_and_removed_helpers_are_unreachable(
    tmp_path: Path, arbitration: Procedure, source: str, fragment: str
) -> None:
    with pytest.raises(DocumentError) as err:
        _render_override(tmp_path, arbitration, source)
    assert fragment in str(err.value)


def test_missing_name_in_override_names_the_fact(tmp_path: Path, arbitration: Procedure) -> None:
    with pytest.raises(MissingDocumentData) as err:
        _render_override(tmp_path, arbitration, "{{ applicant_nmae }}")
    assert err.value.name == "applicant_nmae"
    assert "did you mean 'applicant_name'?" in str(err.value)


def test_a_legitimate_override_renders_and_reaches_the_national_file(
    tmp_path: Path, arbitration: Procedure
) -> None:
    source = (
        '{% extends "national/acceptance_notice.html.j2" %}'
        "{% block notes %}<p>浙江省：可通过“浙里办”查询案件进度。</p>{{ super() }}{% endblock %}"
    )
    html = _render_override(tmp_path, arbitration, source, national=True)
    assert "浙里办" in html and "受理通知书" in html and "本案仲裁审理期限为45日" in html
    # the sandbox keeps working for the national templates after the attacks above
    snap = demo_snapshot(arbitration, "award_document")
    assert "裁决书" in render_for_case(arbitration, "award_document", snap).content


def test_autoescape_keeps_fact_text_as_text(arbitration: Procedure) -> None:
    snap = demo_snapshot(arbitration, "award_document")
    facts = dict(snap.facts, award_summary="<script>alert(1)</script>经审理查明")
    html = render_for_case(
        arbitration, "award_document", demo_snapshot(arbitration, "award_document", facts)
    ).content
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_big_amounts_and_defaults_are_data_not_attacks(tmp_path: Path, arbitration: Procedure) -> None:
    source = "{{ 1234567890|cn_money(upper=True) }} {{ no_such_fact|default(100000000) }} {{ [1, 2]|sum(start=300000) }}"
    html = _render_override(tmp_path, arbitration, source)
    assert "人民币1,234,567,890.00元（大写：壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元整）" in html
    assert "100000000" in html and "300003" in html
