"""The register of institutions and staff: its data, submitted each quarter (and corrected at any
time) and verified (核准) by the level above as cases of the procedure `register_verification`.

May import: engine.errors, engine.codes, engine.dates, engine.store, engine.cases, engine.monitoring.
"""

__all__ = ["verification"]
