"""The chase list: appointments whose outcome the provider has not reported in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dtoa.models import Appointment, Referral


@dataclass(frozen=True)
class ChaseItem:
    provider: str
    reference: str
    assessment: str
    scheduled_at: datetime


def chase_list(session: Session, provider: str | None = None) -> list[ChaseItem]:
    """Outcome-overdue appointments by provider, oldest first: what to ask each provider for."""
    query = (select(Appointment, Referral.reference)
             .join(Referral, Referral.id == Appointment.referral_id)
             .where(Appointment.state == "outcome_overdue"))
    if provider:
        query = query.where(Appointment.provider == provider)
    rows = session.exec(query.order_by(Appointment.provider, Appointment.scheduled_at,
                                       Appointment.id)).all()
    return [ChaseItem(a.provider, ref, a.kind, a.scheduled_at) for a, ref in rows]
