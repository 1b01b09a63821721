"""When the requirement to attend falls: the laboratory does not confirm a disputed positive, or
the test it rests on is corrected. The referral is withdrawn and its booked appointments are
cancelled, freeing their places."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Detention, DrugTest, Referral
from dtoa.referrals.changes import set_appointment_state, set_referral_state
from dtoa.referrals.create import facts_of
from dtoa.rules.referrals import no_referral_reason
from dtoa.store import change, record_change

# States in which a requirement is still running (an attended initial assessment may still
# have a follow-up to come). A failure already recorded stays on record for the prosecutor.
WITHDRAWABLE = ("awaiting_assessment", "rescheduled", "attended")


class LabResultError(ValueError):
    """A laboratory result that cannot be recorded, with a reason a person can act on."""


def withdraw_unsupported(session: Session, settings: Settings, now: datetime,
                         actor: str = "pipeline:referrals", *,
                         among: Select | None = None) -> tuple[int, int]:
    """Withdraw every running referral whose test no longer supports it, of the detentions
    `among` selects (the night's changes, `dtoa.store.watermarks.changed_detentions`) or of
    all; returns how many were checked and how many withdrawn."""
    query = (select(Referral, DrugTest, Detention)
             .join(DrugTest, DrugTest.id == Referral.drug_test_id)
             .join(Detention, Detention.id == Referral.detention_id)
             .where(Referral.state.in_(WITHDRAWABLE), Detention.anonymised_at.is_(None))
             .order_by(Referral.id))
    if among is not None:
        query = query.where(Referral.detention_id.in_(among))
    checked = withdrawn = 0
    for referral, test, detention in session.execute(query).all():
        checked += 1
        reason = no_referral_reason(facts_of(test, detention, settings))
        if reason:
            withdraw(session, referral, reason, now=now, actor=actor)
            withdrawn += 1
    return checked, withdrawn


def withdraw(session: Session, referral: Referral, reason: str, *, now: datetime,
             actor: str) -> None:
    """Withdraw one referral and cancel its booked appointments, in the caller's transaction."""
    set_referral_state(session, referral, "withdrawn", at=now, actor=actor, reason=reason)
    if referral.no_capacity:
        record_change(session, at=as_utc(now), actor=actor, entity="referral",
                      entity_id=referral.id, action="no_capacity_changed",
                      changes={"no_capacity": [True, False]})
        referral.no_capacity = False
    booked = session.execute(select(Appointment).where(
        Appointment.referral_id == referral.id, Appointment.state == "booked")).scalars()
    for appointment in booked:
        set_appointment_state(session, appointment, "cancelled", at=now, actor=actor,
                              reason=reason)


def record_lab_result(session: Session, settings: Settings, now: datetime, *, suite: str,
                      custody_ref: str, confirmed: bool, actor: str) -> Referral | None:
    """Record the confirmatory laboratory's answer on a disputed test (audited) and, when it
    does not confirm the positive, withdraw the referral at once. Returns the referral, if any."""
    found = session.execute(
        select(DrugTest, Detention).join(Detention, Detention.id == DrugTest.detention_id)
        .where(Detention.suite == suite.upper(), Detention.custody_ref == custody_ref)).first()
    if found is None:
        raise LabResultError(f"no test recorded for detention {suite}/{custody_ref}")
    test, detention = found
    if not test.disputed:
        raise LabResultError("the test was not disputed: only a disputed positive goes to "
                             "the confirmatory laboratory")
    change(session, test, entity="drug_test", action="lab_result", at=as_utc(now), actor=actor,
           lab_confirmed=confirmed)
    referral = session.execute(select(Referral).where(
        Referral.drug_test_id == test.id)).scalar_one_or_none()
    if referral is not None and referral.state in WITHDRAWABLE:
        reason = no_referral_reason(facts_of(test, detention, settings))
        if reason:
            withdraw(session, referral, reason, now=now, actor=actor)
    return referral
