"""The inspector's funnel kept per suite and ISO week (issue 13): `funnel_week` holds the
counts, `funnel_stale_day` the (suite, arrest date)s changed since they were counted, and
triggers on every table the funnel reads add those days, so no write path can leave a week's
counts stale without saying so. Every day that already has arrests starts marked: the first
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

# For each table the funnel reads: the columns of its row that lead to the detention, and the
# joins from a row `r` to that detention `d`.
VIA_REFERRAL = "JOIN referral f ON f.id = r.referral_id JOIN detention d ON d.id = f.detention_id"
PATHS: dict[str, tuple[tuple[str, ...], str]] = {
    "detention": (("suite", "arrest_date"), ""),
    "drug_test": (("detention_id",), "JOIN detention d ON d.id = r.detention_id"),
    "sample_result": (("drug_test_id",), "JOIN drug_test t ON t.id = r.drug_test_id "
                                         "JOIN detention d ON d.id = t.detention_id"),
    "referral": (("detention_id",), "JOIN detention d ON d.id = r.detention_id"),
    "appointment": (("referral_id",), VIA_REFERRAL),
    "notification_message": (("referral_id",), VIA_REFERRAL),
    "prosecution_case": (("referral_id",), VIA_REFERRAL),
}
EVENTS = ("insert", "update", "delete")


def _days(table: str, source: str) -> str:
    """The (suite, arrest_date)s of the rows in `source` (aliased r)."""
    _, joins = PATHS[table]
    where = "d" if joins else "r"
    return f"SELECT DISTINCT {where}.suite, {where}.arrest_date FROM {source} r {joins}"


def _sqlite_row(table: str, which: str) -> str:
    columns, _ = PATHS[table]
    return "(SELECT " + ", ".join(f"{which}.{c} AS {c}" for c in columns) + ")"


def _sqlite_triggers(table: str) -> list[str]:
    rows = {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}
    mark = ("INSERT INTO funnel_stale_day (suite, arrest_date) SELECT x.suite, x.arrest_date "
            "FROM ({days}) x WHERE NOT EXISTS (SELECT 1 FROM funnel_stale_day m "
            "WHERE m.arrest_date = x.arrest_date AND m.suite = x.suite);")
    return [f"CREATE TRIGGER funnel_stale_{table}_{event} AFTER {event.upper()} ON {table} "
            "BEGIN " + " ".join(mark.format(days=_days(table, _sqlite_row(table, which)))
                                for which in rows[event]) + " END"
            for event in EVENTS]


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
        f"EXECUTE FUNCTION funnel_stale_{table}()" for event in EVENTS]


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
        for event in EVENTS:
            op.execute(f"DROP TRIGGER funnel_stale_{table}_{event}"
                       + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION funnel_stale_{table}()")
    op.drop_index("ix_funnel_stale_day_arrest_date_suite", table_name="funnel_stale_day")
    op.drop_table("funnel_stale_day")
    op.drop_table("funnel_week")
