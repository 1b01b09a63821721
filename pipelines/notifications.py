"""Notifications step: delete the contact details of referrals that have closed, queue the
messages owed (provider emails, reminders and change notices to people who agreed), and send
what is due through the outbox (`dtoa.notify.outbox`: claim, send, mark). Also run every
`[notifications] send_every_minutes` by the scheduler, and by `dtoa notifications send`."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.notify.contacts import forget_closed
from dtoa.notify.outbox import send_due
from dtoa.notify.queue import queue_messages
from dtoa.store import session_scope

WAIT_S = 30  # for another sender (or a killed one's lock) to let go


def notifications(engine: Engine, settings: Settings, clock: Clock) -> dict:
    with session_scope(engine) as session:
        forgotten = forget_closed(session, clock.now())
        queued = queue_messages(session, settings, clock.now())
    if not (settings.notifications.email.enabled or settings.notifications.notify.enabled):
        return {"contacts_deleted": forgotten}
    sending = send_due(engine, settings, clock, wait_s=WAIT_S)
    return {"contacts_deleted": forgotten, "queued": sum(queued.queued.values()),
            "cancelled": queued.cancelled + sending.cancelled, "sent": sending.sent,
            "retrying": sending.retrying, "failed": sending.failed,
            "uncertain": sending.uncertain, "busy": sending.busy}
