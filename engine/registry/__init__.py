"""The register of institutions and staff (机构人员系统): institutions over time (institutions), staff,
appointments and training (staff), spreadsheet import (sheets), the public roster (roster) and the
coverage of this system (coverage).

May import: engine.errors, engine.codes, engine.dates, engine.store, engine.documents (masking), engine.cases, engine.monitoring.
"""

__all__ = [
    "codes",
    "institutions",
    "staff",
]
