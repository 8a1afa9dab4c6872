"""The checker's traces: dated steps as explored, and the scenario file a counterexample becomes.

Owns: `Step` (one explored step: open, attach, do or tick, with its effective date, role, facts,
documents and, once run, its outcome: `ok` or the refusal code), `Finding` (what went wrong, after
which step, and the `expect` that fails the same way in a scenario), `dated_list` (the readable list
of dated actions an author reads first) and `scenario_yaml` (DESIGN.md section 4: open/attach/do/
refused/tick/expect steps that `zhongcai test FILE` runs and that fail at the final `expect` or step).
Stage in the flow: rule authors' checks (`zhongcai procedures check`), after engine.proving.checker found
and shrank a counterexample.
May import: engine.cases.facts (value encoding). Nothing that writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import yaml

from engine.cases.facts import encode_value

StepKind = Literal["open", "attach", "do", "tick"]


@dataclass(frozen=True)
class Step:
    """One explored step. `outcome` is None before it ran, then `ok`, a refusal code, or `error`."""

    kind: StepKind
    at: dt.date
    action: str | None = None
    role: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    outcome: str | None = None

    def ran(self, outcome: str) -> Step:
        return replace(self, outcome=outcome)

    def line(self) -> str:
        """`2026-02-13 clerk: accept {workers: 0} -> refused [guard]` as an author reads it."""
        day = self.at.isoformat()
        facts = f" {_inline(self.facts)}" if self.facts else ""
        docs = f" +[{', '.join(self.documents)}]" if self.documents else ""
        if self.kind == "open":
            return f"{day} open case{facts}"
        if self.kind == "tick":
            return f"{day} deadline scan (tick)"
        if self.kind == "attach":
            return f"{day} {self.role}: attach [{', '.join(self.documents)}]"
        result = "" if self.outcome in (None, "ok") else f"  -> refused [{self.outcome}]"
        return f"{day} {self.role}: {self.action}{facts}{docs}{result}"


@dataclass(frozen=True)
class Finding:
    """A broken property: which one, what was observed, after how many steps of the trace."""

    invariant: str  # a short id: exception, stage_declared, final_reachable, author_invariant ...
    message: str
    steps: tuple[Step, ...]
    #: the last scenario step(s) that fail the same way (an `expect`, or the failing `do` itself)
    tail: tuple[Mapping[str, Any], ...] = ()
    comment: str = ""

    def headline(self) -> str:
        return f"[{self.invariant}] {self.message}"


def _inline(facts: Mapping[str, Any]) -> str:
    def shown(value: Any) -> str:
        plain = _plain(value)
        return repr(plain) if isinstance(plain, str) else str(plain)

    return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in facts.items()) + "}"


def dated_list(steps: Sequence[Step]) -> str:
    return "\n".join(f"  {i:>2}. {s.line()}" for i, s in enumerate(steps, 1))


def _plain(value: Any) -> Any:
    """A fact value as the scenario YAML writes it (dates stay dates; decimals become strings)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return encode_value(value)


def scenario_steps(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """The trace as scenario steps (a refused step becomes `refused:` with its code)."""
    out: list[dict[str, Any]] = []
    for s in steps:
        if s.kind == "open":
            spec: dict[str, Any] = {"at": s.at}
            if s.facts:
                spec["facts"] = _plain(dict(s.facts))
            out.append({"open": spec})
        elif s.kind == "tick":
            out.append({"tick": s.at})
        elif s.kind == "attach":
            out.append({"attach": {"at": s.at, "documents": list(s.documents), "as": s.role}})
        else:
            refused = s.outcome not in (None, "ok")
            item: dict[str, Any] = {("refused" if refused else "do"): s.action, "at": s.at, "as": s.role}
            if s.facts:
                item["facts"] = _plain(dict(s.facts))
            if s.documents:
                item["documents"] = list(s.documents)
            if refused:
                item["reason"] = s.outcome
            out.append(item)
    return out


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # quote strings YAML 1.1 readers would take for booleans or numbers
    if data.lower() in ("yes", "no", "on", "off", "y", "n", "true", "false", "null", "~", ""):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_str(data)


_Dumper.add_representer(str, _str)


def scenario_yaml(
    procedure_id: str,
    finding: Finding,
    region: str | None = None,
    seed: int | None = None,
    procedures_root: str | None = None,
) -> str:
    """The counterexample as a scenario file: a comment with the dated actions and the broken
    property, then the steps; the last `expect` (or step) fails the way the checker saw."""
    name = f"checker counterexample: {finding.invariant}"
    doc: dict[str, Any] = {"name": name, "procedure": procedure_id}
    if region:
        doc["region"] = region
    doc["steps"] = [*scenario_steps(finding.steps), *finding.tail]
    root = f" --root {procedures_root}" if procedures_root and procedures_root != "procedures" else ""
    where = f" --procedures {procedures_root}" if root else ""
    head = [
        f"# found by: zhongcai procedures check {procedure_id}"
        + (f" --seed {seed}" if seed is not None else "")
        + (f" --region {region}" if region else "")
        + root,
        f"# reproduce: zhongcai test THIS_FILE{where}",
        f"# broken: {finding.headline()}",
    ]
    if finding.comment:
        head += [f"# {line}" for line in finding.comment.splitlines()]
    head.append("# dated actions:")
    head += [f"#  {line}" for line in dated_list(finding.steps).splitlines()]
    head.append("# the last step fails the way the checker found (keep the file as a regression test")
    head.append("# once the procedure is fixed: then the last step states what must hold)")
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join(head) + "\n" + body
