"""The inspector's funnel kept per suite and ISO week (issue 13): `funnel_week` holds the
counts, `funnel_stale_day` the (suite, arrest date)s changed since they were counted, and
triggers on every table the funnel reads add those days on every update and delete, and on
every insert but the three the ingest's bulk lane writes, which marks its own
(dtoa.store.funnel_marks). Every day that already has arrests starts marked: the first
funnel step counts the whole history once.

SQLite fires a trigger per row and adds a day only if it is not already marked: with one
writer at a time, no refresh can clear that mark before the writer commits. PostgreSQL fires
once per statement, over its transition tables (one insert per COPY of an extract, not one per
row), and always adds its own rows: a refresh deletes only the marks committed before it
looked, so a writer still in flight keeps its mark for the next refresh. No upsert, so no row
lock that two writers could wait on in opposite orders.

Revision ID: 0012_funnel_rollup
Revises: 0011_step_watermarks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_funnel_rollup"
down_revision: str | None = "0011_step_watermarks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# For each table the funnel reads: the tables that lead from one of its rows to the detention
# `d`, and how that row (`{row}`) joins them. The detention's own row is its own detention.
VIA_REFERRAL = ("referral f JOIN detention d ON d.id = f.detention_id", "f.id = {row}.referral_id")
PATHS: dict[str, tuple[str, str] | None] = {
    "detention": None,
    "drug_test": ("detention d", "d.id = {row}.detention_id"),
    "sample_result": ("drug_test t JOIN detention d ON d.id = t.detention_id",
                      "t.id = {row}.drug_test_id"),
    "referral": ("detention d", "d.id = {row}.detention_id"),
    "appointment": VIA_REFERRAL,
    "notification_message": VIA_REFERRAL,
    "prosecution_case": VIA_REFERRAL,
}
EVENTS = ("insert", "update", "delete")
# Inserted by the ingest's bulk lane, which marks their days itself: a row trigger on them cost
# SQLite ~10 microseconds a row even doing nothing (dtoa.store.funnel_marks)
MARKED_BY_THE_WRITER = ("detention", "drug_test", "sample_result")


def _events(table: str) -> tuple[str, ...]:
    return EVENTS[1:] if table in MARKED_BY_THE_WRITER else EVENTS
UNMARKED = ("NOT EXISTS (SELECT 1 FROM funnel_stale_day m "
            "WHERE m.arrest_date = {d}.arrest_date AND m.suite = {d}.suite)")


def _days(table: str, rows: str) -> str:
    """PostgreSQL: the (suite, arrest_date)s of the rows of the transition table `rows`."""
    if PATHS[table] is None:
        return f"SELECT DISTINCT r.suite, r.arrest_date FROM {rows} r"
    tables, link = PATHS[table]
    return (f"SELECT DISTINCT d.suite, d.arrest_date FROM {rows} r, {tables} "
            f"WHERE {link.format(row='r')}")


def _sqlite_mark(table: str, row: str) -> str:
    """SQLite: mark the day of the trigger's row `row` (NEW or OLD) unless it is marked. One
    row, so no DISTINCT and no subquery: either would cost a temporary table per row."""
    if PATHS[table] is None:
        return (f"INSERT INTO funnel_stale_day (suite, arrest_date) "
                f"SELECT {row}.suite, {row}.arrest_date WHERE {UNMARKED.format(d=row)};")
    tables, link = PATHS[table]
    return (f"INSERT INTO funnel_stale_day (suite, arrest_date) SELECT d.suite, d.arrest_date "
            f"FROM {tables} WHERE {link.format(row=row)} AND {UNMARKED.format(d='d')};")


def _sqlite_triggers(table: str) -> list[str]:
    rows = {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}
    return [f"CREATE TRIGGER funnel_stale_{table}_{event} AFTER {event.upper()} ON {table} "
            "BEGIN " + " ".join(_sqlite_mark(table, row) for row in rows[event]) + " END"
            for event in _events(table)]


def _postgresql_triggers(table: str) -> list[str]:
    mark = "INSERT INTO funnel_stale_day (suite, arrest_date) {days};"
    function = f"""
CREATE FUNCTION funnel_stale_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {mark.format(days=_days(table, "new_rows"))}
  ELSIF TG_OP = 'DELETE' THEN
    {mark.format(days=_days(table, "old_rows"))}
  ELSE
    {mark.format(days=_days(table, "new_rows") + " UNION " + _days(table, "old_rows"))}
  END IF;
  RETURN NULL;
END $$"""
    referencing = {"insert": "NEW TABLE AS new_rows",
                   "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "delete": "OLD TABLE AS old_rows"}
    return [function] + [
        f"CREATE TRIGGER funnel_stale_{table}_{event} AFTER {event.upper()} ON {table} "
        f"REFERENCING {referencing[event]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION funnel_stale_{table}()" for event in _events(table)]


def upgrade() -> None:
    op.create_table(
        "funnel_week",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("suite", sa.String(), nullable=False),
        sa.Column("definition", sa.String(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week_start", "suite"),
    )
    op.create_table(
        "funnel_stale_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suite", sa.String(), nullable=False),
        sa.Column("arrest_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_funnel_stale_day_arrest_date_suite", "funnel_stale_day",
                    ["arrest_date", "suite"])
    triggers = (_postgresql_triggers if op.get_bind().dialect.name == "postgresql"
                else _sqlite_triggers)
    for table in PATHS:
        for statement in triggers(table):
            op.execute(statement)
    op.execute("INSERT INTO funnel_stale_day (suite, arrest_date) "
               "SELECT DISTINCT suite, arrest_date FROM detention")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in PATHS:
        for event in _events(table):
            op.execute(f"DROP TRIGGER funnel_stale_{table}_{event}"
                       + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION funnel_stale_{table}()")
    op.drop_index("ix_funnel_stale_day_arrest_date_suite", table_name="funnel_stale_day")
    op.drop_table("funnel_stale_day")
    op.drop_table("funnel_week")
