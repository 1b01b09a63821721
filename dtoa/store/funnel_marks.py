"""Marking the arrest days whose funnel counts may have moved (`dtoa.store.funnel_rollup`).

Triggers mark every update and delete of the tables the funnel reads, and every insert but
those of detentions, drug tests and sample results: on SQLite a row trigger on those costs
about 10 microseconds a row even when it does nothing (its new row is copied for it), which
was a third of a national extract's ingest. Those rows are inserted by the ingest's bulk lane
(`dtoa.ingest.bulk`), which marks their days here in one statement per chunk, and by the ORM,
whose flushes are marked by the session hook below. No other code inserts them.

A mark is a plain insert in the writer's own transaction, as a trigger's is: on SQLite only if
the day is not already marked (one writer at a time, so no refresh can clear it meanwhile); on
PostgreSQL always (a refresh clears only the marks committed before it looked).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, exists, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dtoa.models import Detention, DrugTest, FunnelStaleDay

D = Detention.__table__
T = DrugTest.__table__
STALE = FunnelStaleDay.__table__
# the column of each table's rows that leads to its detention
MARKED_ON_INSERT = {"detention": "id", "drug_test": "detention_id",
                    "sample_result": "drug_test_id"}


def mark_inserted(connection: Connection, table: str, keys: Iterable[int]) -> None:
    """Mark the days of rows just inserted into `table`, given their MARKED_ON_INSERT column
    (a detention's id, a test's detention, a result's test)."""
    keys = sorted(set(keys))
    if not keys:
        return
    if table == "sample_result":
        detention_ids = select(T.c.detention_id).where(T.c.id.in_(keys))
    else:
        detention_ids = keys
    days = (select(D.c.suite, D.c.arrest_date).where(D.c.id.in_(detention_ids))
            .distinct().subquery("day"))
    source = select(days.c.suite, days.c.arrest_date)
    if connection.dialect.name == "sqlite":
        m = STALE.alias("m")
        source = source.where(~exists().where(m.c.arrest_date == days.c.arrest_date,
                                              m.c.suite == days.c.suite))
    connection.execute(insert(STALE).from_select(["suite", "arrest_date"], source))


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, _context: object) -> None:
    """Rows of the three tables inserted through the ORM (tests' factories, the desk's ORM
    paths, if any): marked in the flush's own transaction."""
    found: dict[str, list[int]] = {}
    for row in session.new:
        table = getattr(row, "__tablename__", None)
        if table in MARKED_ON_INSERT:
            found.setdefault(table, []).append(getattr(row, MARKED_ON_INSERT[table]))
    for table, keys in found.items():
        mark_inserted(session.connection(), table, keys)
