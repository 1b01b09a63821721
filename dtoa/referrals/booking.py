"""Booking an assessment in a provider's sessions: the one way an appointment is made, for
initial assessments now and for follow-ups and reschedules (attendance) later."""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import func, select, text
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Provider, Settings, Suite
from dtoa.models import Appointment, Referral
from dtoa.models.referrals import APPOINTMENT_KINDS, LIVE_APPOINTMENT_STATES
from dtoa.rules.calendar import WorkingCalendar
from dtoa.rules.scheduling import first_free_slot, session_instants
from dtoa.rules.states import AssessmentSetting
from dtoa.store import record_change


def booked_places(session: Session, provider: str, earliest: datetime,
                  latest: datetime, custody_suite: str | None = None) -> dict[datetime, int]:
    """Places taken in each of a provider's sessions between two instants, counted from the
    appointment table (only live appointments hold a place): its community sessions, or with
    `custody_suite` its in-custody sessions at that suite."""
    a = Appointment.__table__.c
    where = a.custody_suite.is_(None) if custody_suite is None else \
        a.custody_suite == custody_suite
    rows = session.execute(
        select(a.scheduled_at, func.count())
        .where(a.provider == provider, a.state.in_(LIVE_APPOINTMENT_STATES), where,
               a.scheduled_at >= earliest, a.scheduled_at <= latest)
        .group_by(a.scheduled_at))
    return {as_utc(at): count for at, count in rows}


def free_sessions(session: Session, settings: Settings, provider: Provider, earliest: datetime,
                  latest: datetime, *, limit: int, calendar: WorkingCalendar | None = None,
                  custody_suite: str | None = None) -> list[datetime]:
    """The first `limit` session starts (UTC) of `provider` in [earliest, latest] with a free
    place, in time order: what the custody desk offers. Community sessions, or with
    `custody_suite` the provider's in-custody sessions at that suite."""
    earliest, latest = as_utc(earliest), as_utc(latest)
    taken = booked_places(session, provider.code, earliest, latest, custody_suite)
    sessions = provider.community_sessions if custody_suite is None else \
        provider.custody_sessions(custody_suite)
    free = []
    for start, capacity in session_instants(sessions, earliest, latest, settings.tz,
                                            calendar or WorkingCalendar()):
        if taken.get(start, 0) < capacity:
            free.append(start)
            if len(free) == limit:
                break
    return free


def lock_provider(session: Session, provider: str) -> None:
    """On PostgreSQL, serialise bookings for one provider until the transaction ends, so two
    writers cannot both take a session's last place. SQLite allows one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"dtoa-booking:{provider}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def book_appointment(session: Session, settings: Settings, *, referral: Referral,
                     provider: Provider, kind: str, earliest: datetime, latest: datetime,
                     at: datetime, actor: str, reason: str,
                     replaces: Appointment | None = None,
                     calendar: WorkingCalendar | None = None) -> Appointment | None:
    """Book the first community session of `provider` in [earliest, latest] with a free place
    (a follow-up or a rearranged assessment is after release), audited in the caller's
    transaction; None when every session in the window is full (never booked late).

    `kind` is initial or follow_up; `replaces` links a reschedule to the appointment it replaces
    (the caller decides what becomes of that one). `actor` and `reason` go to the audit trail."""
    if kind not in APPOINTMENT_KINDS:
        raise ValueError(f"unknown appointment kind {kind!r}")
    earliest, latest = as_utc(earliest), as_utc(latest)
    lock_provider(session, provider.code)
    slot = first_free_slot(provider.community_sessions, booked_places(session, provider.code,
                                                                      earliest,
                                                            latest),
                           earliest, latest, settings.tz, calendar or WorkingCalendar())
    if slot is None:
        return None
    return add_appointment(session, referral=referral, provider=provider, kind=kind, slot=slot,
                           at=at, actor=actor, reason=reason, replaces=replaces)


def add_appointment(session: Session, *, referral: Referral, provider: Provider, kind: str,
                    slot: datetime, at: datetime, actor: str, reason: str,
                    replaces: Appointment | None = None,
                    custody_suite: Suite | None = None) -> Appointment:
    """Record an appointment at `slot` (chosen by the caller: a free session found here, or one
    a custody system booked itself), audited in the caller's transaction: at the provider's
    address, or, with `custody_suite`, in custody at that suite before release."""
    now, slot = as_utc(at), as_utc(slot)
    setting = AssessmentSetting.CUSTODY if custody_suite else AssessmentSetting.COMMUNITY
    location = (in_custody_location(custody_suite) if custody_suite else provider.address)
    appointment = Appointment(referral_id=referral.id, kind=kind, provider=provider.code,
                              scheduled_at=slot, location=location, setting=setting,
                              custody_suite=custody_suite.code if custody_suite else None,
                              state="booked", replaces_id=replaces.id if replaces else None,
                              created_at=now, updated_at=now)
    session.add(appointment)
    session.flush()
    record_change(session, at=now, actor=actor, entity="appointment", entity_id=appointment.id,
                  action="booked", changes={
                      "referral_id": [None, referral.id], "kind": [None, kind],
                      "provider": [None, provider.code], "scheduled_at": [None, slot],
                      "setting": [None, setting], "custody_suite": [None,
                                                                   appointment.custody_suite],
                      "state": [None, "booked"], "replaces_id": [None, appointment.replaces_id],
                      "reason": [None, reason]})
    return appointment


def in_custody_location(suite: Suite) -> str:
    """Where an in-custody assessment is held, as the notice and the letters state it."""
    return f"{suite.name} (in custody, before release)"

