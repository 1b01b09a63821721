"""Partner systems and people reached directly: API tokens with their idempotency keys and rate
windows (dtoa.api), the notification outbox and the person's contact details for reminders
(dtoa.notify).

Every table has a date a retention rule can key on: tokens `created_at`/`revoked_at`,
idempotency keys `created_at`, rate windows `window_start`, messages `created_at`, contact
details `recorded_at` (and they are deleted when their referral closes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import MessageChannel, MessageKind, MessageState, TokenKind


class ApiToken(SQLModel, table=True):
    """A partner system's bearer token. The token is shown once when made; only its SHA-256 is
    kept (it is 256 random bits, so a plain hash cannot be guessed back). A custody system's
    token is scoped to a force, a provider system's to a provider code."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)  # the actor in the audit trail: api:<name>
    kind: TokenKind = Field(sa_column=enum_column(TokenKind, "api_token", "kind"))
    force: str | None = None
    provider: str | None = None
    token_hash: str = Field(unique=True)
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    last_used_at: datetime | None = None  # written at most once a minute


class ApiIdempotencyKey(SQLModel, table=True):
    """A request sent with an `Idempotency-Key` header and the response it got, so that the
    same request again gets the same response and changes nothing. `status_code` is None while
    the first request is still being handled."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id")
    key: str
    request_hash: str  # method, path, query and body: the same key with another request is refused
    status_code: int | None = None
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(index=True)


class ApiRateWindow(SQLModel, table=True):
    """Requests one token made in one minute, counted in the database so that every server
    process agrees on the limit."""

    __tablename__ = "api_rate_window"
    __table_args__ = (UniqueConstraint("token_id", "window_start", name="uq_api_rate_window"),)
    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id")
    window_start: datetime = Field(index=True)
    requests: int = 0


class PersonContact(SQLModel, table=True):
    """How the person agreed, at the custody desk, to be reminded of their appointments: a
    mobile number or an email address, only with their agreement. Deleted when the referral
    closes; never shown to providers or inspectors."""

    __tablename__ = "person_contact"
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", unique=True)
    reminders_agreed: bool = False
    mobile: str | None = None
    email: str | None = None
    recorded_at: datetime
    recorded_by: str


class Message(SQLModel, table=True):
    """One notification in the outbox, unique on what it is about (`key`, e.g.
    `provider:served:<referral id>`), so an event is never queued twice. Holds no contact
    details: a person's number or address is read from `person_contact` when it is sent."""

    __tablename__ = "notification_message"
    __table_args__ = (Index("ix_notification_message_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    channel: MessageChannel = Field(sa_column=enum_column(
        MessageChannel, "notification_message", "channel"))
    kind: MessageKind = Field(sa_column=enum_column(MessageKind, "notification_message", "kind"))
    referral_id: int = Field(foreign_key="referral.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    recipient: str  # a provider code, or "person"
    subject: str | None = None
    body: str = Field(sa_column=Column(Text, nullable=False))  # email text, or Notify's JSON
    state: MessageState = Field(default=MessageState.PENDING, sa_column=enum_column(
        MessageState, "notification_message", "state"))
    attempts: int = 0
    next_attempt_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    channel_ref: str | None = None  # Notify's notification id, or the email's Message-ID
    last_error: str | None = None  # a code and status, never the message or its recipient
    created_at: datetime = Field(index=True)
    updated_at: datetime
