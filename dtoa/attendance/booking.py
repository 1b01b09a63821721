"""Booking a follow-up or a replacement appointment through the one booking path,
`dtoa.referrals.book_appointment` (a provider's free session, audited)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.ingest.csvfile import FieldError
from dtoa.models import Appointment, Referral
from dtoa.referrals import book_appointment
from dtoa.rules.calendar import WorkingCalendar, end_of_local_day


def follow_up_window(settings: Settings, after: datetime) -> tuple[datetime, datetime]:
    """From the working day after the initial assessment to the end of the
    `[attendance].follow_up_window_working_days`-th working day after it."""
    calendar = WorkingCalendar()
    day = after.astimezone(settings.tz).date()
    first = calendar.add_working_days(day, 1)
    last = calendar.add_working_days(day, settings.attendance.follow_up_window_working_days)
    return (as_utc(datetime.combine(first, datetime.min.time(), tzinfo=settings.tz)),
            as_utc(end_of_local_day(last, settings.tz)))


def book(session: Session, settings: Settings, referral: Referral, *, kind: str,
         earliest: datetime, latest: datetime, now: datetime, actor: str, reason: str,
         replaces: Appointment | None = None) -> Appointment | None:
    """The first free session of the referral's provider in [earliest, latest], or None."""
    return book_appointment(session, settings, referral=referral,
                            provider=settings.providers_by_code[referral.provider], kind=kind,
                            earliest=earliest, latest=latest, at=now, actor=actor,
                            reason=reason, replaces=replaces)


def book_at(session: Session, settings: Settings, referral: Referral, *, kind: str,
            at: datetime, now: datetime, actor: str, reason: str,
            replaces: Appointment | None = None) -> Appointment:
    """Book the session starting at the time a provider gave, or refuse the report."""
    booked = book(session, settings, referral, kind=kind, earliest=at, latest=at, now=now,
                  actor=actor, reason=reason, replaces=replaces)
    if booked is None:
        local = at.astimezone(settings.tz)
        raise FieldError("new_appointment_at", local.isoformat(),
                         f"{local:%Y-%m-%d %H:%M} is not a session of {referral.provider} "
                         "with a free place")
    return booked
