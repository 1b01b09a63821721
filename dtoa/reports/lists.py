"""The lists an inspector acts on, by reference only (no names, no birth dates): prosecution
cases near their time limit, assessment outcomes overdue from providers, referrals that could
not be booked within the deadline for want of capacity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dtoa.config import Settings
from dtoa.models import Appointment, ProsecutionCase, Referral

P = ProsecutionCase.__table__.c
A = Appointment.__table__.c
R = Referral.__table__.c


def cases_near_time_limit(engine: Engine, settings: Settings, as_of: date,
                          suite: str | None = None) -> list[dict]:
    """Open failure cases whose warning date has come (Magistrates' Courts Act 1980 s.127:
    an information must be laid within six months), soonest limit first."""
    horizon = as_of + timedelta(days=settings.prosecution.warn_days_before)
    query = (select(R.reference, R.suite, P.offence, P.failure_on, P.time_limit_on)
             .select_from(ProsecutionCase.__table__.join(Referral.__table__,
                                                         R.id == P.referral_id))
             .where(P.state == "open", P.time_limit_on <= horizon)
             .order_by(P.time_limit_on, R.reference))
    rows = _rows(engine, query, suite)
    for row in rows:
        row["days_left"] = (row["time_limit_on"] - as_of).days
    return rows


def overdue_outcomes(engine: Engine, settings: Settings, suite: str | None = None
                     ) -> list[dict]:
    """Appointments the provider has not reported within the grace period (the sweep marks
    them outcome_overdue), oldest first."""
    query = (select(R.reference, R.suite, A.provider, A.kind, A.scheduled_at)
             .select_from(Appointment.__table__.join(Referral.__table__,
                                                     R.id == A.referral_id))
             .where(A.state == "outcome_overdue")
             .order_by(A.scheduled_at, R.reference))
    return _local(_rows(engine, query, suite), settings.tz, "scheduled_at")


def no_capacity(engine: Engine, settings: Settings, suite: str | None = None) -> list[dict]:
    """Referrals still awaiting assessment with no slot found before the deadline."""
    query = (select(R.reference, R.suite, R.provider, R.deadline_at)
             .where(R.no_capacity.is_(True), R.state == "awaiting_assessment")
             .order_by(R.deadline_at, R.reference))
    return _local(_rows(engine, query, suite), settings.tz, "deadline_at")


def _rows(engine: Engine, query, suite: str | None) -> list[dict]:  # noqa: ANN001
    if suite is not None:
        query = query.where(R.suite == suite)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _local(rows: list[dict], tz: ZoneInfo, column: str) -> list[dict]:
    for row in rows:
        moment: datetime = row[column]
        if moment.tzinfo is None:  # SQLite gives back the stored UTC value without a zone
            moment = moment.replace(tzinfo=UTC)
        row[column] = moment.astimezone(tz).strftime("%a %d %b %Y %H:%M")
    return rows
