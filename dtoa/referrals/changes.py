"""State changes of referrals and appointments, each audited in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.models import Appointment, Referral
from dtoa.models.referrals import APPOINTMENT_STATES, REFERRAL_STATES
from dtoa.notify.contacts import forget_closed
from dtoa.store import change


def set_referral_state(session: Session, referral: Referral, state: str, *, at: datetime,
                       actor: str, reason: str | None = None) -> bool:
    """Move a referral to `state` (with a reason code); False when it was already there."""
    if state not in REFERRAL_STATES:
        raise ValueError(f"unknown referral state {state!r}")
    if referral.state == state and referral.state_reason == reason:
        return False
    change(session, referral, entity="referral", action="state_changed", at=as_utc(at),
           actor=actor, state=state, state_reason=reason)
    forget_closed(session, at, actor, referral_id=referral.id)
    return True


def set_appointment_state(session: Session, appointment: Appointment, state: str, *,
                          at: datetime, actor: str, reason: str) -> bool:
    """Move an appointment to `state`; False when it was already there."""
    if state not in APPOINTMENT_STATES:
        raise ValueError(f"unknown appointment state {state!r}")
    if appointment.state == state:
        return False
    change(session, appointment, entity="appointment", action="state_changed", at=as_utc(at),
           actor=actor, note={"reason": [None, reason]}, state=state)
    return True
