"""Sending the outbox: claim, send, mark, one message at a time, under one lock.

1. **claim**: in its own transaction, a due message (`pending`, `next_attempt_at` passed) is
   checked to be still owed (the referral still running, the appointment still booked and
   ahead, the person's agreement and contact still on record; else it is `cancelled`) and
   moved to `sending`, with one more attempt counted. Committed before anything is sent.
2. **send** through its channel (dtoa.notify.channels).
3. **mark**, in its own transaction: `sent` (with the channel's id), or back to `pending`
   with a later `next_attempt_at` (`retry_minutes`, doubling, up to `retry_max_minutes`), or
   `failed` after a refusal or `max_attempts`.

Only one sender runs at a time (a named lock: a PostgreSQL advisory lock, or a lock file
beside a SQLite database; both are let go when the process dies). So a message found
`sending` when a run starts was claimed by a run that was killed between claim and mark, and
nobody knows from the outbox whether it went. Then:

- **GOV.UK Notify** is asked for a notification with the message's reference: found, it is
  marked `sent` without sending again; not found, it goes back to `pending` and is sent.
  Exactly once.
- **SMTP** cannot be asked. The message becomes `uncertain` and is never sent again
  automatically: at most once. `dtoa notifications list --state uncertain` lists them;
  `dtoa notifications resend ID` sends one again after a person has checked (audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.log import get_logger
from dtoa.models import Appointment, Message, Referral
from dtoa.notify.channels import Channels, Failed, Outcome, Retry, Sent
from dtoa.notify.contacts import reminders_to
from dtoa.notify.queue import ACTOR, RUNNING, cancel
from dtoa.rules.notify import reminder_window, retry_delay
from dtoa.rules.states import MessageChannel, MessageKind, MessageState
from dtoa.store import record_change, session_scope
from dtoa.store.locks import LockTimeout, exclusive

log = get_logger("dtoa.notify")
LOCK = "notifications"
MOST_PER_RUN = 5000


@dataclass
class Sending:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    uncertain: int = 0
    recovered: int = 0
    busy: bool = False
    errors: dict[str, int] = field(default_factory=dict)


def send_due(engine: Engine, settings: Settings, clock: Clock, *,
             channels: Channels | None = None, wait_s: float = 0) -> Sending:
    """Send every due message once. Another sender running for longer than `wait_s` makes
    this one a no-op (`busy`): the desk does not wait, a scheduled run waits a little (a
    killed sender's PostgreSQL lock goes when the server notices its connection dropped)."""
    result, channels = Sending(), channels or Channels(settings)
    try:
        with exclusive(engine, LOCK, timeout_s=wait_s):
            _recover(engine, channels, clock, result)
            for _ in range(MOST_PER_RUN):
                claimed = _claim(engine, settings, clock, result)
                if claimed is None:
                    break
                message, address = claimed
                _mark(engine, settings, clock, message.id, channels.send(message, address),
                      result)
    except LockTimeout:
        result.busy = True
    log.info("notifications.sent", sent=result.sent, retrying=result.retrying,
             failed=result.failed, cancelled=result.cancelled, uncertain=result.uncertain,
             recovered=result.recovered, busy=result.busy, errors=result.errors)
    return result


def _set(session: Session, message: Message, now: datetime, action: str, **values) -> None:  # noqa: ANN003
    changes = {k: [getattr(message, k), v] for k, v in values.items()
               if getattr(message, k) != v and k in ("state", "last_error", "channel_ref")}
    for key, value in values.items():
        setattr(message, key, value)
    message.updated_at = now
    session.add(message)
    record_change(session, at=now, actor=ACTOR, entity="notification_message",
                  entity_id=message.id, action=action, changes=changes)


def _recover(engine: Engine, channels: Channels, clock: Clock, result: Sending) -> None:
    with session_scope(engine) as session:
        stranded = session.execute(select(Message).where(
            Message.state == MessageState.SENDING)).scalars().all()
    for message in stranded:
        outcome = channels.lookup(message)
        now = as_utc(clock.now())
        with session_scope(engine) as session:
            message = session.get(Message, message.id)
            if isinstance(outcome, Sent):
                _set(session, message, now, "sent", state=MessageState.SENT,
                     channel_ref=outcome.channel_ref, sent_at=now, last_error=None)
                result.recovered += 1
            elif outcome is None:
                _set(session, message, now, "released", state=MessageState.PENDING,
                     next_attempt_at=now, last_error="interrupted_not_sent")
                result.recovered += 1
            elif message.channel == MessageChannel.EMAIL:
                _set(session, message, now, "uncertain", state=MessageState.UNCERTAIN,
                     last_error="interrupted_between_send_and_mark")
                result.uncertain += 1
                log.warning("notifications.uncertain", message_id=message.id,
                            kind=message.kind.value)
            # a Notify lookup that failed: left `sending`, asked again next run


def _still_owed(session: Session, settings: Settings, message: Message, now: datetime
                ) -> tuple[str | None, str | None]:
    """(address, None) when the message should go now, else (None, why not)."""
    referral = session.get(Referral, message.referral_id)
    appointment = session.get(Appointment, message.appointment_id) \
        if message.appointment_id else None
    if message.kind != MessageKind.REFERRAL_WITHDRAWN:
        if referral.state not in RUNNING:
            return None, f"referral {referral.state}"
        if appointment is None or appointment.state != "booked" \
                or as_utc(appointment.scheduled_at) <= now:
            return None, "appointment no longer booked ahead"
    if message.channel == MessageChannel.EMAIL:
        plan = settings.notifications.email
        provider = settings.providers_by_code[message.recipient]
        return plan.to.get(provider.code, provider.email), None
    if message.kind == MessageKind.REMINDER:
        local = as_utc(appointment.scheduled_at).astimezone(settings.tz)
        if now >= reminder_window(local, settings.notifications.reminder_at)[1]:
            return None, "too late for a reminder"
    contact = reminders_to(session, message.referral_id)
    address = None if contact is None else (
        contact.mobile if message.channel == MessageChannel.NOTIFY_SMS else contact.email)
    return (address, None) if address else (None, "no agreement or contact on record")


def _claim(engine: Engine, settings: Settings, clock: Clock, result: Sending
           ) -> tuple[Message, str] | None:
    while True:
        now = as_utc(clock.now())
        with session_scope(engine) as session:
            message = session.execute(select(Message).where(
                Message.state == MessageState.PENDING, Message.next_attempt_at <= now)
                .order_by(Message.next_attempt_at, Message.id).limit(1)).scalar_one_or_none()
            if message is None:
                return None
            address, why_not = _still_owed(session, settings, message, now)
            if why_not is not None:
                cancel(session, message, now, why_not)
                result.cancelled += 1
                continue
            taken = session.execute(update(Message).where(
                Message.id == message.id, Message.state == MessageState.PENDING)
                .values(state=MessageState.SENDING, claimed_at=now,
                        attempts=Message.attempts + 1, updated_at=now)).rowcount
            if taken != 1:
                continue
            record_change(session, at=now, actor=ACTOR, entity="notification_message",
                          entity_id=message.id, action="claimed",
                          changes={"state": [MessageState.PENDING.value,
                                             MessageState.SENDING.value]})
            session.flush()
            session.refresh(message)
            session.expunge(message)
            return message, address


def _mark(engine: Engine, settings: Settings, clock: Clock, message_id: int,
          outcome: Outcome, result: Sending) -> None:
    now = as_utc(clock.now())
    plan = settings.notifications
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if isinstance(outcome, Sent):
            _set(session, message, now, "sent", state=MessageState.SENT, sent_at=now,
                 channel_ref=outcome.channel_ref, last_error=None)
            result.sent += 1
            return
        result.errors[outcome.error] = result.errors.get(outcome.error, 0) + 1
        if isinstance(outcome, Failed) or message.attempts >= plan.max_attempts:
            _set(session, message, now, "failed", state=MessageState.FAILED,
                 last_error=outcome.error)
            result.failed += 1
            return
        assert isinstance(outcome, Retry)
        _set(session, message, now, "retry", state=MessageState.PENDING,
             last_error=outcome.error, next_attempt_at=now + retry_delay(
                 message.attempts, plan.retry_minutes, plan.retry_max_minutes))
        result.retrying += 1


def resend(engine: Engine, clock: Clock, message_id: int, *, actor: str) -> Message:
    """Put an `uncertain` or `failed` message back in the queue, after a person has checked
    that it did not arrive (audited with their name)."""
    now = as_utc(clock.now())
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if message is None or message.state not in (MessageState.UNCERTAIN,
                                                     MessageState.FAILED):
            raise ValueError(f"message {message_id} is not uncertain or failed")
        before = message.state
        message.state, message.next_attempt_at, message.updated_at = (
            MessageState.PENDING, now, now)
        message.attempts = 0
        session.add(message)
        record_change(session, at=now, actor=actor, entity="notification_message",
                      entity_id=message.id, action="resent",
                      changes={"state": [before, MessageState.PENDING.value]})
        return message
