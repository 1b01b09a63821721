"""Where each assessment is held: `appointment.setting` (community, or custody: in the custody
suite before release) and `appointment.custody_suite`; every appointment booked before this
revision was at a provider's premises, so `community`. And an index on the sample time, by
which the Home Office return and the evaluation report choose their tests.

Revision ID: 0008_assessment_setting
Revises: 0007_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_assessment_setting"
down_revision: str | None = "0007_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = ("community", "custody")  # as when this migration was written


def upgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.add_column(sa.Column("setting", sa.String(32), nullable=False,
                                   server_default="community"))
        batch.add_column(sa.Column("custody_suite", sa.String(), nullable=True))
        batch.create_check_constraint(
            "ck_appointment_setting",
            f"setting IN ({', '.join(repr(v) for v in SETTINGS)})")
    op.create_index("ix_drug_test_tested_at", "drug_test", ["tested_at"])


def downgrade() -> None:
    op.drop_index("ix_drug_test_tested_at", table_name="drug_test")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_constraint("ck_appointment_setting", type_="check")
        batch.drop_column("custody_suite")
        batch.drop_column("setting")
