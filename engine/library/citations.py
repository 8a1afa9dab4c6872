"""Citations (法律依据) in a procedure's `basis:` resolved to article ids of the library.

Owns: `Citation`, `CitationProblem`, `Resolution`, `resolve_citation`, `LAW_NAMES` (every name a `basis:`
uses for an instrument of the corpus: full titles, titles without 中华人民共和国, and the short forms of
procedures/*.yaml and docs/law.md) and `OUTSIDE` (instruments cited on purpose that the corpus does not
hold: 民事诉讼法, 民法典, the regional regulations and notices). Pure: no file, no database.

`调解仲裁法第四十七条；办案规则第五十条第二款` → ldrmal-47, arb-rules-50 (paragraph 2). A basis is split at
；/; into parts; each part starts with an instrument's name, then article references (第N条, lists 第N条、第M条 and
第N、M条, ranges 第N条至第M条), each optionally refined by 第N款 and 第N项 / 第（N）项. A part naming the
instrument only (中华人民共和国劳动争议调解仲裁法) or a chapter (第二章) cites the whole instrument
(article_id None). A part saying 本系统规则 is this system's own rule and cites nothing.
May import: engine.library.numerals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.library.numerals import parse_cn

#: instrument names (longest match first) → law_key in laws.jsonl
LAW_NAMES: dict[str, str] = {
    "中华人民共和国劳动争议调解仲裁法": "ldrmal",
    "劳动争议调解仲裁法": "ldrmal",
    "调解仲裁法": "ldrmal",
    "中华人民共和国劳动合同法实施条例": "lcl-reg",
    "劳动合同法实施条例": "lcl-reg",
    "中华人民共和国劳动合同法": "lcl",
    "劳动合同法": "lcl",
    "中华人民共和国劳动法": "labour",
    "劳动法": "labour",
    "中华人民共和国社会保险法": "social-ins",
    "社会保险法": "social-ins",
    "劳动人事争议仲裁办案规则": "arb-rules",
    "办案规则": "arb-rules",
    "劳动人事争议仲裁组织规则": "arb-org",
    "仲裁组织规则": "arb-org",
    "组织规则": "arb-org",
    "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）": "spc-1",
    "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）": "spc-2",
    "司法解释（一）": "spc-1",
    "司法解释（二）": "spc-2",
    "解释（一）": "spc-1",
    "解释（二）": "spc-2",
    "解释一": "spc-1",
    "解释二": "spc-2",
    "工伤保险条例": "wii",
    "工伤认定办法": "wii-determination",
    "职工带薪年休假条例": "leave",
    "企业职工带薪年休假实施办法": "leave-measures",
    "工资支付暂行规定": "wage-pay",
    "保障农民工工资支付条例": "migrant-wage",
    "最低工资规定": "min-wage",
    "劳务派遣暂行规定": "dispatch",
    "女职工劳动保护特别规定": "female-workers",
    "国务院关于职工工作时间的规定": "work-hours",
    "企业劳动争议协商调解规定": "enterprise-mediation",
}

#: instruments a basis may cite that the corpus does not hold (docs/law.md: CPL, CC, GWY, FJ, ZJ, and the
#: regional notices); their citations are kept with law_key None and are not problems
OUTSIDE: tuple[str, ...] = (
    "中华人民共和国民事诉讼法",
    "民事诉讼法",
    "中华人民共和国民法典",
    "民法典",
    "中华人民共和国公务员法",
    "公务员法",
    "全国年节及纪念日放假办法",
    "浙江省劳动人事争议调解仲裁条例",
    "浙江省人民政府关于调整全省最低工资标准的通知",
    "广西壮族自治区少数民族习惯节日放假办法",
    "广西壮族自治区人民政府关于调整全区最低工资标准的通知",
    "劳动人事争议仲裁机构人员信息按季度更新",
)

SYSTEM_RULE = "本系统规则"

_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_REF = re.compile(
    rf"第(?P<a>{_NUM}(?:[、，,]{_NUM})*)条(?:(?:至|到|—|-)第(?P<b>{_NUM})条)?"
    rf"(?:第(?P<p>{_NUM})款)?(?:第[（(]?(?P<i>{_NUM})[）)]?项)?"
)
_CHAPTER = re.compile(rf"第{_NUM}[章节]")
_NAMES = sorted(LAW_NAMES, key=len, reverse=True)
_OUTSIDE = sorted(OUTSIDE, key=len, reverse=True)


@dataclass(frozen=True)
class Citation:
    """One cited article (or a whole instrument: article_id None), with its 款/项 refinement and where it is
    in the basis string ([start, end) character offsets)."""

    law_key: str | None
    article_id: str | None
    paragraph: int | None
    item: int | None
    span: tuple[int, int]
    #: the instrument's name as written
    law: str


@dataclass(frozen=True)
class CitationProblem:
    """A part of a basis that does not resolve: `kind` no_law (names no instrument known) or no_article
    (the article is not in the corpus; only when `known` is given to resolve_citation)."""

    kind: str
    text: str
    span: tuple[int, int]
    message: str


@dataclass
class Resolution:
    citations: list[Citation] = field(default_factory=list)
    problems: list[CitationProblem] = field(default_factory=list)
    #: the basis is (or includes) this system's own rule (本系统规则)
    system_rule: bool = False

    @property
    def article_ids(self) -> list[str]:
        return [c.article_id for c in self.citations if c.article_id is not None]


def _parts(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in re.finditer(r"[；;]", text + "；"):
        part = text[start : m.start()]
        lead = len(part) - len(part.lstrip())
        if part.strip():
            out.append((start + lead, part.strip()))
        start = m.end()
    return out


def _name_at(part: str) -> tuple[str | None, str | None, int]:
    """(name, law_key or None for an outside instrument, length) of the instrument `part` starts with."""
    body = part.lstrip("《")
    skip = len(part) - len(body)
    for name in _NAMES:
        if body.startswith(name):
            return name, LAW_NAMES[name], skip + len(name) + (1 if body[len(name) :].startswith("》") else 0)
    for name in _OUTSIDE:
        if body.startswith(name):
            return name, None, skip + len(name)
    return None, None, 0


def resolve_citation(text: str, known: frozenset[str] | set[str] | None = None) -> Resolution:
    """Every article `text` cites, and what does not resolve. With `known` (the article ids of the corpus),
    an article outside it is a problem (no_article)."""
    res = Resolution()
    for offset, part in _parts(text):
        if SYSTEM_RULE in part:
            res.system_rule = True
            continue
        name, law_key, length = _name_at(part)
        if name is None:
            res.problems.append(
                CitationProblem(
                    "no_law", part, (offset, offset + len(part)),
                    f"依据未指明已知法律法规 (names no instrument known to the library): '{part}'",
                )
            )  # fmt: skip
            continue
        rest, found = part[length:], False
        for m in _REF.finditer(rest):
            found = True
            listed = [parse_cn(x) or 0 for x in re.split(r"[、，,]", m["a"])]
            b = parse_cn(m["b"]) if m["b"] else None
            numbers = list(range(listed[-1], b + 1)) if b else []
            span = (offset + length + m.start(), offset + length + m.end())
            para = parse_cn(m["p"]) if m["p"] else None
            item = parse_cn(m["i"]) if m["i"] else None
            for n in dict.fromkeys([*listed, *numbers]):
                aid = f"{law_key}-{n}" if law_key else None
                if aid is not None and known is not None and aid not in known:
                    res.problems.append(
                        CitationProblem(
                            "no_article", part[length + m.start() : length + m.end()], span,
                            f"条文不存在 (no such article in the library): {name}第{n}条 ({aid})",
                        )
                    )  # fmt: skip
                    continue
                res.citations.append(Citation(law_key, aid, para, item, span, name))
        if not found:  # the whole instrument, or a chapter of it
            res.citations.append(Citation(law_key, None, None, None, (offset, offset + len(part)), name))
    return res
