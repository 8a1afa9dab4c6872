"""From a YAML file to an immutable compiled procedure: safe reading with a source map (source), the DSL (dsl, its field types spec_fields, a deadline's deadline_specs), regional overlays (layers), located validation errors (spec_errors), static checks (checks, resource_checks, basis_checks, graph_checks, fact_checks), compilation (compiler, model), the static views of the stage graph (diagrams), the library of every procedure file (library), its text overview (overview) and the transitions machine per version (machines).

May import: engine.errors, engine.text_input, engine.expr, engine.dates, engine.codes, engine.library, engine.documents (the template linter, for the static checks).
"""

__all__ = [
    "basis_checks",
    "checks",
    "compiler",
    "deadline_specs",
    "diagrams",
    "dsl",
    "fact_checks",
    "graph_checks",
    "layers",
    "library",
    "machines",
    "model",
    "overview",
    "resource_checks",
    "source",
    "spec_errors",
    "spec_fields",
]
