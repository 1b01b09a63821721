"""Prosecution cases for failures to attend or remain (Drugs Act 2005 ss.12, 14): opened by the
sweep, closed by a prosecutor's decision or by good cause the provider reports, each change
audited in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest.csvfile import FieldError
from dtoa.models import Appointment, Detention, ProsecutionCase, Referral
from dtoa.notify.contacts import forget_closed
from dtoa.rules import prosecution as rules
from dtoa.store import change, record_change
from dtoa.store.lookup import find_referral


def open_case(session: Session, settings: Settings, referral: Referral,
              appointment: Appointment, *, now: datetime, actor: str) -> ProsecutionCase:
    """A case for one failed appointment, with its s.127 time limit and warning date."""
    failure_on = rules.failure_date(appointment.state, appointment.scheduled_at,
                                    appointment.outcome_at, settings.tz)
    limit = rules.time_limit(failure_on, settings.prosecution.time_limit_months)
    case = ProsecutionCase(
        referral_id=referral.id, appointment_id=appointment.id,
        offence=rules.offence_for(appointment.kind), failure_on=failure_on,
        time_limit_on=limit, warn_from=rules.warn_from(limit,
                                                       settings.prosecution.warn_days_before),
        state=rules.OPEN, opened_at=now, updated_at=now)
    session.add(case)
    session.flush()
    record_change(session, at=now, actor=actor, entity="prosecution_case", entity_id=case.id,
                  action="opened", changes={
                      "state": [None, rules.OPEN], "offence": [None, case.offence],
                      "failure_on": [None, failure_on], "time_limit_on": [None, limit],
                      "warn_from": [None, case.warn_from]})
    return case


def close_for_good_cause(session: Session, appointment: Appointment, *, now: datetime,
                         actor: str) -> ProsecutionCase | None:
    """The provider reports good cause for a failure: no offence, so an open case closes."""
    case = session.exec(select(ProsecutionCase).where(
        ProsecutionCase.appointment_id == appointment.id)).first()
    if case is None or case.state != rules.OPEN:
        return case
    _set_decision(session, case, "good_cause_accepted", decided_at=now, now=now, actor=actor)
    return case


def _set_decision(session: Session, case: ProsecutionCase, decision: str, *,
                  decided_at: datetime, now: datetime, actor: str) -> None:
    change(session, case, entity="prosecution_case", action="decided", at=now, actor=actor,
           state=decision, decided_at=decided_at, decided_by=actor)
    session.add(case)
    forget_closed(session, now, actor, referral_id=case.referral_id)  # its last case decided


def decide(session: Session, settings: Settings, clock: Clock, *, reference: str | None,
           decision: str, decided_at: datetime, actor: str, suite: str | None = None,
           custody_ref: str | None = None) -> str:
    """Record a prosecutor's decision on the referral's open case: `decided`, or `unchanged`
    when that decision is already recorded. Raises FieldError when it cannot apply."""
    now = as_utc(clock.now())
    decided_at = as_utc(decided_at)
    if decided_at > now:
        raise FieldError("decided_at", decided_at.isoformat(), "decision time is in the future")
    referral = find_referral(session, reference=reference, suite=suite, custody_ref=custody_ref)
    cases = list(session.exec(select(ProsecutionCase).where(
        ProsecutionCase.referral_id == referral.id).order_by(ProsecutionCase.id.desc())))
    if any(c.state == decision and c.decided_at == decided_at for c in cases):
        return "unchanged"
    target = next((c for c in cases if c.state == rules.OPEN), cases[0] if cases else None)
    if target is None:
        raise FieldError("reference", referral.reference,
                         f"no prosecution case for {referral.reference}")
    refusal = rules.check_decision(target.state, decision)
    if refusal is not None:
        raise FieldError(refusal.column, decision, refusal.reason)
    _set_decision(session, target, decision, decided_at=decided_at, now=now, actor=actor)
    return "decided"


@dataclass(frozen=True)
class CaseDue:
    """One line of the prosecutions list (no personal data beyond the custody reference)."""

    reference: str
    suite: str
    custody_ref: str
    offence: str
    failure_on: date
    time_limit_on: date
    days_left: int


def cases_due(session: Session, today: date, within_days: int | None = None) -> list[CaseDue]:
    """Open cases whose time limit falls within `within_days` of `today`, or, without it, those
    inside their warning window; soonest first. A passed time limit shows negative days."""
    query = (select(ProsecutionCase, Referral.reference, Detention.suite, Detention.custody_ref)
             .join(Referral, Referral.id == ProsecutionCase.referral_id)
             .join(Detention, Detention.id == Referral.detention_id)
             .where(ProsecutionCase.state == rules.OPEN))
    if within_days is None:
        query = query.where(ProsecutionCase.warn_from <= today)
    else:
        query = query.where(ProsecutionCase.time_limit_on <= today + timedelta(days=within_days))
    rows = session.exec(query.order_by(ProsecutionCase.time_limit_on, ProsecutionCase.id)).all()
    return [CaseDue(ref, suite, custody_ref, case.offence, case.failure_on, case.time_limit_on,
                    (case.time_limit_on - today).days)
            for case, ref, suite, custody_ref in rows]
