"""At the custody desk, with the requirement: the person's agreement to reminders and their
contact details are recorded in the serving transaction, and once it is committed the provider
is emailed at once (and nothing waits for the night). Sending is best effort here: a message
that cannot go now stays in the outbox for the next run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.log import get_logger
from dtoa.models import Referral
from dtoa.notify.contacts import Contact, record_contact
from dtoa.notify.outbox import send_due
from dtoa.notify.queue import queue_messages
from dtoa.store import session_scope

log = get_logger("dtoa.notify")


def record_at_desk(session: Session, reference: str, contact: Contact, *, now: datetime,
                   actor: str) -> None:
    """Record what the person agreed to for the referral just served (ContactError when the
    details cannot be kept: the caller's transaction, the serving with it, is then undone)."""
    referral = session.execute(select(Referral).where(
        Referral.reference == reference)).scalar_one()
    record_contact(session, referral, contact, now=as_utc(now), actor=actor)


def send_after_serving(engine: Engine, settings: Settings, clock: Clock, reference: str) -> None:
    """Queue and send what serving this requirement owes, now."""
    if not (settings.notifications.email.enabled or settings.notifications.notify.enabled):
        return
    try:
        with session_scope(engine) as session:
            referral_id = session.execute(select(Referral.id).where(
                Referral.reference == reference)).scalar_one()
            queue_messages(session, settings, clock.now(), referral_ids=[referral_id])
        send_due(engine, settings, clock)
    except Exception as exc:  # noqa: BLE001  (the requirement is served; the night retries)
        log.warning("notifications.desk_send_failed", error=type(exc).__name__)
