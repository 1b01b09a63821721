"""Which messages are owed, worked out from the referrals' state and put in the outbox once:
each message's `key` names its event (`provider:served:<referral>`,
`provider:changed:<appointment>`, `provider:withdrawn:<referral>`,
`person:reminder:<appointment>`, `person:change:<appointment>`) and is unique, so running this
again (nightly, every few minutes, at the desk) queues nothing twice. Only recent events are
looked at (`LOOK_BACK`), so a database that predates notifications sends no backlog."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.models import Appointment, Message, PersonContact, Referral
from dtoa.notify.messages import personalisation, provider_email
from dtoa.rules.notify import reminder_due, within_hours
from dtoa.rules.states import MessageChannel, MessageKind, MessageState
from dtoa.store import record_change

LOOK_BACK = timedelta(days=14)
RUNNING = ("awaiting_assessment", "rescheduled")
ACTOR = "pipeline:notifications"


@dataclass
class Queued:
    queued: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0


def queue_messages(session: Session, settings: Settings, now: datetime, *,
                   referral_ids: list[int] | None = None) -> Queued:
    """Queue every message owed now (only for `referral_ids` when given), in the caller's
    transaction."""
    now, result = as_utc(now), Queued()
    if settings.notifications.email.enabled:
        _served(session, settings, now, referral_ids, result)
        _changed(session, settings, now, referral_ids, result)
        _withdrawn(session, settings, now, referral_ids, result)
    if settings.notifications.notify.enabled:
        _reminders(session, settings, now, referral_ids, result)
        _person_changes(session, settings, now, referral_ids, result)
    return result


def _only(query, referral_ids: list[int] | None):  # noqa: ANN001, ANN202
    return query if referral_ids is None else query.where(Referral.id.in_(referral_ids))


def _add(session: Session, now: datetime, result: Queued, *, key: str, kind: MessageKind,
         channel: MessageChannel, referral_id: int, appointment_id: int | None, recipient: str,
         body: str, subject: str | None = None, due: datetime | None = None) -> None:
    if session.execute(select(Message.id).where(Message.key == key)).first():
        return
    message = Message(key=key, channel=channel, kind=kind, referral_id=referral_id,
                      appointment_id=appointment_id, recipient=recipient, subject=subject,
                      body=body, next_attempt_at=as_utc(due or now), created_at=now,
                      updated_at=now)
    try:
        with session.begin_nested():  # another process queued it a moment ago: keep theirs
            session.add(message)
            session.flush()
    except IntegrityError:
        return
    record_change(session, at=now, actor=ACTOR, entity="notification_message",
                  entity_id=message.id, action="queued",
                  changes={"key": [None, key], "state": [None, MessageState.PENDING.value]})
    result.queued[kind.value] = result.queued.get(kind.value, 0) + 1


def _email(settings: Settings, session: Session, now: datetime, result: Queued,
           kind: MessageKind, key: str, referral: Referral, appointment: Appointment,
           was: datetime | None = None) -> None:
    subject, body = provider_email(settings, kind, reference=referral.reference,
                                   provider=referral.provider, at=appointment.scheduled_at,
                                   place=appointment.location, was=was)
    _add(session, now, result, key=key, kind=kind, channel=MessageChannel.EMAIL,
         referral_id=referral.id, appointment_id=appointment.id, recipient=referral.provider,
         subject=subject, body=body)


def _served(session: Session, settings: Settings, now: datetime,
            referral_ids: list[int] | None, result: Queued) -> None:
    rows = session.execute(_only(
        select(Referral, Appointment).join(Appointment, Appointment.referral_id == Referral.id)
        .where(Referral.served_at >= now - LOOK_BACK, Referral.state.in_(RUNNING),
               Appointment.kind == "initial", Appointment.state == "booked",
               Appointment.scheduled_at > now).order_by(Appointment.id), referral_ids)).all()
    for referral, appointment in rows:
        _email(settings, session, now, result, MessageKind.REFERRAL_SERVED,
               f"provider:served:{referral.id}", referral, appointment)


def _moves(session: Session, now: datetime, referral_ids: list[int] | None):  # noqa: ANN202
    """Booked appointments that replace one at another time, with the old time."""
    old = aliased(Appointment)
    return session.execute(_only(
        select(Referral, Appointment, old.scheduled_at)
        .join(Appointment, Appointment.referral_id == Referral.id)
        .join(old, old.id == Appointment.replaces_id)
        .where(Referral.state.in_(RUNNING), Appointment.state == "booked",
               Appointment.scheduled_at > now, Appointment.created_at >= now - LOOK_BACK,
               old.scheduled_at != Appointment.scheduled_at), referral_ids)).all()


def _changed(session: Session, settings: Settings, now: datetime,
             referral_ids: list[int] | None, result: Queued) -> None:
    """A change of time, told to a provider that was told of the referral before it."""
    for referral, appointment, was in _moves(session, now, referral_ids):
        told = session.execute(select(Message).where(
            Message.key == f"provider:served:{referral.id}")).scalar_one_or_none()
        if told is None or told.state == MessageState.CANCELLED \
                or as_utc(told.created_at) > as_utc(appointment.created_at):
            continue
        _email(settings, session, now, result, MessageKind.APPOINTMENT_CHANGED,
               f"provider:changed:{appointment.id}", referral, appointment, was)


def _withdrawn(session: Session, settings: Settings, now: datetime,
               referral_ids: list[int] | None, result: Queued) -> None:
    """A withdrawal, told to a provider that was told of the referral; one not yet told is
    simply never told (its pending email is cancelled)."""
    rows = session.execute(_only(
        select(Referral, Message).join(Message, Message.key == literal("provider:served:", String)
                                       + cast(Referral.id, String))
        .where(Referral.state == "withdrawn", Referral.updated_at >= now - LOOK_BACK),
        referral_ids)).all()
    for referral, told in rows:
        if told.state == MessageState.PENDING:
            cancel(session, told, now, "withdrawn before it was sent")
            result.cancelled += 1
            continue
        if told.state == MessageState.CANCELLED:
            continue
        appointment = session.execute(select(Appointment).where(  # the latest booked
            Appointment.referral_id == referral.id).order_by(Appointment.id.desc())
        ).scalars().first()
        _email(settings, session, now, result, MessageKind.REFERRAL_WITHDRAWN,
               f"provider:withdrawn:{referral.id}", referral, appointment)


def _to_person(session: Session, settings: Settings, now: datetime, result: Queued,
               kind: MessageKind, key: str, referral: Referral, appointment: Appointment,
               contact: PersonContact, due: datetime) -> None:
    channel = MessageChannel.NOTIFY_SMS if contact.mobile else MessageChannel.NOTIFY_EMAIL
    _add(session, now, result, key=key, kind=kind, channel=channel, referral_id=referral.id,
         appointment_id=appointment.id, recipient="person", due=due,
         body=personalisation(settings, reference=referral.reference,
                              at=appointment.scheduled_at, place=appointment.location))


def _reminders(session: Session, settings: Settings, now: datetime,
               referral_ids: list[int] | None, result: Queued) -> None:
    plan, tz = settings.notifications, settings.tz
    rows = session.execute(_only(
        select(Referral, Appointment, PersonContact)
        .join(Appointment, Appointment.referral_id == Referral.id)
        .join(PersonContact, PersonContact.referral_id == Referral.id)
        .where(PersonContact.reminders_agreed.is_(True), Referral.state.in_(RUNNING),
               Appointment.state == "booked", Appointment.scheduled_at > now,
               Appointment.scheduled_at <= now + timedelta(days=2)), referral_ids)).all()
    for referral, appointment, contact in rows:
        due = reminder_due(as_utc(appointment.scheduled_at).astimezone(tz), now.astimezone(tz),
                           plan.reminder_at, plan.earliest, plan.latest)
        if due is not None:
            _to_person(session, settings, now, result, MessageKind.REMINDER,
                       f"person:reminder:{appointment.id}", referral, appointment, contact, due)


def _person_changes(session: Session, settings: Settings, now: datetime,
                    referral_ids: list[int] | None, result: Queued) -> None:
    plan = settings.notifications
    for referral, appointment, _was in _moves(session, now, referral_ids):
        contact = session.execute(select(PersonContact).where(
            PersonContact.referral_id == referral.id,
            PersonContact.reminders_agreed.is_(True))).scalar_one_or_none()
        if contact is None or as_utc(contact.recorded_at) > as_utc(appointment.created_at):
            continue
        due = within_hours(now.astimezone(settings.tz), plan.earliest, plan.latest)
        _to_person(session, settings, now, result, MessageKind.CHANGE_NOTICE,
                   f"person:change:{appointment.id}", referral, appointment, contact, due)


def cancel(session: Session, message: Message, now: datetime, reason: str) -> None:
    """A message that must not go any more (audited, with the reason)."""
    before = message.state
    message.state, message.last_error, message.updated_at = (MessageState.CANCELLED, reason,
                                                             as_utc(now))
    session.add(message)
    record_change(session, at=as_utc(now), actor=ACTOR, entity="notification_message",
                  entity_id=message.id, action="cancelled",
                  changes={"state": [before, MessageState.CANCELLED.value],
                           "reason": [None, reason]})
