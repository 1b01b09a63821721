"""The person's contact details for reminders, recorded at the custody desk with the
requirement (`dtoa require-assessment --mobile/--email --reminders`, the desk's web form),
only when they agree. Kept while the referral is open and deleted when it closes
(`dtoa.rules.notify.referral_closed`); the audit trail says what was recorded or deleted,
never the number or the address, so nothing of them outlives the deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.models import PersonContact, ProsecutionCase, Referral
from dtoa.rules.notify import email_address, referral_closed, uk_mobile
from dtoa.store import record_change


class ContactError(ValueError):
    """Contact details that cannot be recorded, with the reason (`field` names the input)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Contact:
    """What the desk was given: both empty and not agreed means nothing to record."""

    mobile: str = ""
    email: str = ""
    agreed: bool = False

    def checked(self) -> tuple[str | None, str | None]:
        """The normalised mobile and email; ContactError when they cannot be kept."""
        mobile, email = self.mobile.strip(), self.email.strip()
        if not self.agreed:
            if mobile or email:
                raise ContactError("reminders", "the person did not agree to reminders: leave "
                                                "the mobile number and email address empty")
            return None, None
        if not (mobile or email):
            raise ContactError("mobile", "give a mobile number or an email address for the "
                                         "reminders the person agreed to")
        try:
            mobile = uk_mobile(mobile) if mobile else None
        except ValueError as exc:
            raise ContactError("mobile", str(exc)) from None
        try:
            email = email_address(email) if email else None
        except ValueError as exc:
            raise ContactError("email", str(exc)) from None
        return mobile, email


def record_contact(session: Session, referral: Referral, contact: Contact, *, now: datetime,
                   actor: str) -> PersonContact | None:
    """Record (or replace) the person's agreement and details, in the caller's transaction."""
    mobile, email = contact.checked()
    row = session.execute(select(PersonContact).where(
        PersonContact.referral_id == referral.id)).scalar_one_or_none()
    if row is None and not contact.agreed:
        return None
    now = as_utc(now)
    row = row or PersonContact(referral_id=referral.id, recorded_at=now, recorded_by=actor)
    before = {"reminders_agreed": row.reminders_agreed, "mobile": bool(row.mobile),
              "email": bool(row.email)}
    row.reminders_agreed, row.mobile, row.email = contact.agreed, mobile, email
    row.recorded_at, row.recorded_by = now, actor
    session.add(row)
    session.flush()
    after = {"reminders_agreed": contact.agreed, "mobile": bool(mobile), "email": bool(email)}
    record_change(session, at=now, actor=actor, entity="person_contact", entity_id=row.id,
                  action="recorded", changes={"referral_id": [None, referral.id],
                                              **{k: [before[k], v] for k, v in after.items()}})
    return row


def reminders_to(session: Session, referral_id: int) -> PersonContact | None:
    """The contact to remind, only with the person's agreement."""
    return session.execute(select(PersonContact).where(
        PersonContact.referral_id == referral_id,
        PersonContact.reminders_agreed.is_(True))).scalar_one_or_none()


def forget_closed(session: Session, now: datetime, actor: str = "pipeline:notifications",
                  referral_id: int | None = None) -> int:
    """Delete the contact details of every closed referral (or of the one named, when it is
    closed); returns how many. The notifications step sweeps them all each night, behind the
    state changes that call it for their own referral at the moment it closes."""
    cases = (select(ProsecutionCase.referral_id, func.count().label("cases"),
                    func.sum(case((ProsecutionCase.state == "open", 1), else_=0))
                    .label("open")).group_by(ProsecutionCase.referral_id).subquery())
    query = (select(PersonContact, Referral.state, cases.c.cases, cases.c.open)
             .join(Referral, Referral.id == PersonContact.referral_id)
             .outerjoin(cases, cases.c.referral_id == Referral.id))
    if referral_id is not None:
        session.flush()  # the caller's state change, so the referral is judged as it now is
        query = query.where(PersonContact.referral_id == referral_id)
    rows = session.execute(query).all()
    deleted = 0
    for contact, state, total, still_open in rows:
        if referral_closed(state, int(still_open or 0), int(total or 0)):
            record_change(session, at=as_utc(now), actor=actor, entity="person_contact",
                          entity_id=contact.id, action="deleted",
                          changes={"referral_id": [contact.referral_id, None],
                                   "reason": [None, f"referral {state}"]})
            session.delete(contact)
            deleted += 1
    return deleted
