"""In-custody assessment: a session a treatment provider runs inside a custody suite, so the
person can be assessed while still detained, possibly at once, before release.

The Basingstoke pilot's police believed the failure to attend would fall sharply if treatment
services were based in custody suites; a provider's session with `setting = "custody"` and a
`suite` is such a service. The desk offers the free in-custody sessions at the suite where the
person is held, from whichever provider runs them there, that start between the time the
requirement is served and `[referrals] in_custody_hours` later (the person must still be
detained) and by the deadline. The requirement still follows the statute: time and place told
and given in writing before release (Drugs Act 2005 s.9(2), s.11); no notice period applies, as
the person is already where the assessment happens. A disputed positive is never offered one:
its assessment waits for the laboratory's result (dtoa.rules.referrals.initial_window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Provider, Settings, Suite
from dtoa.models import DrugTest
from dtoa.referrals.booking import free_sessions, lock_provider
from dtoa.rules.calendar import WorkingCalendar


@dataclass(frozen=True)
class CustodySlot:
    """A free place in an in-custody session: who runs it, when (UTC), at which suite."""

    provider: Provider
    at: datetime
    suite: Suite


def custody_window(settings: Settings, test: DrugTest, served_at: datetime,
                   deadline: datetime) -> tuple[datetime, datetime] | None:
    """When an in-custody assessment may start for a requirement served at `served_at`: from
    then until `in_custody_hours` later or the deadline; None for a disputed positive."""
    if test.disputed:
        return None
    earliest = as_utc(served_at)
    latest = min(earliest + timedelta(hours=settings.referrals.in_custody_hours),
                 as_utc(deadline))
    return (earliest, latest) if latest >= earliest else None


def custody_slots(session: Session, settings: Settings, *, suite: str, test: DrugTest,
                  served_at: datetime, deadline: datetime, calendar: WorkingCalendar,
                  limit: int, at: datetime | None = None) -> tuple[CustodySlot, ...]:
    """The first `limit` free in-custody places at `suite` in the window, soonest first (then
    by provider code); with `at`, only places in sessions starting then."""
    window = custody_window(settings, test, served_at, deadline)
    if window is None:
        return ()
    earliest, latest = window
    if at is not None:
        at = as_utc(at)
        if not earliest <= at <= latest:
            return ()
        earliest = latest = at
    found = [CustodySlot(provider, start, settings.suites_by_code[suite])
             for provider in settings.providers if provider.custody_sessions(suite)
             for start in free_sessions(session, settings, provider, earliest, latest,
                                        limit=limit, calendar=calendar, custody_suite=suite)]
    return tuple(sorted(found, key=lambda s: (s.at, s.provider.code))[:limit])


def claim_custody_slot(session: Session, settings: Settings, *, suite: str, test: DrugTest,
                       served_at: datetime, deadline: datetime, calendar: WorkingCalendar,
                       at: datetime | None) -> CustodySlot | None:
    """The in-custody place to book (the first free one, or the first in a session starting
    at `at`), with its provider's bookings locked until the transaction ends; None when there
    is none."""
    for slot in custody_slots(session, settings, suite=suite, test=test, served_at=served_at,
                              deadline=deadline, calendar=calendar, limit=10, at=at):
        lock_provider(session, slot.provider.code)
        again = custody_slots(session, settings, suite=suite, test=test, served_at=served_at,
                              deadline=deadline, calendar=calendar, limit=10, at=slot.at)
        if any(s.provider == slot.provider for s in again):
            return slot
    return None
