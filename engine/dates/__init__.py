"""Dates and periods: parsing periods, the working-day calendar with its overlay file and provisional years, the statutory holiday days, deadline clocks and due dates, and reading the State Council's holiday notice into the overlay.

May import: engine.errors.
"""

__all__ = [
    "calendar",
    "calendar_why",
    "clocks",
    "day_sources",
    "due_dates",
    "holiday_notice",
    "notice_items",
    "overlay",
    "overlay_write",
    "periods",
    "statutory_days",
]
