"""A detention's file: the custody episode and everything that hangs on it (its offences,
samples and per-drug results, the requirement to attend assessment, its appointments, letters
and prosecution cases). Retention anonymises a file as a whole, subject access exports the files
of one person, and the audit trail follows one file; this is the one place that gathers it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import select
from sqlmodel import Session

from dtoa.models import (
    Appointment,
    AuditEvent,
    DrugTest,
    Letter,
    ProsecutionCase,
    Referral,
)

CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits


def chunks(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class CaseFiles:
    """The ids of every record in some detentions' files, by audit entity (= table) name."""

    detention: list[int] = field(default_factory=list)
    drug_test: list[int] = field(default_factory=list)
    referral: list[int] = field(default_factory=list)
    appointment: list[int] = field(default_factory=list)
    prosecution_case: list[int] = field(default_factory=list)
    letter: list[int] = field(default_factory=list)

    def by_entity(self) -> dict[str, list[int]]:
        return {name: list(ids) for name, ids in vars(self).items()}


def gather(session: Session, detention_ids: Sequence[int]) -> CaseFiles:
    """The files of these detentions (ids in ascending order)."""
    found = CaseFiles(detention=sorted(detention_ids))
    for chunk in chunks(found.detention):
        found.drug_test += session.execute(select(DrugTest.id).where(
            DrugTest.detention_id.in_(chunk))).scalars().all()
        found.referral += session.execute(select(Referral.id).where(
            Referral.detention_id.in_(chunk))).scalars().all()
    for chunk in chunks(found.referral):
        found.appointment += session.execute(select(Appointment.id).where(
            Appointment.referral_id.in_(chunk))).scalars().all()
        found.prosecution_case += session.execute(select(ProsecutionCase.id).where(
            ProsecutionCase.referral_id.in_(chunk))).scalars().all()
        found.letter += session.execute(select(Letter.id).where(
            Letter.referral_id.in_(chunk))).scalars().all()
    for ids in vars(found).values():
        ids.sort()
    return found


def audit_events(session: Session, files: CaseFiles) -> list[AuditEvent]:
    """Every audit event about a record of these files, oldest first."""
    events: list[AuditEvent] = []
    for entity, ids in files.by_entity().items():
        for chunk in chunks(ids):
            events += session.execute(select(AuditEvent).where(
                AuditEvent.entity == entity, AuditEvent.entity_id.in_(chunk))).scalars().all()
    return sorted(events, key=lambda e: (e.at, e.id))

