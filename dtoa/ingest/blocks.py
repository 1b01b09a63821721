"""A CSV file read as blocks of columns, for the vectorised ingest (dtoa.ingest.vectorised).

Only a file without a quote character and without a bare carriage return is read this way:
then each physical line is one row and its fields are the text between commas, so a block of
lines can be split into columns with no CSV parser at all. Within a block, a line is *plain*
when it holds only printable ASCII (no NUL, tab or other control byte), has the header's number
of fields and no field longer than `[ingest] max_field_chars`; every other line is handed back,
numbered, for the one CSV reader to read as it always does (`reader.records_of_lines`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import polars as pl

from dtoa.ingest.reader import LINE_FIELDS, open_regular

PRINTABLE = bytes(range(0x20, 0x7F))
LINE = "__line"


@dataclass
class Block:
    """Some consecutive lines of the file: the plain ones as a frame of text columns (named
    by the header, plus their line number), the others as (line number, text)."""

    first_line: int
    plain: pl.DataFrame
    others: list[tuple[int, str]]


class NotLineByLine(Exception):
    """The file holds a quote, a bare carriage return or an overlong line: it is read by the
    one CSV reader, row by row."""


def blocks(path: Path, header: list[str], size: int, max_field_chars: int) -> Iterator[Block]:
    """The data lines of the file (after the header) in blocks of `size` lines. Raises
    NotLineByLine, before its block is handed on, when the file cannot be read this way."""
    width = len(header)
    longest = max_field_chars * LINE_FIELDS
    with open_regular(path) as handle:
        _check([handle.readline()], longest)
        number = 2
        while lines := list(islice(handle, size)):
            _check(lines, longest)
            yield _block(lines, number, header, width, max_field_chars)
            number += len(lines)


def _check(lines: list[bytes], longest: int) -> None:
    whole = b"".join(lines)
    last = lines[-1]
    if (b'"' in whole or whole.count(b"\r") != whole.count(b"\r\n") or last.endswith(b"\r")
            or max(map(len, lines)) >= longest):
        raise NotLineByLine


def _block(lines: list[bytes], first: int, header: list[str], width: int,
           max_field_chars: int) -> Block:
    texts, numbers, others = [], [], []
    whole = b"".join(lines)
    if whole.isascii() and not whole.translate(None, PRINTABLE + b"\r\n"):
        texts = whole.decode("ascii").replace("\r\n", "\n").split("\n")
        if texts and texts[-1] == "":
            texts.pop()
        numbers = range(first, first + len(texts))
    else:
        kept = []
        for offset, line in enumerate(lines):
            body = line.rstrip(b"\n")
            body = body[:-1] if body.endswith(b"\r") else body
            if body.isascii() and not body.translate(None, PRINTABLE):
                kept.append((first + offset, body.decode("ascii")))
            else:
                others.append((first + offset, line.decode("utf-8", "surrogateescape")))
        numbers = [n for n, _ in kept]
        texts = [t for _, t in kept]
    frame = pl.DataFrame({LINE: pl.Series(numbers, dtype=pl.Int64),
                          "text": pl.Series(texts, dtype=pl.String)})
    fits = ((pl.col("text").str.count_matches(",", literal=True) == width - 1)
            & (pl.col("text").str.len_bytes() <= max_field_chars))
    blank = pl.col("text").str.replace_all(",", "", literal=True).str.strip_chars(" ") == ""
    frame = frame.with_columns(fits=fits, blank=blank)
    odd = frame.filter(~pl.col("fits") & ~pl.col("blank"))
    if odd.height:
        others.extend(zip(odd[LINE].to_list(), odd["text"].to_list(), strict=True))
        others.sort()
    plain = frame.filter(pl.col("fits") & ~pl.col("blank"))
    split = plain["text"].str.split_exact(",", width - 1).struct.rename_fields(header)
    plain = pl.DataFrame([plain[LINE]]).hstack(split.struct.unnest())
    return Block(first, plain, others)


def key_hash(suites: pl.Expr, refs: pl.Expr) -> pl.Expr:
    """A custody record's natural key, (suite, custody_ref), as one 64-bit hash."""
    return pl.concat_str([suites, refs], separator="\x1f").hash(seed=0)
