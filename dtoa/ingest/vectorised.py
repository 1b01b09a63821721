"""The vectorised lane of a detentions or tests file: the same batch as the per-row path, faster.

A file that can be read line by line (dtoa.ingest.blocks) is taken in block by block. In each
block, the rows the column checks vouch for (dtoa.ingest.detention_frame, sample_frame) whose
custody record appears once in the whole file and whose stored state is simple (a detention
not yet stored; a sample of a stored detention that has none yet) are judged once per
combination, hashed and written straight from the columns. Every other row (a check failed, a
line the reader must read, a custody record repeated in the file, a record already stored: a
correction or a repeat) goes to the per-row path, its parser and its writer, in the same
transaction and in the same chunks of `CHUNK` rows as without the lane: so every reject keeps
the line, column, value, reason and raw text the per-row path gives it, and every update is
audited as it always is. The tables come out as the per-row path makes them, but for the
surrogate ids of new rows (tests/test_ingest_lanes.py compares the two paths on the same
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
from dtoa.ingest import detention_frame, sample_frame
from dtoa.ingest.blocks import LINE, Block, NotLineByLine, blocks, key_hash
from dtoa.ingest.csvfile import Record, RowError
from dtoa.ingest.reader import records_of_lines
from dtoa.log import get_logger
from dtoa.rules.detention import JudgementCache, rules_fingerprint

log = get_logger("dtoa.ingest")
FRAMES = {"detentions": detention_frame, "tests": sample_frame}
KINDS = frozenset(FRAMES)
ParseChunk = Callable[[list[Record], list[RowError]], list[tuple[Record, dict]]]


@dataclass
class Lane:
    """A file to be taken in block by block (see the module docstring)."""

    path: Path
    header: list[str]
    seen: dict = field(default_factory=dict)

    def take_in(self, session: Session, settings: Settings, spec, summary, *,  # noqa: ANN001
                now: datetime, chunk: int, parse: ParseChunk,
                progress: Callable[[int], None] | None = None) -> bool:
        """Take the file in, filling `summary` as the per-row path does; False (and nothing
        done) when the file must be read row by row."""
        frames = FRAMES[spec.name]
        limit = settings.ingest.max_field_chars
        if any(name.startswith("__") for name in self.header):
            return False
        try:
            repeated = _repeated_keys(self.path, self.header, chunk, limit)
        except NotLineByLine:
            return False
        cache, fingerprint = JudgementCache(settings), rules_fingerprint(settings)
        errors: list[RowError] = []
        slow = _Chunks(chunk)

        def per_row(records: list[Record]) -> None:
            good = parse(records, errors)
            inserted, updated, unchanged, refused = spec.write(
                session, good, settings=settings, batch_id=summary.batch_id, now=now,
                seen=self.seen, entered_by=None)
            errors.extend(refused)
            summary.rows_inserted += inserted
            summary.rows_updated += updated
            summary.rows_unchanged += unchanged

        for block in blocks(self.path, self.header, chunk, limit):
            checked = frames.checked(block.plain, self.header, settings, now)
            candidates = checked.filter(pl.col("vouched") & ~key_hash(
                pl.col("suite"), pl.col("custody_ref")).is_in(repeated.implode()))
            fast = frames.vouched(session, settings, candidates)
            records = self._records(block, fast, limit)
            summary.rows_read += fast.height + len(records)
            for ready in slow.add(fast[LINE].to_list(), records):
                per_row(ready)
            summary.rows_inserted += frames.write(session, settings, fast, cache=cache,
                                                  batch_id=summary.batch_id, now=now,
                                                  fingerprint=fingerprint)
            if progress:
                progress(fast.height + len(records))
            log.info("batch.progress", kind=spec.name, batch_id=summary.batch_id,
                     rows=summary.rows_read, vectorised=fast.height)
        if slow.rest:
            per_row(slow.rest)
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


class _Chunks:
    """The per-row path's chunks, exactly: the file's rows counted `size` at a time (vouched
    ones included), and the rows left to the per-row path grouped by the chunk they fall in,
    so that what it decides per chunk (a further sample after its first) comes out the same."""

    def __init__(self, size: int) -> None:
        self.size, self.counted, self.rest = size, 0, []
        self.current = 0

    def add(self, fast_lines: list[int], records: list[Record]) -> list[list[Record]]:
        ready = []
        lines = sorted([(line, None) for line in fast_lines]
                       + [(record.line, record) for record in records], key=lambda x: x[0])
        for _, record in lines:
            number = self.counted // self.size
            if number != self.current:
                if self.rest:
                    ready.append(self.rest)
                self.rest, self.current = [], number
            if record is not None:
                self.rest.append(record)
            self.counted += 1
        return ready


def _repeated_keys(path: Path, header: list[str], chunk: int, limit: int) -> pl.Series:
    """The (hashed) custody records, (suite, custody_ref), found on more than one row of the
    file. All their rows go to the per-row path, which refuses, ignores or orders the repeats
    as it always does; a hash that collides only sends a few more rows there. Raises
    NotLineByLine."""
    hashes = []
    for block in blocks(path, header, chunk, limit):
        hashes.append(block.plain.select(key_hash(
            pl.col("suite").str.strip_chars(" ").str.to_uppercase(),
            pl.col("custody_ref").str.strip_chars(" "))).to_series())
        others = [((r.values.get("suite") or "").strip().upper(),
                   (r.values.get("custody_ref") or "").strip())
                  for r in records_of_lines(block.others, header, limit) if r.problem is None]
        if others:
            hashes.append(pl.DataFrame(others, schema=["s", "r"], orient="row").select(
                key_hash(pl.col("s"), pl.col("r"))).to_series())
    if not hashes:
        return pl.Series([], dtype=pl.UInt64)
    every = pl.concat(hashes)
    return every.filter(every.is_duplicated()).unique()
