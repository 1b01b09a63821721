"""Refresh the query planner's statistics after the night's writes.

Without statistics SQLite picks the suite index for a suite-filtered funnel and scans a whole
suite (measured: 1.2 s for one suite's week on a year of national data, 0.13 s after ANALYZE).
`analysis_limit` makes SQLite's ANALYZE sample each index, so the step stays cheap as the
history grows; PostgreSQL's ANALYZE samples by itself.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings


def statistics(engine: Engine, settings: Settings, clock: Clock) -> dict:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA analysis_limit=1000"))
        connection.execute(text("ANALYZE"))
    return {"analyzed": engine.dialect.name}
