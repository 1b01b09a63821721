"""The planner's view of the inspector's funnel query and the nightly steps' change queries, to
check that they are served by indexes: `python -m bench.explain DATABASE_URL [WEEK]`.

SQLite: EXPLAIN QUERY PLAN (a SCAN of a large table where a SEARCH was expected is the thing
to look for). PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), so the plan comes with its real costs.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dtoa.models import Referral
from dtoa.store import make_engine
from dtoa.store.funnel import funnel_query, plan_settings
from dtoa.store.watermarks import Marks, changed_detentions, newest

WEEKS = 8


def plans(engine: Engine, week: date) -> dict[str, str]:
    """Each query's plan as text."""
    mondays = [week - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
    periods = [(monday, monday + timedelta(days=6)) for monday in mondays]
    upto = newest(engine)
    since = Marks(max(upto.audit_event_id - 1000, 0), max(upto.drug_test_id - 1000, 0))
    queries = {
        "inspector funnel, all suites, week and 8-week trend": funnel_query(periods),
        "referrals: running referrals of changed detentions": select(Referral.id).where(
            Referral.state.in_(("awaiting_assessment", "rescheduled", "attended")),
            Referral.detention_id.in_(changed_detentions(since, upto))),
    }
    return {name: explain(engine, query, funnel=name.startswith("inspector"))
            for name, query in queries.items()}


def explain(engine: Engine, query, *, funnel: bool = False) -> str:  # noqa: ANN001
    compiled = query.compile(dialect=engine.dialect,
                             compile_kwargs={"render_postcompile": True})
    with engine.connect() as connection:
        if funnel:
            plan_settings(connection)  # as the library runs it (a no-op on SQLite)
        if engine.dialect.name == "sqlite":
            params = tuple(compiled.params[name] for name in compiled.positiontup)
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
            return "\n".join(f"{row[0]:>4} {row[1]:>4} {row[3]}" for row in rows)
        rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}",
                                          compiled.params).all()
        return "\n".join(row[0] for row in rows)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    week = date.fromisoformat(argv[1]) if len(argv) > 1 else date(2023, 6, 5)
    for name, plan in plans(make_engine(argv[0]), week).items():
        print(f"== {name}\n{plan}\n")


if __name__ == "__main__":
    main()
