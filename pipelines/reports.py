"""The weekly step: write last ISO week's reports (force-wide and one per suite)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.reports import build_weekly, write_weekly
from dtoa.reports.weekly import previous_week


def weekly_reports(engine: Engine, settings: Settings, clock: Clock) -> dict:
    """Reports for the last whole ISO week before today (Europe/London) under
    reports/<week>/. Idempotent: a report already written with the same content is skipped."""
    week = previous_week(clock.now().astimezone(settings.tz).date())
    return write_week(engine, settings, week)


def write_week(engine: Engine, settings: Settings, week: str, suite: str | None = None,
               *, publish: bool = False) -> dict:
    scopes = [suite] if suite else [None, *(s.code for s in settings.suites)]
    folder = settings.path("reports") / week
    written = skipped = 0
    paths = []
    for scope in scopes:
        result = write_weekly(build_weekly(engine, settings, week, scope, publish=publish),
                              folder)
        written += int(result["written"])
        skipped += int(not result["written"])
        paths.append(result["pdf"])
    return {"week": week, "written": written, "skipped": skipped, "folder": str(folder),
            "pdfs": paths}
