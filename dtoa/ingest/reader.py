"""The one CSV reader: every row on its own, never the whole file for one bad row.

A row that cannot be read is handed on as a Record carrying its `problem` (a RowError with
line, column, value and reason) and the rows around it are read as usual:

- bytes that are not UTF-8, and NUL bytes (the reason names the byte and the column);
- a field longer than `[ingest] max_field_chars`, a physical line longer than
  LINE_FIELDS times that;
- a quote opened and never closed: the row where it opened is rejected and the lines it
  would have swallowed are read again as rows of their own (never merged into one);
- a row with more or fewer fields than the header.

A file that cannot be read as a CSV at all (not a regular file, empty, a header that is not
UTF-8, has a column twice, a column without a name, or lacks a required column) raises
FileRefused: one message, no personal data in it (a header is column names, never values).

The common clean row costs one Python call per line (`_Lines.__next__`) on top of the C
parser; the character checks run only on rows whose lines are not plain ASCII.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from dtoa.ingest.csvfile import (
    DEFAULT_MAX_FIELD_CHARS,
    VALUE_SHOWN,
    Record,
    RowError,
    bad_characters,
    printable,
)

LINE_FIELDS = 16  # a physical line may hold this many maximal fields


class FileRefused(ValueError):
    """The file cannot be read as a CSV of this kind at all; nothing of it is taken in.
    `error` is the one rejected "row" that says why, for the rejects file."""

    def __init__(self, reason: str, *, column: str = "", line: int = 1, raw: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = RowError(line, column, "", reason, raw)
        self.rejects_path: Path | None = None


class _LineTooLong(Exception):
    pass


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; anything else (a folder, a device such as /dev/zero, a
    named pipe) is refused at once, without blocking on it."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileRefused("no such file") from None
    except PermissionError:
        raise FileRefused("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise FileRefused(f"the file cannot be opened ({exc.strerror})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        what = ("a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")
        raise FileRefused(f"not a regular file ({what})")
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


class _Lines:
    """Physical lines for csv.reader, numbered. The lines of the record being read are kept
    (`take`) so that a broken record can be rejected and its later lines read `again`; `dirty`
    says whether any of them holds something other than plain ASCII."""

    __slots__ = ("_readline", "_limit", "_again", "_read", "number", "taken", "dirty")

    def __init__(self, handle: io.TextIOBase, limit: int) -> None:
        self._readline, self._limit = handle.readline, limit
        self._again: deque[tuple[int, str]] = deque()
        self._read = self.number = 0
        self.taken: list[tuple[int, str]] = []
        self.dirty = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            self.number, line = self._again.popleft()
        else:
            line = self._readline(self._limit)
            if not line:
                raise StopIteration
            self._read += 1
            self.number = self._read
            if len(line) == self._limit and line[-1] not in "\r\n":
                self._skip_rest_of_line()
                self.taken.append((self.number, line + "..."))
                raise _LineTooLong
        self.taken.append((self.number, line))
        if "\x00" in line or not line.isascii():
            self.dirty = True
        return line

    def _skip_rest_of_line(self) -> None:
        while (more := self._readline(self._limit)) and more[-1] not in "\r\n":
            pass

    def take(self) -> tuple[list[tuple[int, str]], bool]:
        taken, dirty = self.taken, self.dirty
        self.taken, self.dirty = [], False
        return taken, dirty

    def again(self, lines: Sequence[tuple[int, str]]) -> None:
        self._again.extendleft(reversed(lines))


def read_records(path: Path, *, required: Iterable[str] = (),
                 max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
                 ) -> tuple[list[str], Iterator[Record]]:
    """Stream a UTF-8 CSV with a header row (a byte-order mark is allowed). Column names are
    matched case-insensitively, in any order; the caller ignores the ones it does not use.
    Raises FileRefused when the file cannot be read at all (see the module docstring)."""
    handle = io.TextIOWrapper(open_regular(Path(path)), encoding="utf-8-sig",
                              errors="surrogateescape", newline="")
    try:
        lines = _Lines(handle, max_field_chars * LINE_FIELDS)
        # The parser's own limit only bounds a quote left open (it stops swallowing there); it is
        # process-wide, so it is only ever raised. Fields over max_field_chars are found below.
        csv.field_size_limit(max(csv.field_size_limit(), max_field_chars * LINE_FIELDS))
        reader = csv.reader(lines, strict=True)
        header = _header(reader, lines, tuple(required))
    except BaseException:
        handle.close()
        raise
    return header, _records(handle, reader, lines, header, max_field_chars)


def _header(reader: Iterator[list[str]], lines: _Lines, required: tuple[str, ...]) -> list[str]:
    try:
        fields = next(reader)
    except StopIteration:
        raise FileRefused("the file is empty: no header row") from None
    except (csv.Error, _LineTooLong):
        raise FileRefused("the first line is not a CSV header row", raw=_shown_lines(
            lines.take()[0])) from None
    taken, dirty = lines.take()
    raw = _shown_lines(taken)
    if len(taken) > 1:
        raise FileRefused("the header row has a quote that is never closed", raw=raw)
    if dirty and (bad := bad_characters(fields, [str(i + 1) for i in range(len(fields))])):
        raise FileRefused(f"the header row cannot be read (column {bad[0]}: {bad[2]})",
                          raw=raw)
    names = [name.strip().lower() for name in fields]
    missing = [name for name in required if name not in names]
    if missing:
        raise FileRefused("the header row has no " + ", ".join(missing) + " column"
                          + ("s" if len(missing) > 1 else "") + ": the first line must name "
                          "the columns", column=missing[0], raw=raw)
    first_seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise FileRefused(f"column {position} of the header row has no name", raw=raw)
        if name in first_seen:
            raise FileRefused(f"the header row names {name} twice (columns {first_seen[name]} "
                              f"and {position}): which one is meant is unclear", column=name,
                              raw=raw)
        first_seen[name] = position
    return names


def _records(handle: io.TextIOBase, reader: Iterator[list[str]], lines: _Lines,
             header: list[str], limit: int) -> Iterator[Record]:
    width = len(header)
    with handle:
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except _LineTooLong:
                taken, _ = lines.take()
                yield _rejected(taken[-1:], "", printable(taken[-1][1][:VALUE_SHOWN]),
                                f"the line is longer than {limit * LINE_FIELDS} characters")
                if len(taken) > 1:  # it came inside a quoted field opened on an earlier line
                    yield _unterminated(lines, taken[:-1], header)
                continue
            except csv.Error as exc:
                yield _broken(lines, str(exc), header)
                continue
            taken, dirty = lines.take()
            if len(fields) != width:
                if len(taken) > 1:
                    yield _unterminated(lines, taken, header)
                elif "".join(fields).strip():
                    yield _rejected(taken, "", "", f"the row has {len(fields)} fields; the "
                                    f"header has {width}")
                continue
            if dirty and (bad := bad_characters(fields, header)):
                yield _rejected(taken, *bad)
                continue
            if (len(taken) > 1 or len(taken[0][1]) > limit) and (
                    long := next((i for i, f in enumerate(fields) if len(f) > limit), None)
            ) is not None:
                yield _rejected(taken, header[long], printable(fields[long][:VALUE_SHOWN]),
                                f"the field is longer than {limit} characters "
                                "([ingest] max_field_chars)")
                continue
            if "".join(fields).strip():
                yield Record(taken[0][0], dict(zip(header, fields, strict=True)), fields=fields)


def _broken(lines: _Lines, message: str, header: list[str]) -> Record:
    """A record the csv module could not parse, rejected with a reason a clerk can act on."""
    taken, _ = lines.take()
    if len(taken) > 1 or message.startswith(("unexpected end of data", "field larger")):
        return _unterminated(lines, taken, header)
    line = taken[0][1]
    if "expected after" in message:
        position = _stray_quote_field(line)
        return _rejected(taken, _column(header, position), "",
                         "a quote ends in the middle of this field: quote the whole field and "
                         "double any quote inside it")
    return _rejected(taken, "", "", f"the row is not valid CSV ({message})")


def _unterminated(lines: _Lines, taken: list[tuple[int, str]], header: list[str]) -> Record:
    """A quote opened on the first line and not closed where the row should end: reject that
    line; the lines after it are read again, each as a row of its own."""
    lines.again(taken[1:])
    position = max(len(_parse_alone(taken[0][1])) - 1, 0)
    return _rejected(taken[:1], _column(header, position), "",
                     "a quote opened in this field is never closed (the lines after it are "
                     "read as rows of their own)")


def _parse_alone(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _stray_quote_field(line: str) -> int:
    """The field in which a closing quote is followed by something other than a comma."""
    position, quoted, closed, i = 0, False, False, 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == '"':
                if line[i + 1:i + 2] == '"':
                    i += 1
                else:
                    quoted, closed = False, True
        elif char == '"' and not closed and (i == 0 or line[i - 1] == ","):
            quoted = True
        elif char == ",":
            position, closed = position + 1, False
        elif closed and char not in "\r\n":
            return position
        i += 1
    return position


def _column(header: list[str], position: int) -> str:
    return header[position] if position < len(header) else f"column {position + 1}"


def _shown_lines(taken: list[tuple[int, str]]) -> str:
    return printable("".join(line for _, line in taken).rstrip("\r\n"))


def _rejected(taken: list[tuple[int, str]], column: str, value: str, reason: str) -> Record:
    line = taken[0][0] if taken else 0
    error = RowError(line, column, value, reason, _shown_lines(taken))
    return Record(line, {}, error.raw, problem=error)


def records_of_lines(lines: Sequence[tuple[int, str]], header: list[str],
                     max_field_chars: int = DEFAULT_MAX_FIELD_CHARS) -> Iterator[Record]:
    """The records this reader makes of some numbered physical lines of a file that has no
    quote and no bare carriage return (so that each line is a row of its own): the vectorised
    ingest (dtoa.ingest.vectorised) hands back the lines it cannot vouch for, and they are read
    here exactly as `read_records` would have read them, problems and all."""
    source = _Lines(io.StringIO(""), max_field_chars * LINE_FIELDS)
    source.again(lines)
    reader = csv.reader(source, strict=True)
    return _records(io.StringIO(""), reader, source, header, max_field_chars)
