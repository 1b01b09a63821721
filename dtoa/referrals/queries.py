"""Referral listings for the inspector and the export: no personal data beyond the custody
reference, which the police already hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa import csvout
from dtoa.clock import as_utc
from dtoa.models import Appointment, Detention, Referral

EXPORT_COLUMNS = ("reference", "suite", "custody_ref", "provider", "state", "no_capacity",
                  "appointment_at", "deadline_at", "setting", "custody_suite", "served_at",
                  "served_by")


@dataclass(frozen=True)
class ReferralRow:
    reference: str
    suite: str
    custody_ref: str
    provider: str
    state: str
    state_reason: str | None
    no_capacity: bool
    appointment_at: datetime | None  # the booked initial assessment, UTC
    deadline_at: datetime  # UTC
    flags: tuple[str, ...] = ()  # kept for review (RequirementFlag), e.g. after_deadline
    setting: str | None = None  # the booked initial assessment's: community or custody
    custody_suite: str | None = None  # where an in-custody assessment is held
    served_at: datetime | None = None  # UTC; None: never served at the desk (an older build's)
    served_by: str | None = None  # the officer who served the requirement


def _query(provider: str | None, state: str | None, no_capacity: bool | None):  # noqa: ANN202
    booked = and_(Appointment.referral_id == Referral.id, Appointment.kind == "initial",
                  Appointment.state == "booked")
    query = (select(Referral, Detention.custody_ref, Appointment.scheduled_at,
                    Appointment.setting, Appointment.custody_suite)
             .join(Detention, Detention.id == Referral.detention_id)
             .outerjoin(Appointment, booked)
             .order_by(Referral.reference))
    if provider:
        query = query.where(Referral.provider == provider.upper())
    if state:
        query = query.where(Referral.state == state)
    if no_capacity is not None:
        query = query.where(Referral.no_capacity.is_(no_capacity))
    return query


def list_referrals(session: Session, provider: str | None = None, state: str | None = None,
                   no_capacity: bool | None = None) -> list[ReferralRow]:
    """Referrals in reference order, optionally for one provider, one state, or only those
    flagged no_capacity (no place before the deadline: for the inspector to resolve)."""
    return [
        ReferralRow(r.reference, r.suite, custody_ref, r.provider, r.state, r.state_reason,
                    r.no_capacity, as_utc(at) if at else None, as_utc(r.deadline_at),
                    tuple(f for f in (r.flags or "").split(";") if f), setting, custody_suite,
                    as_utc(r.served_at) if r.served_at else None, r.served_by)
        for r, custody_ref, at, setting, custody_suite
        in session.execute(_query(provider, state, no_capacity))
    ]


def export_referrals(engine: Engine, path: str | Path) -> int:
    """Write every referral as CSV (EXPORT_COLUMNS); instants in ISO 8601, UTC (+00:00). An
    empty served_at marks a referral no officer served at the desk: no requirement was imposed
    (Drugs Act 2005 s.9(2)), so no failure to attend can follow from it."""
    with Session(engine) as session:
        rows = list_referrals(session)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csvout.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([row.reference, row.suite, row.custody_ref, row.provider, row.state,
                             str(row.no_capacity).lower(),
                             row.appointment_at.isoformat() if row.appointment_at else "",
                             row.deadline_at.isoformat(), row.setting or "",
                             row.custody_suite or "",
                             row.served_at.isoformat() if row.served_at else "",
                             row.served_by or ""])
    return len(rows)
