"""Notifications (issue 14): the outbox of messages to providers (email) and to people
(GOV.UK Notify reminders), and the contact details a person agreed at the desk to be reminded
on (deleted when the referral closes).

Revision ID: 0010_notifications
Revises: 0009_api_tokens
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_notifications"
down_revision: str | None = "0009_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The StrEnums' values when this migration was written (never imported: see 0002).
CHANNELS = ("email", "notify_sms", "notify_email")
KINDS = ("referral_served", "appointment_changed", "referral_withdrawn", "reminder",
         "change_notice")
STATES = ("pending", "sending", "sent", "uncertain", "failed", "cancelled")


def _check(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})",
                              name=f"ck_notification_message_{column}")


def upgrade() -> None:
    op.create_table(
        "person_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("reminders_agreed", sa.Boolean(), nullable=False),
        sa.Column("mobile", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("referral_id"),
    )
    op.create_table(
        "notification_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_ref", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _check("channel", CHANNELS),
        _check("kind", KINDS),
        _check("state", STATES),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notification_message_appointment_id", "notification_message",
                    ["appointment_id"])
    op.create_index("ix_notification_message_created_at", "notification_message",
                    ["created_at"])
    op.create_index("ix_notification_message_due", "notification_message",
                    ["state", "next_attempt_at"])
    op.create_index("ix_notification_message_referral_id", "notification_message",
                    ["referral_id"])


def downgrade() -> None:
    for index in ("ix_notification_message_referral_id", "ix_notification_message_due",
                  "ix_notification_message_created_at",
                  "ix_notification_message_appointment_id"):
        op.drop_index(index, table_name="notification_message")
    op.drop_table("notification_message")
    op.drop_table("person_contact")
