"""Incremental nightly steps (issue 13): each step's watermark over the change signals (the
audit trail and new drug tests), an index that lets the sweep read only the booked
appointments whose time has passed (and, of the open cases, only those due a warning), and one
that lets the funnel find whether an appointment was replaced without a scan of all
appointments.

Revision ID: 0011_step_watermarks
Revises: 0010_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_step_watermarks"
down_revision: str | None = "0010_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "step_watermark",
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("drug_test_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("step"),
    )
    op.create_index("ix_appointment_state_scheduled_at", "appointment",
                    ["state", "scheduled_at"])
    op.create_index("ix_appointment_replaces_id", "appointment", ["replaces_id"])
    op.create_index("ix_prosecution_case_due_warning", "prosecution_case",
                    ["state", "warned_at", "warn_from"])


def downgrade() -> None:
    op.drop_index("ix_prosecution_case_due_warning", table_name="prosecution_case")
    op.drop_index("ix_appointment_replaces_id", table_name="appointment")
    op.drop_index("ix_appointment_state_scheduled_at", table_name="appointment")
    op.drop_table("step_watermark")
