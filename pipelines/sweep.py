"""The deadline sweep: outcomes not reported in time go on the chase list; failures to attend or
remain become prosecution cases; cases entering their warning window are flagged.

Idempotent: each pass only moves what has not moved yet (a booked appointment, a failure with
no case, an open case not yet warned), and every change is audited as `pipeline:sweep`.

Bounded by the night's work, not the history: overdue appointments are read through the
(state, scheduled_at) index, so only booked ones whose time has passed are read (once marked
they are no longer booked); failures are looked for only among the appointments and referrals
changed since the sweep last succeeded (`dtoa.store.watermarks`; all of them on its first run).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import union
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, ProsecutionCase, Referral
from dtoa.prosecution import open_case
from dtoa.rules.attendance import BOOKED, FAILURES, OUTCOME_OVERDUE
from dtoa.rules.prosecution import OPEN
from dtoa.store import record_change, session_scope
from dtoa.store.watermarks import Marks, advance, changed, newest, watermark

ACTOR = "pipeline:sweep"
WATERMARK = "sweep.cases"


def sweep(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    upto = newest(engine)
    with session_scope(engine) as session:
        since = watermark(session, WATERMARK)
        overdue = _mark_overdue(session, settings, now)
        opened = _open_cases(session, settings, now, None if since is None else (since, upto))
        warned = _warn(session, settings, now)
        advance(session, WATERMARK, upto, now)
    return {"outcome_overdue": overdue, "cases_opened": opened, "cases_warned": warned}


def _mark_overdue(session: Session, settings: Settings, now) -> int:  # noqa: ANN001
    """Booked, and the appointment time plus `outcome_grace_hours` has passed."""
    cutoff = now - timedelta(hours=settings.attendance.outcome_grace_hours)
    late = session.exec(select(Appointment).where(Appointment.state == BOOKED,
                                                  Appointment.scheduled_at <= cutoff)).all()
    for appointment in late:
        record_change(session, at=now, actor=ACTOR, entity="appointment",
                      entity_id=appointment.id, action="state_changed",
                      changes={"state": [BOOKED, OUTCOME_OVERDUE]})
        appointment.state, appointment.updated_at = OUTCOME_OVERDUE, now
        session.add(appointment)
    return len(late)


def _open_cases(session: Session, settings: Settings, now,  # noqa: ANN001
                changes: tuple[Marks, Marks] | None) -> int:
    """One case per failed appointment (the unique appointment_id backs this up), and only of
    a requirement that was served: a requirement never imposed in police detention with a
    written notice before release (Drugs Act 2005 s.9(2), s.11) founds no s.12 or s.14
    offence. With `changes` (since, upto), only appointments changed between the marks, or of
    referrals changed between them (served, or served corrected), are looked at."""
    query = (select(Appointment, Referral)
             .join(Referral, Referral.id == Appointment.referral_id)
             .outerjoin(ProsecutionCase, ProsecutionCase.appointment_id == Appointment.id)
             .where(Appointment.state.in_(sorted(FAILURES)), ProsecutionCase.id.is_(None),
                    Referral.served_at.is_not(None))
             .order_by(Appointment.id))
    if changes is not None:  # one id list, so the query starts from the changes
        query = query.where(Appointment.id.in_(union(
            changed("appointment", *changes),
            select(Appointment.id).where(
                Appointment.referral_id.in_(changed("referral", *changes))))))
    failed = session.exec(query).all()
    for appointment, referral in failed:
        open_case(session, settings, referral, appointment, now=now, actor=ACTOR)
    return len(failed)


def _warn(session: Session, settings: Settings, now) -> int:  # noqa: ANN001
    """Open cases whose warning date (time limit less `warn_days_before`) has come."""
    today = now.astimezone(settings.tz).date()
    due = session.exec(select(ProsecutionCase).where(
        ProsecutionCase.state == OPEN, ProsecutionCase.warned_at.is_(None),
        ProsecutionCase.warn_from <= today)).all()
    for case in due:
        record_change(session, at=now, actor=ACTOR, entity="prosecution_case",
                      entity_id=case.id, action="warned",
                      changes={"warned_at": [None, now],
                               "days_left": [None, (case.time_limit_on - today).days]})
        case.warned_at, case.updated_at = now, now
        session.add(case)
    return len(due)
