"""CSV exports, streamed from the database in key order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from dtoa import csvout
from dtoa.config import Settings
from dtoa.models import Detention, DrugTest, SampleResult
from dtoa.rules.states import Flag

BEFORE_RESULTS = ("suite", "custody_ref", "in_scope", "eligible", "ineligible_reason",
                  "test_outcome")
AFTER_RESULTS = ("condition", "flags")


def detention_columns(settings: Settings) -> tuple[str, ...]:
    """The export's columns: one result column per drug ever on the configured panel."""
    return BEFORE_RESULTS + tuple(p.drug for p in settings.law.panel) + AFTER_RESULTS


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _result(value: bool | None) -> str:
    return "" if value is None else ("positive" if value else "negative")


def _flags(row) -> str:  # noqa: ANN001
    flags = []
    if row.authority_unrecorded:
        flags.append(Flag.AUTHORITY_UNRECORDED)
    if row.local_time_ambiguous or row.sample_time_ambiguous:
        flags.append(Flag.LOCAL_TIME_AMBIGUOUS)
    return ";".join(flags)


def export_detentions(engine: Engine, settings: Settings, path: Path) -> int:
    """One row per detention with its eligibility, its current sample's outcome, results and
    condition (PACE 1984 s.63B), and its flags; returns the row count."""
    d, t = Detention.__table__.c, DrugTest.__table__.c
    panel = [p.drug for p in settings.law.panel]
    results = {drug: SampleResult.__table__.alias(f"result_{i}") for i, drug in
               enumerate(panel)}
    source = Detention.__table__.outerjoin(
        DrugTest.__table__, and_(t.detention_id == d.id, t.superseded.is_(False)))
    for drug, table in results.items():
        source = source.outerjoin(table, and_(table.c.drug_test_id == t.id,
                                              table.c.drug == drug))
    query = (select(d.suite, d.custody_ref, d.in_scope, d.eligible, d.ineligible_reason,
                    d.authority_unrecorded, d.local_time_ambiguous, t.outcome, t.condition,
                    t.local_time_ambiguous.label("sample_time_ambiguous"),
                    *(table.c.positive.label(f"drug_{i}")
                      for i, table in enumerate(results.values())))
             .select_from(source).order_by(d.suite, d.custody_ref))
    count = 0
    with engine.connect() as connection, Path(path).open("w", encoding="utf-8",
                                                         newline="") as handle:
        writer = csvout.writer(handle)
        writer.writerow(detention_columns(settings))
        for row in connection.execution_options(stream_results=True).execute(query):
            writer.writerow([row.suite, row.custody_ref, _flag(row.in_scope), _flag(row.eligible),
                             row.ineligible_reason or "", row.outcome or "",
                             *(_result(row._mapping[f"drug_{i}"]) for i in range(len(panel))),
                             row.condition or "", _flags(row)])
            count += 1
    return count
