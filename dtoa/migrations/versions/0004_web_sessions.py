"""Web sessions kept in the database (sign-out and switching an account off end them at once,
in every server process) and failed sign-ins counted per user name and per address.

Revision ID: 0004_web_sessions
Revises: 0003_custody_process
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_web_sessions"
down_revision: str | None = "0003_custody_process"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ThrottleScope's values when this migration was written (never imported: see 0002).
SCOPES = ("user_name", "address")


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flash", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_table(
        "sign_in_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forget_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"scope IN ({', '.join(repr(s) for s in SCOPES)})",
                           name="ck_sign_in_throttle_scope"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "subject", name="uq_sign_in_throttle_subject"),
    )
    op.create_index("ix_sign_in_throttle_forget_at", "sign_in_throttle", ["forget_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_forget_at", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
