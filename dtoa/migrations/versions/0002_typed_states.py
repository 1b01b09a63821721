"""Typed states: every state and closed set of values is VARCHAR(32) with a CHECK constraint
naming its values (dtoa.rules.states), on SQLite and PostgreSQL.

Revision ID: 0002_typed_states
Revises: 0001_baseline
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_typed_states"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as they were when this migration was written (never import them: a later change
# to the enums is a later migration).
CHECKED: dict[str, dict[str, tuple[str, ...]]] = {
    "referral": {"state": ("awaiting_assessment", "attended", "failed_to_attend",
                           "failed_to_remain", "rescheduled", "requirement_ceased",
                           "withdrawn")},
    "appointment": {
        "kind": ("initial", "follow_up"),
        "state": ("booked", "attended", "failed_to_attend", "failed_to_remain", "rescheduled",
                  "good_cause", "outcome_overdue", "not_required", "cancelled"),
    },
    "letter": {"kind": ("referral", "notice")},
    "prosecution_case": {"state": ("open", "charged", "summonsed", "no_further_action",
                                   "good_cause_accepted")},
    "web_user": {"role": ("custody", "provider", "inspector", "admin")},
    "job_run": {"status": ("running", "succeeded", "failed")},
    "ingest_batch": {"kind": ("detentions", "tests", "attendance", "prosecutions")},
    "detention": {"route": ("trigger", "inspector")},
    "detention_offence": {"finding": ("trigger", "not_in_catalogue", "not_in_force",
                                      "drug_not_specified")},
    "drug_test": {"outcome": ("tested", "refused", "failed_to_provide", "not_tested"),
                  "not_tested_reason": ("no_indication", "unfit", "released", "other")},
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for table, columns in CHECKED.items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns.items():
                batch.alter_column(column, type_=sa.String(32), existing_type=sa.String())
                batch.create_check_constraint(f"ck_{table}_{column}",
                                              _condition(column, values))


def downgrade() -> None:
    for table, columns in CHECKED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(f"ck_{table}_{column}", type_="check")
                batch.alter_column(column, type_=sa.String(), existing_type=sa.String(32))
