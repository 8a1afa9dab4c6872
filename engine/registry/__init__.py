"""The register of institutions and staff (机构人员系统) and what is computed from it: the performance
figures of arbitrators and institutions (performance, with its definitions in codes/performance.yaml:
performance_spec) and the training targets (training).

May import: engine.errors, engine.codes, engine.dates, engine.store, engine.monitoring.
"""

__all__ = [
    "performance",
    "performance_spec",
    "training",
]
