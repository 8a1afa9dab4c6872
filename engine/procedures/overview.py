"""`zhongcai procedures show`: a compiled procedure as text, each element with where it was written.

Owns: `describe_procedure` (stages, actions, deadlines and documents, each with the file and line that
wrote it and the overlays that overrode it). Split out of engine.procedures.library.
May import: engine.procedures.model.
"""

from __future__ import annotations

from engine.procedures.model import Procedure


def describe_procedure(proc: Procedure) -> str:
    """`zhongcai procedures show`: stages, actions, deadlines, documents, each with where it was written."""

    def at(path: str) -> str:
        span = proc.provenance.get(path)
        own = f"{span.path}:{span.line}" if span is not None else "?"
        other = sorted(
            {f"{k.rsplit('.', 1)[-1]}@{s.path}:{s.line}" for k, s in proc.provenance.items()
             if k.startswith(path + ".") and span is not None and s.path != span.path}
        )  # fmt: skip
        return own + (f" (overridden: {', '.join(other)})" if other else "")

    lines = [
        f"{proc.id} {proc.version}  {proc.title}",
        f"  hash {proc.content_hash[:16]}  calendar {proc.calendar}  region {proc.region or '-'}  "
        f"extends {proc.extends or '-'}",
        f"  sources: {', '.join(proc.sources)}",
        "",
        "阶段 stages:",
    ]
    for s in proc.stages.values():
        flags = " ".join(f for f, on in (("initial", s.initial), ("final", s.final)) if on)
        closure = f" closure={s.closure}" if s.closure else ""
        lines.append(f"  {s.id:<24} {s.title}  [{flags}]{closure}  {at('stages.' + s.id)}")
    lines += ["", "操作 actions:"]
    for a in proc.actions.values():
        target = "(returns)" if a.returns else ("|".join(a.destinations) or "(stays)")
        lines.append(f"  {a.id:<24} {a.title}  {','.join(a.sources)} -> {target}  roles: {','.join(a.roles)}")
        extra = [
            f"requires: {','.join(a.requires)}" if a.requires else "",
            f"produces: {','.join(a.produces)}" if a.produces else "",
            f"needs: {','.join(a.needs)}" if a.needs else "",
            f"takes: {','.join(a.takes)}" if a.takes else "",
        ]
        extra += [f"when: {c.source}" for c in a.when]
        lines.append(f"  {'':<24} {'  '.join(e for e in extra if e)}  {at('actions.' + a.id)}".rstrip())
    lines += ["", "期限 deadlines:"]
    for d in proc.deadlines.values():
        kind = "法定 statutory" if d.statutory else "internal"
        ext = (
            f"  extension: up to {d.extension.up_to} x{d.extension.times} by {d.extension.by}"
            if d.extension
            else ""
        )
        lines.append(f"  {d.id:<24} {d.title}  {d.limit} ({d.limit.zh()})  {kind}  依据 {d.basis}")
        lines.append(
            f"  {'':<24} starts_on: {','.join(d.starts_on)}  ends_on: {','.join(d.ends_on) or '-'}{ext}  "
            f"{at('deadlines.' + d.id)}"
        )
    lines += ["", "文书 documents:"]
    for doc in proc.documents.values():
        tpl = f"  template {doc.template}" if doc.template else ""
        lines.append(f"  {doc.id:<24} {doc.title}  {doc.kind}{tpl}  {at('documents.' + doc.id)}")
    return "\n".join(lines) + "\n"
