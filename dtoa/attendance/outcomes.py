"""Recording what a provider reports about an assessment (the historic RA3/RA5 forms).

The checks are the pure rules in `dtoa.rules.attendance`; everything here loads the state,
applies a report the rules allow, and audits each change in the caller's transaction. Every
check runs before the first write (a new time that is not a free session is refused before
anything is written), so a refused report leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dtoa.attendance.booking import book, book_at, follow_up_window
from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest.csvfile import FieldError
from dtoa.models import Appointment, Referral
from dtoa.notify.contacts import forget_closed
from dtoa.prosecution.cases import close_for_good_cause
from dtoa.rules import attendance as rules
from dtoa.store import change
from dtoa.store.lookup import appointments_of, find_referral


@dataclass(frozen=True)
class OutcomeResult:
    """What a report did: `recorded` (a first outcome), `updated` (good cause after a failure)
    or `unchanged` (the same outcome was already recorded)."""

    status: str
    referral_reference: str
    referral_state: str
    appointment_id: int
    booked: Appointment | None = None
    no_capacity: bool = False


def _refuse(refusal: rules.Refusal | None, value: object) -> None:
    if refusal is not None:
        raise FieldError(refusal.column, "" if value is None else str(value), refusal.reason)


def record_outcome(session: Session, settings: Settings, clock: Clock, *,
                   reference: str | None, assessment: str, outcome: str, outcome_at: datetime,
                   new_appointment_at: datetime | None = None,
                   follow_up_required: bool | None = None, actor: str,
                   suite: str | None = None, custody_ref: str | None = None) -> OutcomeResult:
    """Apply one provider report to the referral it names (by reference, or by suite and
    custody_ref). Raises FieldError (column, value, reason) when the report cannot apply."""
    now = as_utc(clock.now())
    outcome_at = as_utc(outcome_at)
    new_at = as_utc(new_appointment_at) if new_appointment_at else None
    if outcome_at > now:
        raise FieldError("outcome_at", outcome_at.isoformat(), "outcome time is in the future")
    _refuse(rules.check_report(assessment, outcome, outcome_at=outcome_at,
                               new_appointment_at=new_at,
                               follow_up_required=follow_up_required), new_at)
    follow_up_required = rules.follow_up_decision(assessment, outcome, follow_up_required)
    referral = find_referral(session, reference=reference, suite=suite, custody_ref=custody_ref)
    _refuse(rules.check_referral(referral.state), referral.reference)
    history = appointments_of(session, referral.id, assessment)
    if not history:
        raise FieldError("assessment", assessment,
                         f"no {assessment} assessment is booked for {referral.reference}")
    for earlier in history:
        if earlier.state == outcome and earlier.outcome_at == outcome_at:
            return OutcomeResult("unchanged", referral.reference, referral.state, earlier.id)
    current = history[0]
    tz = settings.tz
    _refuse(rules.check_transition(
        current.state, outcome, scheduled_at=current.scheduled_at, outcome_at=outcome_at,
        scheduled_on=current.scheduled_at.astimezone(tz).date(),
        outcome_on=outcome_at.astimezone(tz).date()), outcome)
    return _apply(session, settings, referral, current, now=now, actor=actor,
                  assessment=assessment, outcome=outcome, outcome_at=outcome_at, new_at=new_at,
                  follow_up_required=follow_up_required)


def _apply(session: Session, settings: Settings, referral: Referral, current: Appointment, *,
           now: datetime, actor: str, assessment: str, outcome: str, outcome_at: datetime,
           new_at: datetime | None, follow_up_required: bool | None) -> OutcomeResult:
    before = current.state
    booked, no_capacity = None, False
    if outcome in (rules.RESCHEDULED, rules.GOOD_CAUSE) and new_at:
        booked = book_at(session, settings, referral, kind=assessment, at=new_at, now=now,
                         actor=actor, reason=outcome, replaces=current)
    if assessment == rules.INITIAL and outcome == rules.ATTENDED and follow_up_required:
        if new_at:  # the time the assessor gave in writing (s.13)
            booked = book_at(session, settings, referral, kind=rules.FOLLOW_UP, at=new_at,
                             now=now, actor=actor, reason="follow_up_required")
        else:
            earliest, latest = follow_up_window(settings, outcome_at)
            booked = book(session, settings, referral, kind=rules.FOLLOW_UP,
                          earliest=earliest, latest=latest, now=now, actor=actor,
                          reason="follow_up_required")
            no_capacity = booked is None
    change(session, current, entity="appointment", action="outcome_recorded", at=now,
           actor=actor, state=outcome, outcome_at=outcome_at)
    if outcome == rules.GOOD_CAUSE:
        close_for_good_cause(session, current, now=now, actor=actor)
    _move_referral(session, referral, now=now, actor=actor, assessment=assessment,
                   outcome=outcome, follow_up_required=follow_up_required,
                   new_appointment=booked is not None and booked.kind == assessment,
                   no_capacity=no_capacity)
    status = "updated" if before in rules.FAILURES else "recorded"
    return OutcomeResult(status, referral.reference, referral.state, current.id, booked,
                         no_capacity)


def _move_referral(session: Session, referral: Referral, *, now: datetime, actor: str,
                   assessment: str, outcome: str, follow_up_required: bool | None,
                   new_appointment: bool, no_capacity: bool) -> None:
    state = rules.referral_state_after(assessment, outcome,
                                       follow_up_required=follow_up_required,
                                       new_appointment=new_appointment)
    # s.10: when the assessor says no follow-up is needed, the requirement ceases
    note = {"follow_up": [None, "not_required"]} if follow_up_required is False else None
    change(session, referral, entity="referral", action="state_changed", at=now, actor=actor,
           note=note, state=state, no_capacity=referral.no_capacity or no_capacity)
    forget_closed(session, now, actor, referral_id=referral.id)  # the reminders' details go
