"""From a YAML file to an immutable compiled procedure: safe reading with a source map (source), the DSL (dsl), regional overlays (layers), located validation errors (spec_errors), static checks (checks, graph_checks, fact_checks), compilation (compiler, model), the library of every procedure file (library) and the transitions machine per version (machines).

May import: engine.errors, engine.text_input, engine.expr, engine.dates, engine.codes, engine.documents (the template linter, for the static checks).
"""

__all__ = [
    "checks",
    "compiler",
    "dsl",
    "fact_checks",
    "graph_checks",
    "layers",
    "library",
    "machines",
    "model",
    "source",
    "spec_errors",
]
