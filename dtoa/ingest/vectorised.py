"""The vectorised lane of a detentions file: the same batch as the per-row path, faster.

A file that can be read line by line (dtoa.ingest.blocks) is taken in block by block. In each
block, the rows the column checks vouch for (dtoa.ingest.detention_frame), whose key appears
once in the whole file and is not yet stored, are judged once per combination, hashed and
written straight from the columns. Every other row (a check failed, a line the reader must
read, a key repeated in the file, a key already stored: a correction or a repeat) goes to the
per-row path, its parser and its writer, in the same transaction: so every reject keeps the
line, column, value, reason and raw text the per-row path gives it, and every update is
audited as it always is. The tables come out the same as the per-row path makes them, but for
the surrogate ids of new rows (tests/test_ingest_lanes.py compares the two paths on the same
files, by natural key).

A file that cannot be read line by line (a quote, a bare carriage return) is left to the
per-row path whole; so are desk entries and the API, which never come here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import detention_frame as frames
from dtoa.ingest.blocks import LINE, Block, NotLineByLine, blocks
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_frame
from dtoa.ingest.csvfile import Record, RowError
from dtoa.ingest.reader import records_of_lines
from dtoa.ingest.writers import DETENTION, DETENTION_COLUMNS, OFFENCE
from dtoa.log import get_logger
from dtoa.rules.detention import JudgementCache, rules_fingerprint

log = get_logger("dtoa.ingest")
KINDS = frozenset({"detentions"})
STORED = ("id", "batch_id", "updated_at", *DETENTION_COLUMNS)
ParseChunk = Callable[[list[Record], list[RowError]], list[tuple[Record, dict]]]


@dataclass
class Lane:
    """A detentions file to be taken in block by block (see the module docstring)."""

    path: Path
    header: list[str]
    seen: dict = field(default_factory=dict)

    def take_in(self, session: Session, settings: Settings, spec, summary, *,  # noqa: ANN001
                now: datetime, chunk: int, parse: ParseChunk,
                progress: Callable[[int], None] | None = None) -> bool:
        """Take the file in, filling `summary` as the per-row path does; False (and nothing
        done) when the file must be read row by row."""
        limit = settings.ingest.max_field_chars
        if any(name.startswith("__") for name in self.header):
            return False
        try:
            repeated = _repeated_keys(self.path, self.header, chunk, limit)
        except NotLineByLine:
            return False
        cache, fingerprint = JudgementCache(settings), rules_fingerprint(settings)
        errors: list[RowError] = []
        for block in blocks(self.path, self.header, chunk, limit):
            checked = frames.checked(block.plain, self.header, settings, now)
            fast = _new_and_once(session, checked, repeated)
            records = self._records(block, fast, limit)
            summary.rows_read += fast.height + len(records)
            good = parse(records, errors)
            inserted, updated, unchanged, refused = spec.write(
                session, good, settings=settings, batch_id=summary.batch_id, now=now,
                seen=self.seen, entered_by=None)
            errors.extend(refused)
            inserted += _write(session, settings, fast, cache, summary.batch_id, now,
                               fingerprint)
            summary.rows_inserted += inserted
            summary.rows_updated += updated
            summary.rows_unchanged += unchanged
            if progress:
                progress(fast.height + len(records))
            log.info("batch.progress", kind=spec.name, batch_id=summary.batch_id,
                     rows=summary.rows_read, vectorised=fast.height)
        errors.sort(key=lambda e: e.line)
        summary.errors = tuple(errors)
        summary.rows_rejected = len(errors)
        return True

    def _records(self, block: Block, fast: pl.DataFrame, limit: int) -> list[Record]:
        """The block's rows left to the per-row path, as the one reader makes them."""
        slow = block.plain.join(fast.select(LINE), on=LINE, how="anti")
        records = [Record(row[0], dict(zip(self.header, fields := list(row[1:]), strict=True)),
                          fields=fields) for row in slow.iter_rows()]
        records.extend(records_of_lines(block.others, self.header, limit))
        records.sort(key=lambda record: record.line)
        return records


def _key(suites: pl.Expr, refs: pl.Expr) -> pl.Expr:
    return pl.concat_str([suites, refs], separator="\x1f").hash(seed=0)


def _repeated_keys(path: Path, header: list[str], chunk: int, limit: int) -> pl.Series:
    """The (hashed) natural keys found on more than one row of the file. All their rows go to
    the per-row path, which refuses or ignores the repeats as it always does; a hash that
    collides only sends a few more rows there. Raises NotLineByLine."""
    hashes = []
    for block in blocks(path, header, chunk, limit):
        hashes.append(block.plain.select(_key(
            pl.col("suite").str.strip_chars(" ").str.to_uppercase(),
            pl.col("custody_ref").str.strip_chars(" "))).to_series())
        others = [(r.values.get("suite", "").strip().upper(),
                   r.values.get("custody_ref", "").strip())
                  for r in records_of_lines(block.others, header, limit) if r.problem is None]
        if others:
            hashes.append(pl.DataFrame(others, schema=["s", "r"], orient="row").select(
                _key(pl.col("s"), pl.col("r"))).to_series())
    if not hashes:
        return pl.Series([], dtype=pl.UInt64)
    every = pl.concat(hashes)
    return every.filter(every.is_duplicated()).unique()


def _new_and_once(session: Session, checked: pl.DataFrame, repeated: pl.Series
                  ) -> pl.DataFrame:
    """The vouched rows whose key is once in the file and not yet stored."""
    candidates = checked.filter(
        pl.col("vouched") & ~_key(pl.col("suite"), pl.col("custody_ref")).is_in(repeated.implode()))
    if candidates.height == 0:
        return candidates
    stored = by_natural_key(session, DETENTION, (DETENTION.c.suite, DETENTION.c.custody_ref),
                            candidates.select("suite", "custody_ref").iter_rows())
    if not stored:
        return candidates
    known = pl.DataFrame([tuple(r) for r in stored], schema=["suite", "custody_ref"],
                         orient="row")
    return candidates.join(known, on=["suite", "custody_ref"], how="anti", maintain_order="left")


def _write(session: Session, settings: Settings, fast: pl.DataFrame, cache: JudgementCache,
           batch_id: int, now: datetime, fingerprint: str) -> int:
    if fast.height == 0:
        return 0
    judged, offences = frames.judged(fast, settings, cache)
    judged = frames.hashed(judged)
    ids = allocate_ids(session, DETENTION, judged.height)
    updated_at = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = frames.stored(judged, ids, batch_id, updated_at, fingerprint, STORED)
    insert_frame(session, DETENTION, rows)
    insert_frame(session, OFFENCE, frames.stored_offences(
        judged.with_columns(id=pl.Series(ids, dtype=pl.Int64)), offences))
    return judged.height
