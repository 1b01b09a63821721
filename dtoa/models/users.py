"""People who sign in to the web application, with the role and scope that limit what they see."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from dtoa.models.columns import enum_column
from dtoa.rules.states import Role

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
