"""The data-protection lifecycle: a reason on audit events, and detentions that can be
anonymised past their retention period (DPA 2018 s.39) while the figures keep counting them:
`anonymised_at`, `age_band`, and a birth date that may be gone.

Revision ID: 0007_privacy
Revises: 0006_adult_at_sample
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_privacy"
down_revision: str | None = "0006_adult_at_sample"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    with op.batch_alter_table("detention") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("age_band", sa.String(), nullable=True))
        batch.alter_column("birth_date", existing_type=sa.Date(), nullable=True)
    op.create_index("ix_detention_held_arrest_date", "detention",
                    ["anonymised_at", "arrest_date"])


def downgrade() -> None:
    op.drop_index("ix_detention_held_arrest_date", table_name="detention")
    with op.batch_alter_table("detention") as batch:
        batch.alter_column("birth_date", existing_type=sa.Date(), nullable=False)
        batch.drop_column("age_band")
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("reason")
