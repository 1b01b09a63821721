"""The requirement served at the custody desk (Drugs Act 2005 ss.9-11): who served it and when,
flags kept for review, what each letter stated (so an amended letter can say what changed), and
the change-of-time notice (RA2) as a letter kind.

Referrals already in the database were made by the nightly batch and their notices posted after
release: they were never served, so `served_at` stays empty for them.

Revision ID: 0005_requirement_served
Revises: 0004_web_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_requirement_served"
down_revision: str | None = "0004_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The letter kinds as they were before and after this migration (never import them).
LETTER_KINDS_BEFORE = ("referral", "notice")
LETTER_KINDS_AFTER = ("referral", "notice", "change_notice")


def _condition(values: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("served_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("served_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("flags", sa.String(), nullable=True))
    with op.batch_alter_table("letter") as batch:
        batch.add_column(sa.Column("stated", sa.Text(), nullable=True))
        batch.drop_constraint("ck_letter_kind", type_="check")
        batch.create_check_constraint("ck_letter_kind", _condition(LETTER_KINDS_AFTER))


def downgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.drop_constraint("ck_letter_kind", type_="check")
        batch.create_check_constraint("ck_letter_kind", _condition(LETTER_KINDS_BEFORE))
        batch.drop_column("stated")
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("flags")
        batch.drop_column("served_by")
        batch.drop_column("served_at")
