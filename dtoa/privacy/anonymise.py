"""Anonymising a detention's file past its retention period, so the figures survive it.

The funnel of a past quarter counts detentions, tests, positives by drug, requirements,
attendance and prosecutions (`dtoa.store.funnel`); deleting old files would rewrite published
figures. So a file past its period keeps every fact the figures count (suite, arrest date,
the judgement, offence codes, outcomes, per-drug results, states, dates) and loses everything
that says who the person was or lets them be found again:

- direct identifiers: person reference, name, birth date (kept as an age band at arrest), home
  area, declared medication, the inspector's grounds;
- the keys that lead back to the custody system and the provider: the custody reference and the
  referral reference (replaced by `anonymised:<id>`), the row fingerprints and the batch;
- exact times that a custody record could be matched on (arrest, charge, authority, sample,
  service): kept to the day (local midnight);
- the names of the officers and the prosecutor's decision-maker;
- the letters and their PDFs (they state the person's details), and the audit events about the
  file (their old -> new values carry the same details; the retention run's own audit event
  records how many went).

An anonymised detention is never judged again (its times and age are no longer exact), and is
found by no custody reference a person would type. Nothing here commits: the caller's
transaction holds the whole file's anonymisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, delete, select, update
from sqlmodel import Session

from dtoa.models import (
    AuditEvent,
    Detention,
    DrugTest,
    Letter,
    ProsecutionCase,
    Referral,
)
from dtoa.privacy.files import chunks, gather
from dtoa.privacy.registry import Removal, Window
from dtoa.rules.retention import age_band

ANONYMISED = "anonymised"
DETENTION, TEST = Detention.__table__, DrugTest.__table__
REFERRAL, CASE = Referral.__table__, ProsecutionCase.__table__
LETTER, AUDIT = Letter.__table__, AuditEvent.__table__


def placeholder(row_id: int) -> str:
    """What replaces a custody or referral reference: unique, and no reference of a person."""
    return f"{ANONYMISED}:{row_id}"


def _day(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The instant kept to its local day: local midnight, in UTC."""
    if moment is None:
        return None
    local = moment.astimezone(tz).date()
    return datetime.combine(local, time(0), tzinfo=tz).astimezone(UTC)


def _rewrite(session: Session, table: Table, rows: list[dict]) -> int:
    """Set each row's values ({"id": ..., column: value}) in one executemany per chunk."""
    if not rows:
        return 0
    columns = [c for c in rows[0] if c != "id"]
    statement = (update(table).where(table.c.id == bindparam("row_id"))
                 .values({c: bindparam(f"v_{c}") for c in columns}))
    for chunk in chunks(rows):
        session.execute(statement, [{"row_id": r["id"], **{f"v_{c}": r[c] for c in columns}}
                                    for r in chunk])
    return len(rows)


def anonymise_files(session: Session, detention_ids: Sequence[int], window: Window) -> Removal:
    """Anonymise these detentions' files in the caller's transaction (see the module)."""
    files = gather(session, detention_ids)
    removal = Removal()
    outbox = window.settings.path("outbox")
    for chunk in chunks(files.letter):
        removal.files += [outbox / p for p in session.execute(
            select(LETTER.c.path).where(LETTER.c.id.in_(chunk))).scalars()]
        session.execute(delete(LETTER).where(LETTER.c.id.in_(chunk)))
    removal.delete("letter", len(files.letter))
    for entity, ids in files.by_entity().items():
        for chunk in chunks(ids):
            gone = session.execute(delete(AUDIT).where(AUDIT.c.entity == entity,
                                                       AUDIT.c.entity_id.in_(chunk)))
            removal.delete("audit_event", gone.rowcount)
    tz, now = window.settings.tz, window.now
    removal.anonymise("detention", _rewrite(session, DETENTION, [
        {"id": d.id, "custody_ref": placeholder(d.id), "person_ref": ANONYMISED,
         "person_name": None, "birth_date": None,
         "age_band": age_band(d.birth_date, d.arrest_date) if d.birth_date else d.age_band,
         "home_area": None, "authority_grounds": None, "authorising_inspector": None,
         "arrested_at": _day(d.arrested_at, tz), "charged_at": _day(d.charged_at, tz),
         "authorised_at": _day(d.authorised_at, tz), "row_hash": ANONYMISED,
         "batch_id": None, "anonymised_at": now, "updated_at": now}
        for chunk in chunks(files.detention) for d in session.execute(
            select(DETENTION).where(DETENTION.c.id.in_(chunk)))]))
    removal.anonymise("drug_test", _rewrite(session, TEST, [
        {"id": t.id, "tested_at": _day(t.tested_at, tz), "officer_ref": None,
         "declared_medication": None, "row_hash": ANONYMISED, "batch_id": None,
         "updated_at": now}
        for chunk in chunks(files.drug_test) for t in session.execute(
            select(TEST.c.id, TEST.c.tested_at).where(TEST.c.id.in_(chunk)))]))
    removal.anonymise("referral", _rewrite(session, REFERRAL, [
        {"id": r.id, "reference": placeholder(r.id), "served_by": None,
         "served_at": _day(r.served_at, tz), "created_at": _day(r.created_at, tz),
         "updated_at": now}
        for chunk in chunks(files.referral) for r in session.execute(
            select(REFERRAL.c.id, REFERRAL.c.served_at, REFERRAL.c.created_at)
            .where(REFERRAL.c.id.in_(chunk)))]))
    removal.anonymise("prosecution_case", _rewrite(session, CASE, [
        {"id": case_id, "decided_by": None, "updated_at": now}
        for case_id in files.prosecution_case]))
    return removal
