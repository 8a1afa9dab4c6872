"""The register of institutions and staff (机构人员系统): institutions over time (institutions), staff,
appointments and training (staff), spreadsheets read (sheets) and imported (register_import), who sees and
changes what (scope), the public roster (roster), the coverage of this system against the plan's targets
(coverage), the quarterly submission and its verification (核准) by the level above as cases of the procedure
`register_verification` (verification), the performance figures of arbitrators and institutions
(performance_spec, performance, performance_report) and training targeting (training); the code tables it
checks (codes).

May import: engine.errors, engine.codes, engine.dates, engine.store, engine.documents (masking), engine.cases, engine.monitoring.
"""

__all__ = [
    "codes",
    "coverage",
    "institutions",
    "performance",
    "performance_report",
    "performance_spec",
    "register_import",
    "roster",
    "scope",
    "sheets",
    "staff",
    "training",
    "verification",
]
