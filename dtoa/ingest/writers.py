"""Bulk write paths for ingest: look up a chunk's natural keys once, insert the new rows in one
statement, update and audit the changed ones, leave the unchanged ones alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import detentions as detention_rows
from dtoa.ingest import tests as test_rows
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_rows
from dtoa.ingest.csvfile import FieldError, Record, RowError
from dtoa.models import Detention, DetentionOffence, DrugTest
from dtoa.referrals import extract as requirement
from dtoa.store.audit import diff, record_change

DETENTION = Detention.__table__
OFFENCE = DetentionOffence.__table__
TEST = DrugTest.__table__
AUDITED_DETENTION = detention_rows.INPUT_FIELDS + (
    "arrest_date", "in_scope", "eligible", "under_age", "ineligible_reason", "route",
    "trigger_offence")
AUDITED_TEST = ("tested_at", "outcome", "cocaine", "opiates", "result", "not_tested_reason",
                "officer_ref", "appropriate_adult", "disputed", "declared_medication")

DETENTION_COLUMNS = (*detention_rows.HASHED, "row_hash", "in_scope", "eligible", "under_age",
                     "ineligible_reason", "route", "trigger_offence", "rules_version")
OFFENCE_COLUMNS = ("position", "code", "offence_key", "is_trigger", "finding")
TEST_COLUMNS = ("detention_id", "batch_id", "updated_at", "tested_at", "outcome", "cocaine",
                "opiates", "result", "not_tested_reason", "officer_ref", "appropriate_adult",
                "disputed", "declared_medication", "row_hash")

Pairs = list[tuple[Record, dict]]


def _first_of_each_key(pairs: Pairs, seen: dict, what: str) -> tuple[Pairs, list[RowError]]:
    """A (suite, custody_ref) repeated within one file: an identical repeat is harmless; a
    different one is ambiguous and is refused, pointing at the line that came first.

    `seen` lives for the whole file, so it is kept small (a million rows must stay well under
    the memory budget): one text key and one integer holding the line and the 128-bit row
    hash together."""
    kept, errors = [], []
    for record, row in pairs:
        k = row["suite"] + "\x1f" + row["custody_ref"]
        digest = int(row["row_hash"], 16)
        earlier = seen.get(k)
        if earlier is not None:
            if earlier & _DIGEST != digest:
                errors.append(RowError(
                    record.line, "custody_ref", row["custody_ref"],
                    f"{what} {row['suite']}/{row['custody_ref']} is already on line "
                    f"{earlier >> 128} of this file with different values", record.raw))
            continue
        seen[k] = record.line << 128 | digest
        kept.append((record, row))
    return kept, errors


_DIGEST = (1 << 128) - 1


def write_detentions(session: Session, pairs: Pairs, *, settings: Settings, batch_id: int,
                     now: datetime, seen: dict,
                     entered_by: str | None = None) -> tuple[int, int, int, list[RowError]]:
    pairs, errors = _first_of_each_key(pairs, seen, "detention")
    if not pairs:
        return 0, 0, 0, errors
    existing = {
        (r.suite, r.custody_ref): r
        for r in by_natural_key(session, DETENTION, (
            DETENTION.c.id, DETENTION.c.suite, DETENTION.c.custody_ref, DETENTION.c.row_hash,
            DETENTION.c.rules_version), {(row["suite"], row["custody_ref"]) for _, row in pairs})
    }
    new, changed, unchanged = [], [], 0
    for _, row in pairs:
        stored = existing.get((row["suite"], row["custody_ref"]))
        if stored is None:
            new.append(row)
        elif stored.row_hash != row["row_hash"] or stored.rules_version != row["rules_version"]:
            changed.append((stored, row))
        else:
            unchanged += 1
    if new:
        _insert_detentions(session, new, batch_id, now)
    for known, row in changed:
        stored = session.execute(select(DETENTION).where(DETENTION.c.id == known.id)).one()
        _update_detention(session, stored, row, batch_id, now)
    return len(new), len(changed), unchanged, errors


def _table_values(row: dict, batch_id: int, now: datetime) -> dict:
    values = {k: v for k, v in row.items() if k != "offences"}
    values.update(batch_id=batch_id, updated_at=now)
    return values


def _insert_detentions(session: Session, rows: list[dict], batch_id: int, now: datetime) -> None:
    """New detentions and their offences, through the bulk lane: ids are drawn first so each
    offence row carries its detention's id without reading anything back."""
    ids = allocate_ids(session, DETENTION, len(rows))
    columns = DETENTION_COLUMNS
    insert_rows(session, DETENTION, ("id", "batch_id", "updated_at", *columns), (
        (i, batch_id, now, *[row[c] for c in columns]) for i, row in zip(ids, rows, strict=True)))
    insert_rows(session, OFFENCE, ("detention_id", *OFFENCE_COLUMNS), (
        (i, *[o[c] for c in OFFENCE_COLUMNS])
        for i, row in zip(ids, rows, strict=True) for o in row["offences"]))


def _update_detention(session: Session, stored, row: dict, batch_id: int, now: datetime) -> None:  # noqa: ANN001
    before = {k: getattr(stored, k) for k in AUDITED_DETENTION}
    session.execute(update(DETENTION).where(DETENTION.c.id == stored.id)
                    .values(**_table_values(row, batch_id, now)))
    session.execute(delete(OFFENCE).where(OFFENCE.c.detention_id == stored.id))
    if row["offences"]:
        session.execute(insert(OFFENCE), [dict(o, detention_id=stored.id)
                                          for o in row["offences"]])
    changes = diff(before, {k: row[k] for k in AUDITED_DETENTION})
    if changes:
        record_change(session, at=now, actor=f"batch:{batch_id}", entity="detention",
                      entity_id=stored.id, action="updated", changes=changes)


def write_tests(session: Session, pairs: Pairs, *, settings: Settings, batch_id: int,
                now: datetime, seen: dict,
                entered_by: str | None = None) -> tuple[int, int, int, list[RowError]]:
    pairs, errors = _first_of_each_key(pairs, seen, "the test of detention")
    if not pairs:
        return 0, 0, 0, errors
    facts, stored_tests = {}, {}
    for r in by_natural_key(session, DETENTION, (
            DETENTION.c.id, DETENTION.c.suite, DETENTION.c.custody_ref, DETENTION.c.arrested_at,
            DETENTION.c.birth_date, DETENTION.c.eligible, DETENTION.c.ineligible_reason,
            TEST.c.id.label("test_id"), TEST.c.row_hash.label("test_hash")),
            {(row["suite"], row["custody_ref"]) for _, row in pairs},
            outer=(TEST, TEST.c.detention_id == DETENTION.c.id)):
        facts[(r.suite, r.custody_ref)] = test_rows.DetentionFacts(
            r.id, r.arrested_at, r.birth_date, r.eligible, r.ineligible_reason)
        if r.test_id is not None:
            stored_tests[r.id] = r
    new, changed, unchanged, served = [], [], 0, []
    for record, row in pairs:
        detention = facts.get((row["suite"], row["custody_ref"]))
        if detention is None:
            errors.append(RowError(record.line, "custody_ref", row["custody_ref"],
                                   f"no detention {row['suite']}/{row['custody_ref']}: "
                                   "take in the detentions extract first", record.raw))
            continue
        try:
            test_rows.check_against(row, detention, settings)
            requirement.check_requirement(row, detention, settings)
        except FieldError as exc:
            errors.append(RowError(record.line, exc.column, exc.value, exc.reason, record.raw))
            continue
        if requirement.REQUIREMENT in row:
            served.append((detention.id, row.pop(requirement.REQUIREMENT)))
        values = {k: v for k, v in row.items() if k not in ("suite", "custody_ref")}
        values.update(detention_id=detention.id, batch_id=batch_id, updated_at=now)
        stored = stored_tests.get(detention.id)
        if stored is None:
            new.append(values)
        elif stored.test_hash != row["row_hash"]:
            changed.append((stored, values))
        else:
            unchanged += 1
    actor = entered_by or f"batch:{batch_id}"
    if new:
        insert_rows(session, TEST, TEST_COLUMNS, ([v[c] for c in TEST_COLUMNS] for v in new))
        if entered_by:
            _audit_created_tests(session, new, actor, now)
    for known, values in changed:
        stored = session.execute(select(TEST).where(TEST.c.id == known.test_id)).one()
        session.execute(update(TEST).where(TEST.c.id == stored.id).values(**values))
        changes = diff({k: getattr(stored, k) for k in AUDITED_TEST},
                       {k: values[k] for k in AUDITED_TEST})
        record_change(session, at=now, actor=actor, entity="drug_test",
                      entity_id=stored.id, action="updated", changes=changes)
    requirement.record_requirements(session, settings, served, now=now, actor=actor)
    return len(new), len(changed), unchanged, errors


def _audit_created_tests(session: Session, new: list[dict], actor: str, now: datetime) -> None:
    """A desk entry's new test, audited with the person who entered it as actor."""
    by_detention = {v["detention_id"]: v for v in new}
    for test_id, detention_id in session.execute(
            select(TEST.c.id, TEST.c.detention_id)
            .where(TEST.c.detention_id.in_(list(by_detention)))):
        values = by_detention[detention_id]
        record_change(session, at=now, actor=actor, entity="drug_test", entity_id=test_id,
                      action="created", changes=diff({}, {k: values[k] for k in AUDITED_TEST}))
