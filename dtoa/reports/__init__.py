"""Reports for inspectors: the weekly funnel report (HTML, PDF, CSV) and its parts."""

from dtoa.reports.weekly import WeeklyReport, build_weekly, write_weekly

__all__ = ["WeeklyReport", "build_weekly", "write_weekly"]
