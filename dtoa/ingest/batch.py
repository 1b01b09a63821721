"""One batch: a whole file (or one desk entry) committed whole or not at all.

Rows are parsed and checked one by one; good rows are written in chunks through bulk
statements (no per-row ORM work); bad rows are kept with line, column, value and reason, in the
database and in a rejects CSV beside the input; rows the reader could not read arrive as
records with a `problem` (dtoa.ingest.reader) and are kept the same way. A file already taken
in (same kind, same bytes) is not taken in again unless a later batch of the kind changed
stored records since; a row equal to the stored one changes nothing, and a row that differs
from it is applied and audited, whatever it held before.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dtoa import csvout
from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest import detentions as detention_rows
from dtoa.ingest import tests as test_rows
from dtoa.ingest.csvfile import FieldError, Record, RowError
from dtoa.ingest.reader import FileRefused, open_regular, read_records
from dtoa.ingest.samples import write_tests
from dtoa.ingest.writers import write_detentions
from dtoa.log import get_logger
from dtoa.models import IngestBatch, RejectedRow
from dtoa.rules.detention import rules_fingerprint
from dtoa.store import session_scope
from dtoa.store.locks import exclusive

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


def required_columns(kind: str) -> tuple[str, ...]:
    """The columns a file of `kind` must name in its header."""
    if kind == "detentions":
        return detention_rows.REQUIRED
    if kind == "tests":
        return test_rows.REQUIRED
    return _assessment_kinds()[kind].required


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(engine: Engine, settings: Settings, clock: Clock, kind: str, path: Path,
                *, actor: str = "cli", progress: Callable[[int], None] | None = None
                ) -> BatchSummary:
    """Take in one CSV file of `kind` (detentions, tests, attendance or prosecutions). Raises
    FileRefused, with its one reason also written to the rejects file, when the file cannot be
    read as such a CSV at all."""
    path = Path(path)
    try:
        header, records = read_records(path, required=required_columns(kind),
                                       max_field_chars=settings.ingest.max_field_chars)
    except FileRefused as refused:
        log.warning("file.refused", kind=kind, source=path.name, reason=refused.reason)
        if path.is_file():
            refused.rejects_path = _rejects_if_possible(path, [refused.error])
        raise
    try:
        summary = ingest_rows(engine, settings, clock, kind, records, header=header,
                              source=path.name, digest=file_digest(path), actor=actor,
                              progress=progress)
    finally:
        records.close()
    if summary.errors and not summary.already_ingested:
        summary.rejects_path = str(write_rejects(path, summary.errors))
    return summary


def ingest_rows(engine: Engine, settings: Settings, clock: Clock, kind: str,
                records: Iterable[Record], *, header: list[str], source: str, digest: str,
                actor: str, progress: Callable[[int], None] | None = None,
                entered_by: str | None = None,
                admit: Callable[[Record], None] | None = None,
                keep_refused: bool = False) -> BatchSummary:
    """Take in records of `kind` in one transaction; see the module docstring.

    `entered_by` names the person who typed a desk entry (CLI or web): every record it creates or
    changes is audited with that person as actor, in this same transaction. A desk entry is
    compared with the stored record whatever was entered before, and one that is refused makes
    no batch (it is tried first in a transaction that is rolled back). A file batch leaves it
    None: its new rows carry the batch id and its changes are audited as `batch:<id>`.

    Ingests of one kind take turns (`[ingest] lock_wait_seconds`, then LockTimeout). `admit`,
    when given, may refuse a record before it is parsed by raising FieldError (a partner
    system's API token admits only its own suites or referrals). `keep_refused` makes a batch of
    entries (the API's) behave as a file does: good records are stored and refused ones kept as
    rejected rows, rather than the whole entry being refused with no batch."""
    spec = _kinds(settings)[kind]
    missing = [c for c in spec.required if c not in header]
    if missing:
        raise FileRefused("no " + ", ".join(missing) + " column", column=missing[0])
    with exclusive(engine, f"ingest-{kind}", timeout_s=settings.ingest.lock_wait_seconds):
        if entered_by is not None and not keep_refused:
            records = list(records)
            refused = _desk_trial(engine, settings, clock, spec, records, entered_by, admit)
            if refused:
                log.info("desk_entry.refused", kind=kind, rows_rejected=len(refused))
                return BatchSummary(None, kind, source, rows_read=len(records),
                                    rows_rejected=len(refused), errors=tuple(refused))
        return _commit(engine, settings, clock, spec, records, source=source, digest=digest,
                       actor=actor, progress=progress, entered_by=entered_by, admit=admit)


def _desk_trial(engine: Engine, settings: Settings, clock: Clock, spec: Kind,
                records: list[Record], entered_by: str,
                admit: Callable[[Record], None] | None) -> list[RowError]:
    """A desk entry's checks, run in full in a transaction that is then rolled back."""
    with Session(engine) as session:
        try:
            trial = BatchSummary(None, spec.name, "desk")
            _take_in(session, settings, spec, records, trial, now=as_utc(clock.now()),
                     entered_by=entered_by, admit=admit)
            return list(trial.errors)
        finally:
            session.rollback()


def _commit(engine: Engine, settings: Settings, clock: Clock, spec: Kind,
            records: Iterable[Record], *, source: str, digest: str, actor: str,
            progress: Callable[[int], None] | None, entered_by: str | None,
            admit: Callable[[Record], None] | None = None) -> BatchSummary:
    started = time.perf_counter()
    now = as_utc(clock.now())
    with session_scope(engine) as session:
        earlier = None if entered_by else _taken_in_before(session, spec.name, digest)
        if earlier is not None:
            log.info("batch.already_ingested", kind=spec.name, source=source,
                     batch_id=earlier.id, rows_rejected=earlier.rows_rejected)
            return BatchSummary(earlier.id, spec.name, source, rows_read=earlier.rows_read,
                                rows_rejected=earlier.rows_rejected, already_ingested=True)
        batch = IngestBatch(kind=spec.name, source=source, sha256=digest, actor=actor,
                            started_at=now)
        session.add(batch)
        session.flush()
        summary = BatchSummary(batch.id, spec.name, source)
        _take_in(session, settings, spec, records, summary, now=now, entered_by=entered_by,
                 progress=progress, admit=admit)
        _keep_rejects(session, batch.id, summary.errors)
        for field in ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged",
                      "rows_rejected"):
            setattr(batch, field, getattr(summary, field))
        batch.finished_at = as_utc(clock.now())
        session.add(batch)
    log.info("batch.committed", duration_s=round(time.perf_counter() - started, 3),
             **summary.as_log())
    return summary


def _taken_in_before(session: Session, kind: str, digest: str) -> IngestBatch | None:
    """The last batch of these very bytes, unless a later batch of the kind changed stored
    records since (then the file is taken in again: its rows may be corrections back to what
    it says)."""
    earlier = session.exec(select(IngestBatch).where(
        IngestBatch.kind == kind, IngestBatch.sha256 == digest)
        .order_by(IngestBatch.id.desc())).first()
    if earlier is None:
        return None
    changed_since = session.exec(select(IngestBatch.id).where(
        IngestBatch.kind == kind, IngestBatch.id > earlier.id,
        IngestBatch.rows_updated > 0)).first()
    return None if changed_since is not None else earlier


def _take_in(session: Session, settings: Settings, spec: Kind, records: Iterable[Record],
             summary: BatchSummary, *, now: datetime, entered_by: str | None,
             progress: Callable[[int], None] | None = None,
             admit: Callable[[Record], None] | None = None) -> None:
    """Parse, check and write `records` in chunks; counts and kept errors go into `summary`."""
    errors: list[RowError] = []
    seen: dict = {}
    for chunk in _chunks(records, CHUNK):
        summary.rows_read += len(chunk)
        good = []
        for record in chunk:
            if record.problem is not None:
                errors.append(record.problem)
                continue
            try:
                if admit is not None:
                    admit(record)
                good.append((record, spec.parse(record, settings, now)))
            except FieldError as exc:
                errors.append(RowError(record.line, exc.column, exc.value, exc.reason,
                                       record.raw))
        inserted, updated, unchanged, refused = spec.write(
            session, good, settings=settings, batch_id=summary.batch_id, now=now,
            seen=seen, entered_by=entered_by)
        errors.extend(refused)
        summary.rows_inserted += inserted
        summary.rows_updated += updated
        summary.rows_unchanged += unchanged
        if progress:
            progress(len(chunk))
        if summary.batch_id is not None:
            log.info("batch.progress", kind=spec.name, batch_id=summary.batch_id,
                     rows=summary.rows_read)
    errors.sort(key=lambda e: e.line)
    summary.errors = tuple(errors)
    summary.rows_rejected = len(errors)


def _keep_rejects(session: Session, batch_id: int, errors: Iterable[RowError]) -> None:
    rows = [{"batch_id": batch_id, "line": e.line, "column": e.column, "value": e.value,
             "reason": e.reason, "raw": e.raw} for e in errors]
    if rows:
        session.bulk_insert_mappings(RejectedRow, rows)


def write_rejects(path: Path, errors: Iterable[RowError]) -> Path:
    """`<name>.rejects.csv` beside the input, written whole then moved into place; cells a
    spreadsheet would run as a formula are neutralised (dtoa.csvout)."""
    target = path.with_name(path.stem + ".rejects.csv")
    temporary = target.with_name(target.name + ".part")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csvout.writer(handle)
        writer.writerow(["line", "column", "value", "reason", "raw"])
        for error in errors:
            writer.writerow([error.line, error.column, error.value, error.reason, error.raw])
    os.replace(temporary, target)
    return target


def _rejects_if_possible(path: Path, errors: list[RowError]) -> Path | None:
    try:
        return write_rejects(path, errors)
    except OSError:
        return None


def _chunks(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
