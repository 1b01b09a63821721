"""Finding the referral an outcome or a decision is about: by its reference, or by the custody
record it came from (suite and custody reference)."""

from __future__ import annotations

from sqlmodel import Session, select

from dtoa.ingest.csvfile import FieldError
from dtoa.models import Appointment, Detention, Referral


def find_referral(session: Session, *, reference: str | None = None, suite: str | None = None,
                  custody_ref: str | None = None) -> Referral:
    """The referral, or a FieldError naming the column that did not match."""
    if reference:
        referral = session.exec(select(Referral).where(Referral.reference == reference)).first()
        if referral is None:
            raise FieldError("reference", reference, f"no referral {reference}")
        return referral
    if not (suite and custody_ref):
        raise FieldError("reference", "", "give reference, or suite and custody_ref")
    referral = session.exec(
        select(Referral).join(Detention, Detention.id == Referral.detention_id)
        .where(Detention.suite == suite, Detention.custody_ref == custody_ref)).first()
    if referral is None:
        raise FieldError("custody_ref", custody_ref,
                         f"no referral for detention {suite}/{custody_ref}")
    return referral


def appointments_of(session: Session, referral_id: int, kind: str) -> list[Appointment]:
    """A referral's appointments of one kind, newest first (a reschedule adds a newer one)."""
    return list(session.exec(
        select(Appointment).where(Appointment.referral_id == referral_id,
                                  Appointment.kind == kind)
        .order_by(Appointment.id.desc())))
