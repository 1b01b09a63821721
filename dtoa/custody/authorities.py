"""Inspectors' authorities recorded without the inspector's name.

PACE 1984 s.63C(3)-(4): an inspector's authority may be given orally and is recorded in the
custody record as soon as practicable after the sample, with its grounds. A detention marked as
authorised with no inspector named is therefore an incomplete record, not a missing authority:
it is in scope and eligible, flagged `authority_unrecorded`, and listed here for the custody
inspector to complete. Completing it is an audited change of the custody record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.models import Detention
from dtoa.store.audit import change


class AuthorityError(ValueError):
    """An authority that cannot be completed as asked, in words a custody inspector can act on."""


@dataclass(frozen=True)
class IncompleteAuthority:
    suite: str
    custody_ref: str
    arrested_at: datetime
    authorised_at: datetime | None


def incomplete_authorities(session: Session, suites: list[str] | None = None
                           ) -> list[IncompleteAuthority]:
    """Authorised detentions with no inspector named yet, oldest first."""
    d = Detention.__table__.c
    query = (select(d.suite, d.custody_ref, d.arrested_at, d.authorised_at)
             .where(d.authority_unrecorded.is_(True), d.anonymised_at.is_(None))
             .order_by(d.arrested_at, d.id))
    if suites is not None:
        query = query.where(d.suite.in_(suites))
    return [IncompleteAuthority(*row) for row in session.execute(query)]


def complete_authority(session: Session, *, suite: str, custody_ref: str, inspector: str,
                       grounds: str | None, at: datetime, actor: str) -> Detention:
    """Name the authorising inspector (and the grounds, when given) on an incomplete record."""
    inspector = inspector.strip()
    if not inspector:
        raise AuthorityError("name the inspector (rank and number or name) who gave the "
                             "authority")
    detention = session.execute(select(Detention).where(
        Detention.suite == suite.strip().upper(),
        Detention.custody_ref == custody_ref.strip())).scalar_one_or_none()
    if detention is None:
        raise AuthorityError(f"no detention {custody_ref} at {suite}")
    if not detention.inspector_authorised:
        raise AuthorityError("this detention has no inspector's authority to complete")
    if not detention.authority_unrecorded:
        raise AuthorityError("this authority is already recorded")
    values = {"authorising_inspector": inspector, "authority_unrecorded": False}
    if grounds and grounds.strip():
        values["authority_grounds"] = grounds.strip()
    change(session, detention, entity="detention", action="authority_completed",
           at=as_utc(at), actor=actor, **values)
    return detention
