"""Referrals: the facts a requirement rests on, its booking window, its reference, and the
record of a requirement served. A referral is made only when an officer serves the requirement
(at the desk, or in a custody system's extract); nothing here imposes one."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import false, func, select, text, update
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Detention, DrugTest, Referral
from dtoa.rules.ages import age_on
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.referrals import (
    POSITIVE_RESULTS,
    AssessmentFacts,
    BookingWindow,
    format_reference,
    initial_window,
    reference_sequence,
)
from dtoa.store import change, record_change


def facts_of(test: DrugTest, detention: Detention, settings: Settings) -> AssessmentFacts:
    """What the referral decision needs from a test and its detention: the one place that
    reads them (`no_referral_reason(facts_of(...))` decides)."""
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
            lock_references(self.session, prefix)
            stem = f"{prefix}-{year:04d}-"
            top = self.session.execute(select(func.max(Referral.reference))
                                       .where(Referral.reference.like(stem + "%"))).scalar()
            self.last[key] = reference_sequence(top) if top else 0
        self.last[key] += 1
        return format_reference(prefix, year, self.last[key])


def unserved_positives(session: Session, suites: Sequence[str] | None = None,
                       since: datetime | None = None
                       ) -> list[tuple[DrugTest, Detention, Referral | None]]:
    """Positive tests with no requirement served (taken at or after `since`, if given), oldest
    first, with the unserved referral an earlier build made for some of them (None for the
    rest). Whether each supports a requirement is for `no_referral_reason(facts_of(...))`."""
    query = (select(DrugTest, Detention, Referral)
             .join(Detention, Detention.id == DrugTest.detention_id)
             .outerjoin(Referral, Referral.drug_test_id == DrugTest.id)
             .where(Referral.served_at.is_(None), DrugTest.result.in_(POSITIVE_RESULTS),
                    DrugTest.superseded.is_(False))
             .order_by(DrugTest.tested_at, DrugTest.id))
    if suites is not None:
        query = query.where(Detention.suite.in_(list(suites)))
    if since is not None:
        query = query.where(DrugTest.tested_at >= as_utc(since))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def lock_references(session: Session, prefix: str) -> None:
    """Serialise the handing out of references for one prefix until the transaction ends, so
    two desks serving at once cannot take the same number. PostgreSQL: an advisory lock.
    SQLite: take the database's write lock now, before anything is read (a reader that writes
    later could find its snapshot stale)."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"dtoa-reference:{prefix}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        session.execute(update(Referral).where(false()).values(reference=Referral.reference))


def new_referral(session: Session, settings: Settings, references: ReferenceBook, *,
                 test: DrugTest, detention: Detention, provider: str, deadline_at: datetime,
                 served_at: datetime, served_by: str, flags: Sequence[str], now: datetime,
                 actor: str, unserved: Referral | None = None) -> Referral:
    """Record a requirement served (Drugs Act 2005 s.9(2)): a new referral, or the unserved one
    an earlier build made for the test, which keeps its reference. Audited as `served`."""
    suite = settings.suites_by_code[detention.suite]
    values = {"provider": provider, "deadline_at": as_utc(deadline_at),
              "served_at": as_utc(served_at), "served_by": served_by,
              "flags": ";".join(flags) or None}
    if unserved is not None:
        change(session, unserved, entity="referral", action="served", at=as_utc(now),
               actor=actor, **values)
        return unserved
    referral = Referral(
        reference=references.next(suite.reference_prefix,
                                  test.tested_at.astimezone(settings.tz).year),
        detention_id=detention.id, drug_test_id=test.id, suite=suite.code,
        created_at=as_utc(now), updated_at=as_utc(now), **values)
    session.add(referral)
    session.flush()
    record_change(session, at=as_utc(now), actor=actor, entity="referral",
                  entity_id=referral.id, action="served", changes={
                      k: [None, getattr(referral, k)] for k in
                      ("reference", "drug_test_id", "suite", "provider", "state",
                       "deadline_at", "served_at", "served_by", "flags")})
    return referral
