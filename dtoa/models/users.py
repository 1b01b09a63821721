"""People who sign in to the web application, with the role and scope that limit what they see,
their signed-in sessions, and the failed sign-ins that lock a user name or an address out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import Role, ThrottleScope

ROLES = tuple(r.value for r in Role)


class User(SQLModel, table=True):
    """A web account. Custody users are scoped to a force (every suite of that force); provider
    users to a provider code; inspectors and admins see across forces."""

    __tablename__ = "web_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    password_hash: str
    role: Role = Field(sa_column=enum_column(Role, "web_user", "role"))
    force: str | None = None  # custody users
    provider: str | None = None  # provider users
    active: bool = True
    created_at: datetime
    updated_at: datetime


class WebSession(SQLModel, table=True):
    """A signed-in browser, kept in the database so that every server process agrees and
    signing out ends it at once. The browser's cookie holds a random token; only its SHA-256
    is stored, so a copy of this table signs nobody in."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    csrf_token: str  # sent back in every form of this session
    created_at: datetime  # the absolute lifetime counts from here
    last_seen_at: datetime  # the idle time counts from here
    flash: str | None = Field(default=None, sa_column=Column(Text))  # JSON list, next page


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted against one user name or one client address
    (dtoa.rules.signin); the row is deleted once it no longer matters (`forget_at`)."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (UniqueConstraint("scope", "subject", name="uq_sign_in_throttle_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: ThrottleScope = Field(sa_column=enum_column(ThrottleScope, "sign_in_throttle",
                                                       "scope"))
    subject: str  # the user name as typed, or the client address
    failures: int
    window_start: datetime
    locked_until: datetime | None = None
    forget_at: datetime = Field(index=True)
