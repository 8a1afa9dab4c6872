"""Monitoring (监测): the record written with every event (record), its configuration (config), monthly indicators, data checks, risk warnings, the export, and their text renderings (text).

May import: engine.errors, engine.dates, engine.store, engine.codes, engine.procedures.
"""

__all__ = [
    "config",
    "datachecks",
    "export",
    "indicators",
    "record",
    "risk",
    "text",
]
