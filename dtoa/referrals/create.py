"""Turning positive tests into referrals with an initial appointment, and re-trying referrals
that found no free place before their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Detention, DrugTest, Referral
from dtoa.referrals.booking import book_appointment
from dtoa.rules.ages import age_on
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.referrals import (
    POSITIVE_RESULTS,
    AssessmentFacts,
    BookingWindow,
    format_reference,
    initial_window,
    no_referral_reason,
    reference_sequence,
    route_provider,
)
from dtoa.store import change, record_change


@dataclass
class CreateSummary:
    created: int = 0
    booked: int = 0
    no_capacity: int = 0
    not_referred: int = 0


def facts_of(test: DrugTest, detention: Detention, settings: Settings) -> AssessmentFacts:
    test_date = test.tested_at.astimezone(settings.tz).date()
    return AssessmentFacts(result=test.result, detention_eligible=detention.eligible,
                           age_at_test=age_on(detention.birth_date, test_date),
                           disputed=test.disputed, lab_confirmed=test.lab_confirmed,
                           positive_specified=test.positive_specified,
                           superseded=test.superseded)


def window_for(test: DrugTest, settings: Settings, calendar: WorkingCalendar,
               now: datetime) -> BookingWindow:
    """The test's booking window, never starting sooner than the notice period from now: the
    person is told of the appointment when it is booked."""
    r = settings.referrals
    window = initial_window(as_utc(test.tested_at), tz=settings.tz, calendar=calendar,
                            notice_hours=r.notice_hours,
                            deadline_working_days=r.deadline_working_days,
                            lab_result_working_days=r.lab_result_working_days,
                            disputed=test.disputed)
    earliest = max(window.earliest, as_utc(now) + timedelta(hours=r.notice_hours))
    return BookingWindow(earliest, window.latest, window.lab_result_due)


class ReferenceBook:
    """Hands out the next sequence number per prefix and year within one transaction."""

    def __init__(self, session: Session) -> None:
        self.session, self.last = session, {}

    def next(self, prefix: str, year: int) -> str:
        key = (prefix, year)
        if key not in self.last:
            stem = f"{prefix}-{year:04d}-"
            top = self.session.execute(select(func.max(Referral.reference))
                                       .where(Referral.reference.like(stem + "%"))).scalar()
            self.last[key] = reference_sequence(top) if top else 0
        self.last[key] += 1
        return format_reference(prefix, year, self.last[key])


def unreferred_positives(session: Session) -> list[tuple[DrugTest, Detention]]:
    """Positive tests without a referral, oldest first (so references follow test order)."""
    query = (select(DrugTest, Detention)
             .join(Detention, Detention.id == DrugTest.detention_id)
             .outerjoin(Referral, Referral.drug_test_id == DrugTest.id)
             .where(Referral.id.is_(None), DrugTest.result.in_(POSITIVE_RESULTS),
                    DrugTest.superseded.is_(False))
             .order_by(DrugTest.tested_at, DrugTest.id))
    return [(row[0], row[1]) for row in session.execute(query)]


def create_referrals(session: Session, settings: Settings, now: datetime,
                     actor: str = "pipeline:referrals") -> CreateSummary:
    """One referral per positive test that supports a requirement to attend (idempotent: a
    test that already has a referral is skipped), each with its initial appointment booked or
    flagged no_capacity."""
    summary, references, calendar = CreateSummary(), ReferenceBook(session), WorkingCalendar()
    for test, detention in unreferred_positives(session):
        suite = settings.suites_by_code.get(detention.suite)
        if suite is None or no_referral_reason(facts_of(test, detention, settings)):
            summary.not_referred += 1
            continue
        window = window_for(test, settings, calendar, now)
        referral = Referral(
            reference=references.next(suite.reference_prefix,
                                      test.tested_at.astimezone(settings.tz).year),
            detention_id=detention.id, drug_test_id=test.id, suite=suite.code,
            provider=route_provider(detention.home_area, settings.providers,
                                    suite.default_provider),
            deadline_at=window.latest, created_at=as_utc(now), updated_at=as_utc(now))
        session.add(referral)
        session.flush()
        record_change(session, at=as_utc(now), actor=actor, entity="referral",
                      entity_id=referral.id, action="created", changes={
                          k: [None, getattr(referral, k)] for k in
                          ("reference", "drug_test_id", "suite", "provider", "state",
                           "deadline_at")})
        summary.created += 1
        if _book_initial(session, settings, referral, window, now, actor, calendar):
            summary.booked += 1
        else:
            summary.no_capacity += 1
    return summary


def _book_initial(session: Session, settings: Settings, referral: Referral,
                  window: BookingWindow, now: datetime, actor: str,
                  calendar: WorkingCalendar) -> Appointment | None:
    """Book the initial assessment no later than the referral's deadline; flag or clear
    no_capacity to match (audited)."""
    appointment = book_appointment(
        session, settings, referral=referral,
        provider=settings.providers_by_code[referral.provider], kind="initial",
        earliest=window.earliest, latest=referral.deadline_at, at=now, actor=actor,
        reason="initial assessment (Drugs Act 2005 s.9)", calendar=calendar)
    flag = appointment is None
    change(session, referral, entity="referral", action="no_capacity_changed", at=as_utc(now),
           actor=actor, no_capacity=flag)
    return appointment


def retry_no_capacity(session: Session, settings: Settings, now: datetime,
                      actor: str = "pipeline:referrals") -> int:
    """Try again to book referrals flagged no_capacity (capacity may have been added or freed);
    the deadline stays where it was. Returns how many were booked.

    A referral whose deadline is nearer than the notice period can never be booked (nothing is
    booked late): it stays flagged for the inspector and is not read again."""
    booked, calendar = 0, WorkingCalendar()
    bookable_until = as_utc(now) + timedelta(hours=settings.referrals.notice_hours)
    waiting = session.execute(
        select(Referral, DrugTest).join(DrugTest, DrugTest.id == Referral.drug_test_id)
        .where(Referral.no_capacity.is_(True), Referral.state == "awaiting_assessment",
               Referral.deadline_at >= bookable_until)
        .order_by(Referral.deadline_at, Referral.id)).all()
    for referral, test in waiting:
        if referral.provider not in settings.providers_by_code:
            continue
        window = window_for(test, settings, calendar, now)
        if window.earliest > as_utc(referral.deadline_at):
            continue
        if _book_initial(session, settings, referral, window, now, actor, calendar):
            booked += 1
    return booked
