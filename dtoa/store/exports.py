"""CSV exports, streamed from the database in key order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dtoa import csvout
from dtoa.models import Detention, DrugTest

DETENTION_COLUMNS = ("suite", "custody_ref", "in_scope", "eligible", "ineligible_reason",
                     "test_outcome", "cocaine", "opiates")


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _result(value: bool | None) -> str:
    return "" if value is None else ("positive" if value else "negative")


def export_detentions(engine: Engine, path: Path) -> int:
    """One row per detention with its eligibility and test outcome; returns the row count."""
    d, t = Detention.__table__.c, DrugTest.__table__.c
    query = (select(d.suite, d.custody_ref, d.in_scope, d.eligible, d.ineligible_reason,
                    t.outcome, t.cocaine, t.opiates)
             .select_from(Detention.__table__.outerjoin(DrugTest.__table__,
                                                        t.detention_id == d.id))
             .order_by(d.suite, d.custody_ref))
    count = 0
    with engine.connect() as connection, Path(path).open("w", encoding="utf-8",
                                                         newline="") as handle:
        writer = csvout.writer(handle)
        writer.writerow(DETENTION_COLUMNS)
        for row in connection.execution_options(stream_results=True).execute(query):
            writer.writerow([row.suite, row.custody_ref, _flag(row.in_scope), _flag(row.eligible),
                             row.ineligible_reason or "", row.outcome or "", _result(row.cocaine),
                             _result(row.opiates)])
            count += 1
    return count
