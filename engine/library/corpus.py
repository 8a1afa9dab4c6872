"""The shipped corpus (../shared/library: laws.jsonl, cases.jsonl) read and validated.

Owns: `library_dir` (where the corpus is: `ZHONGCAI_LIBRARY_DIR`, default ../shared/library beside the
repository), `read_laws`, `read_cases` (records validated; a bad one raises CorpusError naming file:line),
`known_article_ids` (the article ids of laws.jsonl, for `procedures validate`; None when the corpus is
absent), the budgets `MAX_FILE_BYTES` and `MAX_RECORDS`, and `claim_categories`/`largest_amount`
(derived case fields). Pure reading: no database.
May import: engine.errors, engine.library.numerals.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from engine.errors import BadInput
from engine.library.numerals import to_cn

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_RECORDS = 50_000
ROOT = Path(__file__).resolve().parents[2]
ARTICLE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[1-9]\d*$")
CASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_LAW_FIELDS = ("id", "law", "law_key", "article_label", "chapter", "text", "effective_from", "issuer")

#: claim categories (请求类别) by words of the claims and dispute types
_CLAIMS = {
    "二倍工资": ("二倍工资", "双倍工资"),
    "加班费": ("加班费", "加班工资", "超时加班"),
    "经济补偿": ("经济补偿",),
    "赔偿金": ("赔偿金", "违法解除"),
    "劳动报酬": ("拖欠工资", "劳动报酬", "工资"),
    "确认劳动关系": ("确认劳动关系", "劳动关系确认", "存在劳动关系"),
    "社会保险": ("社会保险", "社保"),
    "工伤待遇": ("工伤",),
    "年休假工资": ("年休假",),
    "竞业限制": ("竞业限制",),
}


class CorpusError(BadInput):
    """A corpus file that cannot be loaded; the message names file:line."""


def library_dir() -> Path:
    """`ZHONGCAI_LIBRARY_DIR`, or ../shared/library beside the repository."""
    env = os.environ.get("ZHONGCAI_LIBRARY_DIR")
    return Path(env) if env else (ROOT.parent / "shared" / "library").resolve()


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorpusError(f"文件不存在 (cannot read {path}): {exc}", field=str(path)) from exc
    if size > MAX_FILE_BYTES:
        raise CorpusError(
            f"{path}: 文件过大 (file is {size} bytes, the limit is {MAX_FILE_BYTES})", str(path)
        )
    out: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            if len(out) >= MAX_RECORDS:
                raise CorpusError(f"{path}:{n}: 记录过多 (more than {MAX_RECORDS} records)", str(path))
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: JSON 无效 (invalid JSON: {exc.msg})", str(path)) from exc
            if not isinstance(rec, dict):
                raise CorpusError(f"{path}:{n}: 记录应为对象 (a record must be a JSON object)", str(path))
            out.append((n, rec))
    return out


def _date(value: Any, where: str, name: str, *, optional: bool = False) -> dt.date | None:
    if optional and value in ("", None):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CorpusError(f"{where}: {name} 应为日期 (must be YYYY-MM-DD, got {value!r})", name) from None


def read_laws(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The records of laws.jsonl with their line numbers, validated: ids `<law_key>-<article>`, labels
    第N条 matching the number, articles of a law numbered 1..N without gap or repeat."""
    recs = _records(path)
    numbers: dict[str, list[int]] = {}
    seen: set[str] = set()
    for n, r in recs:
        where = f"{path}:{n}"
        for name in _LAW_FIELDS:
            if not isinstance(r.get(name), str):
                raise CorpusError(f"{where}: 缺少字段 (field {name!r} must be a string)", name)
        art = r.get("article")
        if not isinstance(art, int) or isinstance(art, bool) or art < 1:
            raise CorpusError(
                f"{where}: 条号无效 (article must be a positive integer, got {art!r})", "article"
            )
        if not ARTICLE_ID.match(r["id"]) or r["id"] != f"{r['law_key']}-{art}":
            raise CorpusError(
                f"{where}: 条文编号无效 (id {r['id']!r} must be '<law_key>-<article>' = '{r['law_key']}-{art}')",
                "id",
            )
        if r["article_label"] != f"第{to_cn(art)}条":
            raise CorpusError(
                f"{where}: 条文标签与条号不符 (article_label {r['article_label']!r} is not 第{to_cn(art)}条)",
                "article_label",
            )
        if r["id"] in seen:
            raise CorpusError(f"{where}: 条文重复 (id {r['id']!r} appears twice)", "id")
        if not r["text"].strip():
            raise CorpusError(f"{where}: 条文为空 (text is empty)", "text")
        seen.add(r["id"])
        _date(r["effective_from"], where, "effective_from")
        numbers.setdefault(r["law_key"], []).append(art)
    for key, arts in numbers.items():
        if sorted(arts) != list(range(1, len(arts) + 1)):
            missing = sorted(set(range(1, max(arts) + 1)) - set(arts))[:5]
            raise CorpusError(
                f"{path}: 条文编号不连续 (articles of {key!r} must be numbered 1..N; missing {missing})",
                "article",
            )
    return recs


def read_cases(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The records of cases.jsonl with their line numbers, validated (id, title, laws_cited, dates)."""
    recs = _records(path)
    seen: set[str] = set()
    for n, r in recs:
        where = f"{path}:{n}"
        cid = r.get("id")
        if not isinstance(cid, str) or not CASE_ID.match(cid):
            raise CorpusError(f"{where}: 案例编号无效 (id {cid!r} must match {CASE_ID.pattern})", "id")
        if cid in seen:
            raise CorpusError(f"{where}: 案例重复 (id {cid!r} appears twice)", "id")
        seen.add(cid)
        if not isinstance(r.get("title"), str) or not r["title"].strip():
            raise CorpusError(f"{where}: 缺少标题 (title must be a non-empty string)", "title")
        for name in ("laws_cited", "dispute_types"):
            v = r.get(name, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise CorpusError(f"{where}: {name} 应为字符串列表 (must be a list of strings)", name)
        _date(r.get("published_on"), where, "published_on", optional=True)
    return recs


def claim_categories(record: dict[str, Any]) -> list[str]:
    """The claim categories a case's claims and dispute types name (empty if none)."""
    text = " ".join([str(record.get("claims", "")), *record.get("dispute_types", [])])
    return [cat for cat, words in _CLAIMS.items() if any(w in text for w in words)]


def largest_amount(text: str) -> Decimal | None:
    """The largest amount in yuan a claims text states (8000元, 1.2万元), or None."""
    amounts = []
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(万)?元", text):
        value = Decimal(m[1]) * (10_000 if m[2] else 1)
        if value < Decimal("1e13"):
            amounts.append(value.quantize(Decimal("0.01")))
    return max(amounts) if amounts else None


@cache
def _known(path: str, mtime: float) -> frozenset[str]:
    return frozenset(r["id"] for _, r in read_laws(Path(path)))


def known_article_ids(directory: Path | None = None) -> frozenset[str] | None:
    """The article ids of laws.jsonl under `directory` (default `library_dir()`); None if it is absent."""
    path = (directory or library_dir()) / "laws.jsonl"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _known(str(path), mtime)
