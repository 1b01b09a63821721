"""Retention (DPA 2018 s.39) and subject access (s.45) for the tables notifications and the
partner API add, plugged into `dtoa.privacy` (its catalogue lists these kinds and sections):

- `notifications`: outbox messages, from when they were queued, and every message of a file
  once it is anonymised (a message states a referral's reference, which anonymising replaces);
- `reminder_contacts`: a person's contact details, normally deleted the moment the referral
  closes (dtoa.notify.contacts); this catches any left past the period, and any of a file
  once it is anonymised;
- `api_idempotency_keys`: the answers kept for Idempotency-Key replays (they can repeat the
  values a record was sent with), from when they were made.

Subject access exports the contact details held and the messages sent to the person."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlmodel import Session, SQLModel

from dtoa.models import ApiIdempotencyKey, Detention, Message, PersonContact, Referral
from dtoa.privacy.files import chunks
from dtoa.privacy.registry import Kind, Removal, Section, Window

M, C, K = Message.__table__.c, PersonContact.__table__.c, ApiIdempotencyKey.__table__.c
D, R = Detention.__table__.c, Referral.__table__.c


def _anonymised(referral_id):  # noqa: ANN001, ANN202
    return referral_id.in_(select(R.id).join(Detention.__table__, D.id == R.detention_id)
                           .where(D.anonymised_at.is_not(None)))


def _messages(session: Session, window: Window) -> list[int]:
    return list(session.execute(select(M.id).where(or_(
        M.created_at < window.cutoff("notifications"), _anonymised(M.referral_id)))
        .order_by(M.id)).scalars())


def _contacts(session: Session, window: Window) -> list[int]:
    return list(session.execute(select(C.id).where(or_(
        C.recorded_at < window.cutoff("reminder_contacts"), _anonymised(C.referral_id)))
        .order_by(C.id)).scalars())


def _keys(session: Session, window: Window) -> list[int]:
    return list(session.execute(select(K.id).where(
        K.created_at < window.cutoff("api_idempotency_keys")).order_by(K.id)).scalars())


def _deleter(model: type[SQLModel]):  # noqa: ANN202
    def remove(session: Session, ids: Sequence[int], window: Window) -> Removal:
        table = model.__table__
        for chunk in chunks(ids):
            session.execute(delete(table).where(table.c.id.in_(chunk)))
        removal = Removal()
        removal.delete(model.__tablename__, len(ids))
        return removal
    return remove


KINDS = (
    Kind("notifications", "emails to providers and reminders to people in the outbox, from "
         "when queued; all of a file's once it is anonymised", "1 year",
         "local policy: long enough to answer whether a reminder or an email went",
         "delete", _messages, _deleter(Message)),
    Kind("reminder_contacts", "a person's mobile number or email address for reminders, from "
         "when recorded (deleted at once when the referral closes)", "1 year",
         "local policy: needed only while appointments are reminded (UK GDPR art. 5(1)(e))",
         "delete", _contacts, _deleter(PersonContact)),
    Kind("api_idempotency_keys", "answers kept for Idempotency-Key replays, from when made",
         "7 days", "local policy: replays come within [api] idempotency_hours",
         "delete", _keys, _deleter(ApiIdempotencyKey)),
)


def _contact_rows(session: Session, _person: str, _suites: frozenset[str],
                  detention_ids: Sequence[int]) -> list[dict]:
    rows = session.execute(select(Referral.reference, PersonContact)
                           .join(PersonContact, PersonContact.referral_id == Referral.id)
                           .where(Referral.detention_id.in_(list(detention_ids)))).all()
    return [{"reference": reference, "reminders_agreed": c.reminders_agreed,
             "mobile": c.mobile, "email": c.email, "recorded_at": c.recorded_at,
             "recorded_by": c.recorded_by} for reference, c in rows]


def _message_rows(session: Session, _person: str, _suites: frozenset[str],
                  detention_ids: Sequence[int]) -> list[dict]:
    rows = session.execute(select(Referral.reference, Message)
                           .join(Message, Message.referral_id == Referral.id)
                           .where(Referral.detention_id.in_(list(detention_ids)),
                                  Message.recipient == "person")
                           .order_by(Message.id)).all()
    return [{"reference": reference, "kind": m.kind, "channel": m.channel, "state": m.state,
             "queued_at": m.created_at, "sent_at": m.sent_at, "said": m.body}
            for reference, m in rows]


SECTIONS = (Section("reminder_contacts", _contact_rows),
            Section("messages_to_the_person", _message_rows))
