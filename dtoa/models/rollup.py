"""The inspector's funnel, kept per custody suite and ISO week (`dtoa.store.funnel_rollup`).

`funnel_week` holds each (suite, week)'s counts as last computed; `funnel_stale_day` holds the
(suite, arrest date)s whose counts may have moved since. Database triggers (migration 0012)
add a day whenever a detention, drug test, sample result, referral, appointment, notification
or prosecution case of an arrest on it is inserted, updated or deleted, so no write path can
forget to; the funnel step recomputes those weeks and clears their days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class FunnelWeek(SQLModel, table=True):
    """One suite's funnel counts for the arrests of one ISO week (Monday to Sunday)."""

    __tablename__ = "funnel_week"
    # week first: the page reads eight weeks of every suite, or of one
    week_start: date = Field(primary_key=True)  # the Monday
    suite: str = Field(primary_key=True)
    definition: str  # fingerprint of the funnel query that counted it
    counts: str = Field(sa_column=Column(Text, nullable=False))  # JSON {stage: count}
    computed_at: datetime


class FunnelStaleDay(SQLModel, table=True):
    """A suite's arrest date whose week's counts may be out of date. Not unique: on PostgreSQL
    each writing statement adds its own row (see migration 0012 for why)."""

    __tablename__ = "funnel_stale_day"
    __table_args__ = (Index("ix_funnel_stale_day_arrest_date_suite", "arrest_date", "suite"),)
    id: int | None = Field(default=None, primary_key=True)
    suite: str
    arrest_date: date
