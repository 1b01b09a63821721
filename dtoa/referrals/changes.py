"""State changes of referrals and appointments, each audited in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.models import Appointment, Referral
from dtoa.models.referrals import APPOINTMENT_STATES, REFERRAL_STATES
from dtoa.store import record_change


def set_referral_state(session: Session, referral: Referral, state: str, *, at: datetime,
                       actor: str, reason: str | None = None) -> bool:
    """Move a referral to `state` (with a reason code); False when it was already there."""
    if state not in REFERRAL_STATES:
        raise ValueError(f"unknown referral state {state!r}")
    if referral.state == state and referral.state_reason == reason:
        return False
    changes = {"state": [referral.state, state], "state_reason": [referral.state_reason, reason]}
    referral.state, referral.state_reason, referral.updated_at = state, reason, as_utc(at)
    session.add(referral)
    record_change(session, at=as_utc(at), actor=actor, entity="referral", entity_id=referral.id,
                  action="state_changed", changes=changes)
    return True


def set_appointment_state(session: Session, appointment: Appointment, state: str, *,
                          at: datetime, actor: str, reason: str) -> bool:
    """Move an appointment to `state`; False when it was already there."""
    if state not in APPOINTMENT_STATES:
        raise ValueError(f"unknown appointment state {state!r}")
    if appointment.state == state:
        return False
    changes = {"state": [appointment.state, state], "reason": [None, reason]}
    appointment.state, appointment.updated_at = state, as_utc(at)
    session.add(appointment)
    record_change(session, at=as_utc(at), actor=actor, entity="appointment",
                  entity_id=appointment.id, action="state_changed", changes=changes)
    return True
