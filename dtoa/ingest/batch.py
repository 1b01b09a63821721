"""One batch: a whole file (or one desk entry) committed whole or not at all.

Rows are parsed and checked one by one; good rows are written in chunks through bulk
statements (no per-row ORM work); bad rows are kept with line, column, value and reason, in the
database and in a rejects CSV beside the input. A file already taken in (same kind, same bytes)
is not taken in again, and a row equal to the stored one changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest import detentions as detention_rows
from dtoa.ingest import tests as test_rows
from dtoa.ingest.csvfile import FieldError, Record, RowError, read_records
from dtoa.ingest.samples import write_tests
from dtoa.ingest.writers import write_detentions
from dtoa.log import get_logger
from dtoa.models import IngestBatch, RejectedRow
from dtoa.rules.detention import rules_fingerprint
from dtoa.store import session_scope

log = get_logger("dtoa.ingest")
CHUNK = 5000


@dataclass
class BatchSummary:
    batch_id: int | None
    kind: str
    source: str
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    already_ingested: bool = False
    rejects_path: str | None = None
    errors: tuple[RowError, ...] = ()

    def as_log(self) -> dict:
        data = asdict(self)
        data.pop("errors")
        return data


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    parse: Callable[[Record, Settings, object], dict]
    write: Callable[..., tuple[int, int, int, list[RowError]]]


def _kinds(settings: Settings) -> dict[str, Kind]:
    fingerprint = rules_fingerprint(settings)
    return {
        "detentions": Kind(
            "detentions", detention_rows.REQUIRED,
            detention_rows.parser(settings, fingerprint),
            write_detentions,
        ),
        "tests": Kind("tests", test_rows.REQUIRED, test_rows.parse, write_tests),
        **_assessment_kinds(),
    }


def _assessment_kinds() -> dict[str, Kind]:
    """Provider outcomes and prosecution decisions (imported here: they build on this module)."""
    from dtoa.attendance import ingest as attendance_rows
    from dtoa.prosecution import ingest as decision_rows

    return {
        "attendance": Kind("attendance", attendance_rows.REQUIRED, attendance_rows.parse,
                           attendance_rows.write),
        "prosecutions": Kind("prosecutions", decision_rows.REQUIRED, decision_rows.parse,
                             decision_rows.write),
    }


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(engine: Engine, settings: Settings, clock: Clock, kind: str, path: Path,
                *, actor: str = "cli", progress: Callable[[int], None] | None = None
                ) -> BatchSummary:
    """Take in one CSV file of `kind` (detentions, tests, attendance or prosecutions)."""
    path = Path(path)
    header, records = read_records(path)
    summary = ingest_rows(engine, settings, clock, kind, records, header=header,
                          source=path.name, digest=file_digest(path), actor=actor,
                          progress=progress)
    if summary.errors and not summary.already_ingested:
        summary.rejects_path = str(write_rejects(path, summary.errors))
    return summary


def ingest_rows(engine: Engine, settings: Settings, clock: Clock, kind: str,
                records: Iterable[Record], *, header: list[str], source: str, digest: str,
                actor: str, progress: Callable[[int], None] | None = None,
                entered_by: str | None = None,
                admit: Callable[[Record], None] | None = None) -> BatchSummary:
    """Take in records of `kind` in one transaction; see the module docstring.

    `entered_by` names the person who typed a desk entry (CLI or web): every record it creates or
    changes is audited with that person as actor, in this same transaction. A file batch leaves
    it None: its new rows carry the batch id and its changes are audited as `batch:<id>`.
    `admit`, when given, may refuse a record before it is parsed by raising FieldError (a
    partner system's API token admits only its own suites or referrals)."""
    spec = _kinds(settings)[kind]
    started = time.perf_counter()
    now = clock.now()
    with session_scope(engine) as session:
        earlier = session.exec(select(IngestBatch).where(
            IngestBatch.kind == kind, IngestBatch.sha256 == digest)).first()
        if earlier is not None:
            log.info("batch.already_ingested", kind=kind, source=source, batch_id=earlier.id)
            return BatchSummary(earlier.id, kind, source, already_ingested=True)
        batch = IngestBatch(kind=kind, source=source, sha256=digest, actor=actor,
                            started_at=as_utc(now))
        session.add(batch)
        session.flush()
        summary = BatchSummary(batch.id, kind, source)
        missing = [c for c in spec.required if c not in header]
        errors: list[RowError] = []
        seen: dict = {}
        for chunk in _chunks(records, CHUNK):
            summary.rows_read += len(chunk)
            good = []
            for record in chunk:
                if missing:
                    errors.append(RowError(record.line, missing[0], "",
                                           f"the file has no {missing[0]} column", record.raw))
                    continue
                try:
                    if admit is not None:
                        admit(record)
                    good.append((record, spec.parse(record, settings, as_utc(now))))
                except FieldError as exc:
                    errors.append(RowError(record.line, exc.column, exc.value, exc.reason,
                                           record.raw))
            inserted, updated, unchanged, refused = spec.write(
                session, good, settings=settings, batch_id=batch.id, now=as_utc(now),
                seen=seen, entered_by=entered_by)
            errors.extend(refused)
            summary.rows_inserted += inserted
            summary.rows_updated += updated
            summary.rows_unchanged += unchanged
            if progress:
                progress(len(chunk))
            log.info("batch.progress", kind=kind, batch_id=batch.id, rows=summary.rows_read)
        errors.sort(key=lambda e: e.line)
        summary.errors = tuple(errors)
        summary.rows_rejected = len(errors)
        _keep_rejects(session, batch.id, errors)
        for field in ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged",
                      "rows_rejected"):
            setattr(batch, field, getattr(summary, field))
        batch.finished_at = as_utc(clock.now())
        session.add(batch)
    log.info("batch.committed", duration_s=round(time.perf_counter() - started, 3),
             **summary.as_log())
    return summary


def _keep_rejects(session: Session, batch_id: int, errors: list[RowError]) -> None:
    if errors:
        session.bulk_insert_mappings(RejectedRow, [
            {"batch_id": batch_id, "line": e.line, "column": e.column, "value": e.value,
             "reason": e.reason, "raw": e.raw} for e in errors
        ])


def write_rejects(path: Path, errors: Iterable[RowError]) -> Path:
    """`<name>.rejects.csv` beside the input, written whole then moved into place."""
    target = path.with_name(path.stem + ".rejects.csv")
    temporary = target.with_name(target.name + ".part")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "reason", "raw"])
        for error in errors:
            writer.writerow([error.line, error.column, error.value, error.reason, error.raw])
    os.replace(temporary, target)
    return target


def _chunks(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
