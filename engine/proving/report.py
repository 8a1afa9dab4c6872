"""The report of `zhongcai procedures check`: what exploring a procedure found and covered.

Owns: `CheckReport` (examples and steps run, the time spent, the smallest counterexample with its
scenario file and whether it reproduces, the distinct findings, the stages reached and in how many
examples, the stages the graph reaches that no example did, the actions done), its text for the
command line (`text`, `coverage`) and `describe(report)`, the report as JSON data.
Split out of engine.proving.checker.
Stage in the flow: rule authors' checks (engine.proving.checker).
May import: engine.proving.steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.proving.steps import Finding, dated_list


@dataclass
class CheckReport:
    procedure_id: str
    region: str
    seed: int
    examples: int = 0
    steps: int = 0
    elapsed: float = 0.0
    budget_spent: bool = False
    finding: Finding | None = None
    scenario: str | None = None
    reproduced: bool | None = None
    reproduction: str | None = None
    stages: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    total_stages: int = 0
    total_actions: int = 0
    stage_ids: tuple[str, ...] = ()
    #: the stages the stage graph reaches from the initial one (what exploration should reach)
    reachable_ids: tuple[str, ...] = ()
    #: in how many explored examples each stage was reached
    stage_examples: dict[str, int] = field(default_factory=dict)
    #: each distinct broken property seen (headline) and in how many examples (several with keep_going)
    findings: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.finding is None

    @property
    def unreached(self) -> list[str]:
        """Stages the graph reaches that no explored case reached: never checked."""
        return sorted(set(self.reachable_ids) - self.stages)

    def coverage(self) -> str:
        """Which stages were reached (in how many examples), which were not, and the actions done."""
        ids = self.reachable_ids or self.stage_ids
        lines = [
            f"coverage: {len(self.stages & set(ids))}/{len(ids)} reachable stages reached "
            f"({self.total_stages} declared), {len(self.actions)}/{self.total_actions} actions done"
        ]
        reached = [f"{s} {self.stage_examples.get(s, 0)}" for s in self.stage_ids if s in self.stages]
        if reached:
            lines.append(f"stages reached (examples): {', '.join(reached)}")
        missing = sorted(set(ids) - self.stages)
        if missing:
            lines.append(f"never reached: {', '.join(missing)}")
        return "\n".join(lines)

    def text(self) -> str:
        head = (
            f"{self.procedure_id} (region {self.region}, seed {self.seed}): {self.examples} example(s), "
            f"{self.steps} step(s) in {self.elapsed:.1f} s"
            + (" (time budget spent)" if self.budget_spent else "")
        )
        if self.finding is None:
            return f"OK: {head}: every invariant held\n{self.coverage()}\n"
        lines = [
            f"COUNTEREXAMPLE: {head}",
            f"broken: {self.finding.headline()}",
        ]
        others = [f"  {n}x {h}" for h, n in self.findings.items() if h != self.finding.headline()]
        if others:
            lines += ["also broken in other examples:", *others]
        lines += ["dated actions:", dated_list(self.finding.steps)]
        if self.reproduced is not None:
            verdict = "reproduces" if self.reproduced else "does NOT reproduce"
            lines.append(f"scenario {verdict} with `zhongcai test`: {self.reproduction or ''}".rstrip())
        lines += [self.coverage(), "", self.scenario or ""]
        return "\n".join(lines)


def describe(report: CheckReport) -> dict[str, Any]:
    """The report as JSON data (for tests and tools)."""
    return {
        "procedure": report.procedure_id,
        "region": report.region,
        "seed": report.seed,
        "examples": report.examples,
        "steps": report.steps,
        "elapsed": round(report.elapsed, 2),
        "budget_spent": report.budget_spent,
        "finding": None if report.finding is None else report.finding.headline(),
        "reproduced": report.reproduced,
        "stages_reached": {
            s: report.stage_examples.get(s, 0) for s in report.stage_ids if s in report.stages
        },
        "stages_never_reached": report.unreached,
        "actions_done": sorted(report.actions),
        "findings": dict(report.findings),
    }
