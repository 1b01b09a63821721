"""The audit trail of one record: every event about a detention's file (the detention, its
samples, the requirement, its appointments, letters and prosecution cases), oldest first, with
who, what, old -> new, and the reason a person gave."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from dtoa.models import AuditEvent, Detention, Referral
from dtoa.privacy.files import CaseFiles, audit_events, gather


class TrailError(ValueError):
    """No such record, or more than one: said in words a person can act on."""


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    entity: str
    entity_id: int
    action: str
    changes: dict[str, list[Any]]
    reason: str | None

    @classmethod
    def of(cls, event: AuditEvent) -> Entry:
        return cls(event.at, event.actor, event.entity, event.entity_id, event.action,
                   json.loads(event.changes), event.reason)


@dataclass(frozen=True)
class Trail:
    suite: str
    custody_ref: str
    references: tuple[str, ...]  # the referral's reference, when there is one
    files: CaseFiles
    entries: tuple[Entry, ...]


def find_detention(session: Session, *, reference: str | None = None,
                   custody_ref: str | None = None, suite: str | None = None) -> Detention:
    """The detention of a referral reference, or of a custody reference (at `suite`; needed
    only when two suites use the same custody reference)."""
    if reference:
        detention = session.execute(select(Detention).join(
            Referral, Referral.detention_id == Detention.id)
            .where(Referral.reference == reference.strip())).scalar_one_or_none()
        if detention is None:
            raise TrailError(f"no referral {reference}")
        return detention
    if not custody_ref:
        raise TrailError("give --reference, or --custody-ref (and --suite)")
    query = select(Detention).where(Detention.custody_ref == custody_ref.strip())
    if suite:
        query = query.where(Detention.suite == suite.strip().upper())
    found = session.execute(query.order_by(Detention.suite)).scalars().all()
    if not found:
        where = f" at {suite.upper()}" if suite else ""
        raise TrailError(f"no detention {custody_ref}{where}")
    if len(found) > 1:
        raise TrailError(f"custody reference {custody_ref} is used at "
                         f"{', '.join(d.suite for d in found)}: give --suite")
    return found[0]


def trail(session: Session, **which: str | None) -> Trail:
    """The trail of the file found by `find_detention(**which)`."""
    detention = find_detention(session, **which)
    files = gather(session, [detention.id])
    references = tuple(session.execute(select(Referral.reference).where(
        Referral.id.in_(files.referral))).scalars()) if files.referral else ()
    return Trail(detention.suite, detention.custody_ref, references, files,
                 tuple(Entry.of(e) for e in audit_events(session, files)))
