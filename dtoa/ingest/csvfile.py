"""The one error type for bad input (RowError), the row every input path hands on (Record),
and the checks and parsers of single values. The one CSV reader is dtoa.ingest.reader."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dtoa.clock import as_utc

DEFAULT_MAX_FIELD_CHARS = 32_768
VALUE_SHOWN = 120  # characters of an offending value kept in `value` (the raw row keeps all)
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"false", "no", "n", "0"})


@dataclass(frozen=True)
class RowError(Exception):
    """What is wrong with one value of one input row, in words a custody clerk can act on."""

    line: int
    column: str
    value: str
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason} (got {self.value!r})"


class FieldError(ValueError):
    """A value that does not parse; the reader adds the line number."""

    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class Record:
    """One data row: its first line number in the file, its values by column, its raw text.

    The raw text is only needed for a rejected row, so a row read from a file keeps its fields
    and writes them back as CSV text only when asked (most rows are never asked). A row the
    reader could not read (bad bytes, wrong number of fields, a quote never closed) carries its
    `problem` instead of values, and is kept as a rejected row."""

    __slots__ = ("line", "values", "_raw", "_fields", "problem")

    def __init__(self, line: int, values: dict[str, str], raw: str | None = None,
                 fields: list[str] | None = None, problem: RowError | None = None) -> None:
        self.line, self.values, self._raw, self._fields = line, values, raw, fields
        self.problem = problem

    @property
    def raw(self) -> str:
        if self._raw is None:
            self._raw = raw_text(self._fields or ())
        return self._raw

    def __repr__(self) -> str:
        return f"Record(line={self.line})"


def raw_text(fields: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(list(fields))
    return out.getvalue()


def text(values: dict[str, str], column: str, *, required: bool = True) -> str | None:
    value = (values.get(column) or "").strip()
    if not value:
        if required:
            raise FieldError(column, value, "required")
        return None
    return value


def parse_date(values: dict[str, str], column: str, *, required: bool = True) -> date | None:
    value = text(values, column, required=required)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date()
    except ValueError:
        raise FieldError(column, value, "expected a date as YYYY-MM-DD") from None


def _bad_date() -> date:
    raise ValueError


def parse_bool(values: dict[str, str], column: str) -> bool | None:
    value = (values.get(column) or "").strip()
    if not value:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise FieldError(column, value, "expected true or false")


def parse_choice(values: dict[str, str], column: str, choices: Iterable[str],
                 *, required: bool = True) -> str | None:
    value = text(values, column, required=required)
    if value is None:
        return None
    choices = tuple(choices)
    if value.lower() not in choices:
        raise FieldError(column, value, "expected one of " + ", ".join(choices))
    return value.lower()


NO_UTC_INSTANT = "a date and time outside the years 1 to 9999 once taken to UTC"


def parse_instant(values: dict[str, str], column: str, tz: ZoneInfo,
                  *, required: bool = True, ambiguous: list[str] | None = None
                  ) -> datetime | None:
    """An ISO 8601 date and time, returned in UTC. Without an offset it is local time in
    `tz`; a local time that happens twice (clocks go back) or not at all (clocks go forward) is
    resolved as its first occurrence (zoneinfo's fold=0) and the column is appended to
    `ambiguous`, for the record to be flagged: the date, which the law uses, is certain either
    way, and a lawful test behind such a time must not be lost."""
    value = text(values, column, required=required)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(column, value, "expected an ISO 8601 date and time, "
                                        "e.g. 2022-10-03T14:05:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz, fold=0)
        if ambiguous is not None and at_clock_change(moment):
            ambiguous.append(column)
    try:
        return as_utc(moment)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00: no such instant in UTC
        raise FieldError(column, value, NO_UTC_INSTANT) from None


def at_clock_change(local: datetime) -> bool:
    """Does this local wall-clock time happen twice, or not at all, in its zone?"""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def local_date(utc: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of an instant."""
    return utc.astimezone(tz).date()


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """The instant local midnight starts `day` (a local day may be 23 or 25 hours long)."""
    return as_utc(datetime(day.year, day.month, day.day, tzinfo=tz))


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def bad_characters(fields: Sequence[str], names: Sequence[str]) -> tuple[str, str, str] | None:
    """(column, value, reason) for the first NUL byte or byte that is not UTF-8."""
    for name, value in zip(names, fields, strict=False):
        if "\x00" in value:
            return name, printable(value)[:VALUE_SHOWN], "a NUL byte (0x00) is not allowed"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                byte = ord(value[exc.start]) - 0xDC00  # surrogateescape: 0xDC80-0xDCFF
                what = f"byte 0x{byte:02X}" if 0x80 <= byte <= 0xFF else "a character"
                return (name, printable(value)[:VALUE_SHOWN],
                        f"{what} is not UTF-8: save the file as UTF-8")
    return None


def printable(value: str) -> str:
    """Text safe to store and show: bytes that were not UTF-8 as \\xNN, NUL as \\x00."""
    if value.isascii() and "\x00" not in value:
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that never was a byte
        raw = value.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def desk_record(values: dict[str, str], *, max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
                ) -> Record:
    """One row typed at the desk (CLI or web form) as a Record, with the checks a file row
    gets: NUL bytes, bytes that are not UTF-8, over-long values."""
    raw = printable(raw_text(values.values()))
    names = list(values)
    problem = bad_characters(list(values.values()), names)
    if problem is None:
        long = next((n for n, v in values.items() if len(v) > max_field_chars), None)
        if long is not None:
            problem = (long, values[long][:VALUE_SHOWN],
                       f"the value is longer than {max_field_chars} characters")
    if problem is None:
        return Record(1, values, raw)
    return Record(1, {}, raw, problem=RowError(1, *problem, raw))
