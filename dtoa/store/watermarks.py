"""Watermarks for the incremental nightly steps: how far each step has read the change signals.

Every change to a detention, a drug test, a referral or an appointment is audited
(`dtoa.store.audit`), so the audit trail is the change log; the one change it does not record
is a drug test taken in from a custody extract (inserted in bulk), so new drug test ids are the
second signal. A step reads the signals between its watermark and the newest committed id
(`newest`), does its work, and moves its watermark (`advance`) in the same transaction: a
failed night leaves the watermark where it was, and a re-run finds nothing new.

Ids are a safe watermark only if no id at or below the newest one read can still commit later.
SQLite has one writer at a time and hands out ids in commit order. PostgreSQL draws ids from
sequences before commit, so `newest` first takes a SHARE lock on both tables, which waits for
every transaction writing them to finish (and holds off new ones only while two maxima are
read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, text, union
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.models import AuditEvent, DrugTest, Referral, StepWatermark

AUDIT = AuditEvent.__table__
TEST = DrugTest.__table__
REFERRAL = Referral.__table__
LOCK_WAIT = "60s"  # PostgreSQL: how long `newest` waits for writers before the step fails


@dataclass(frozen=True)
class Marks:
    """A position in the change signals: the last audit event and the last drug test id."""

    audit_event_id: int
    drug_test_id: int


def newest(engine: Engine) -> Marks:
    """The newest committed audit event and drug test, such that nothing below them can still
    commit later (see the module docstring). Read in a short transaction of its own."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
            connection.execute(text("LOCK TABLE audit_event, drug_test IN SHARE MODE"))
        audit = connection.execute(select(func.max(AUDIT.c.id))).scalar()
        test = connection.execute(select(func.max(TEST.c.id))).scalar()
    return Marks(audit or 0, test or 0)


def watermark(session: Session, step: str) -> Marks | None:
    """Where `step` last finished successfully; None before its first run."""
    row = session.get(StepWatermark, step)
    return None if row is None else Marks(row.audit_event_id, row.drug_test_id)


def advance(session: Session, step: str, marks: Marks, now: datetime) -> None:
    """Move `step`'s watermark to `marks`, in the caller's transaction (so only on success)."""
    row = session.get(StepWatermark, step)
    if row is None:
        row = StepWatermark(step=step, audit_event_id=0, drug_test_id=0, updated_at=now)
    row.audit_event_id, row.drug_test_id, row.updated_at = (marks.audit_event_id,
                                                            marks.drug_test_id, now)
    session.add(row)


def _audited(entity: str, since: Marks, upto: Marks) -> Select:
    return select(AUDIT.c.entity_id).where(
        AUDIT.c.id > since.audit_event_id, AUDIT.c.id <= upto.audit_event_id,
        AUDIT.c.entity == entity)


def changed_detentions(since: Marks, upto: Marks) -> Select:
    """The ids of the detentions whose custody record, any of its drug tests or its referral
    changed between the two marks, or which gained a drug test (a further sample supersedes
    the first): a subquery, so the night's candidates are never all held in memory."""
    either = union(
        _audited("detention", since, upto),
        select(TEST.c.detention_id).where(TEST.c.id.in_(_audited("drug_test", since, upto))),
        select(REFERRAL.c.detention_id).where(
            REFERRAL.c.id.in_(_audited("referral", since, upto))),
        select(TEST.c.detention_id).where(TEST.c.id > since.drug_test_id,
                                          TEST.c.id <= upto.drug_test_id),
    ).subquery()
    return select(either.c.entity_id)


def changed(entity: str, since: Marks, upto: Marks) -> Select:
    """The ids of the `entity` rows audited between the two marks."""
    return _audited(entity, since, upto)
