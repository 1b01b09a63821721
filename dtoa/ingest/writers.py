"""Bulk write paths for ingest: look up a chunk's natural keys once, insert the new rows in one
statement, update and audit the changed ones, leave the unchanged ones alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import detentions as detention_rows
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_rows
from dtoa.ingest.csvfile import Record, RowError
from dtoa.models import Detention, DetentionOffence, DrugTest
from dtoa.rules.ages import age_on
from dtoa.rules.detention import JudgementCache
from dtoa.rules.eligibility import ADULT
from dtoa.store.audit import diff, record_change
from dtoa.store.judgements import DETENTION_FACTS, JUDGED, current_samples, rejudge

DETENTION = Detention.__table__
OFFENCE = DetentionOffence.__table__
TEST = DrugTest.__table__
AUDITED_DETENTION = detention_rows.INPUT_FIELDS + ("arrest_date", "local_time_ambiguous")

DETENTION_COLUMNS = (*detention_rows.HASHED, "row_hash", *JUDGED, "local_time_ambiguous",
                     "rules_version")
OFFENCE_COLUMNS = ("position", "code", "offence_key", "is_trigger", "finding")

Pairs = list[tuple[Record, dict]]


def judgements(seen: dict, settings: Settings) -> JudgementCache:
    """The file's one judgement cache, kept with its other per-file state."""
    cache = seen.get(_JUDGEMENTS)
    if cache is None:
        cache = seen[_JUDGEMENTS] = JudgementCache(settings)
    return cache


_JUDGEMENTS = object()


def _first_of_each_key(pairs: Pairs, seen: dict, what: str,
                       key: tuple[str, ...] = ("suite", "custody_ref")
                       ) -> tuple[Pairs, list[RowError]]:
    """A (suite, custody_ref) repeated within one file: an identical repeat is harmless; a
    different one is ambiguous and is refused, pointing at the line that came first.

    `seen` lives for the whole file, so it is kept small (a million rows must stay well under
    the memory budget): one text key and one integer holding the line and the 128-bit row
    hash together."""
    kept, errors = [], []
    for record, row in pairs:
        k = "\x1f".join(str(row[part]) for part in key)
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
        _update_detention(session, settings, stored, row, batch_id, now)
    if changed:  # a corrected record with a sample already taken is judged at that sample
        _rejudge_at_samples(session, judgements(seen, settings),
                            [known.id for known, _ in changed], batch_id, now)
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


def _update_detention(session: Session, settings: Settings, stored, row: dict,  # noqa: ANN001
                      batch_id: int, now: datetime) -> None:
    """The custody record's new facts, judged as without a sample (audited with the facts);
    `_rejudge_at_samples` then moves the judgement to the sample where there is one."""
    before = {k: getattr(stored, k) for k in (*AUDITED_DETENTION, *JUDGED)}
    session.execute(update(DETENTION).where(DETENTION.c.id == stored.id)
                    .values(**_table_values(row, batch_id, now)))
    session.execute(delete(OFFENCE).where(OFFENCE.c.detention_id == stored.id))
    if row["offences"]:
        session.execute(insert(OFFENCE), [dict(o, detention_id=stored.id)
                                          for o in row["offences"]])
    changes = diff(before, {k: row[k] for k in (*AUDITED_DETENTION, *JUDGED)})
    if changes:
        record_change(session, at=now, actor=f"batch:{batch_id}", entity="detention",
                      entity_id=stored.id, action="updated", changes=changes)
    if "birth_date" in changes:
        refresh_adult_at_sample(session, settings, stored.id, row["birth_date"])


def refresh_adult_at_sample(session: Session, settings: Settings, detention_id: int,
                            birth_date) -> None:  # noqa: ANN001
    """A corrected birth date: whether each sample was of a person 18 or over (s.9(1)(b))."""
    for test_id, tested_at in session.execute(select(TEST.c.id, TEST.c.tested_at).where(
            TEST.c.detention_id == detention_id)):
        adult = age_on(birth_date, tested_at.astimezone(settings.tz).date()) >= ADULT
        session.execute(update(TEST).where(TEST.c.id == test_id).values(adult_at_sample=adult))


def _rejudge_at_samples(session: Session, cache: JudgementCache, ids: list[int],
                        batch_id: int, now: datetime) -> None:
    samples = current_samples(session, ids)
    if not samples:
        return
    for stored in session.execute(select(*DETENTION_FACTS)
                                  .where(DETENTION.c.id.in_(list(samples)))):
        rejudge(session, cache, stored, samples[stored.id], now=now, actor=f"batch:{batch_id}")


