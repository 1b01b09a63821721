"""Booking a follow-up or a replacement appointment and writing it with its audit row.

The slot finder is the pure `first_free_slot` on the provider's sessions and the working
calendar of England and Wales; a time the provider gives (a reschedule, an RA4 follow-up time)
is booked as given.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Referral
from dtoa.rules.calendar import WorkingCalendar, end_of_local_day
from dtoa.rules.scheduling import first_free_slot
from dtoa.store import record_change


def follow_up_slot(session: Session, settings: Settings, provider: str, after: datetime
                   ) -> datetime | None:
    """The first free session of `provider` on a working day after `after`'s day and within
    `[attendance].follow_up_window_working_days` of it, or None (no capacity)."""
    calendar = WorkingCalendar()
    sessions = settings.providers_by_code[provider].sessions
    day = after.astimezone(settings.tz).date()
    first = calendar.add_working_days(day, 1)
    last = calendar.add_working_days(day, settings.attendance.follow_up_window_working_days)
    earliest = as_utc(datetime.combine(first, datetime.min.time(), tzinfo=settings.tz))
    latest = as_utc(end_of_local_day(last, settings.tz))
    booked = dict(session.exec(
        select(Appointment.scheduled_at, func.count())
        .where(Appointment.provider == provider, Appointment.state != "rescheduled",
               Appointment.scheduled_at >= earliest, Appointment.scheduled_at <= latest)
        .group_by(Appointment.scheduled_at)).all())
    return first_free_slot(sessions, booked, earliest, latest, settings.tz, calendar)


def book(session: Session, settings: Settings, referral: Referral, *, kind: str,
         at: datetime, now: datetime, actor: str, replaces: Appointment | None = None
         ) -> Appointment:
    """Insert an appointment at `at` with the provider's address, audited as created."""
    provider = settings.providers_by_code[referral.provider]
    appointment = Appointment(
        referral_id=referral.id, kind=kind, provider=provider.code, scheduled_at=at,
        location=provider.address, state="booked",
        replaces_id=replaces.id if replaces else None, created_at=now, updated_at=now)
    session.add(appointment)
    session.flush()
    record_change(session, at=now, actor=actor, entity="appointment", entity_id=appointment.id,
                  action="created", changes={
                      "kind": [None, kind], "scheduled_at": [None, at],
                      "state": [None, "booked"],
                      "replaces_id": [None, appointment.replaces_id]})
    return appointment
