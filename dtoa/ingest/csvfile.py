"""The one CSV reader and the one error type for bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dtoa.clock import as_utc

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
    and writes them back as CSV text only when asked (most rows are never asked)."""

    __slots__ = ("line", "values", "_raw", "_fields")

    def __init__(self, line: int, values: dict[str, str], raw: str | None = None,
                 fields: list[str] | None = None) -> None:
        self.line, self.values, self._raw, self._fields = line, values, raw, fields

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


def read_records(path: Path) -> tuple[list[str], Iterator[Record]]:
    """Stream a UTF-8 CSV with a header row (a byte-order mark is allowed). Column names are
    matched case-insensitively, in any order; the caller ignores the ones it does not use."""
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(handle)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        handle.close()
        return [], iter(())

    width = len(header)

    def records() -> Iterator[Record]:
        with handle:
            start = reader.line_num + 1
            for fields in reader:
                if "".join(fields).strip():
                    padded = fields + [""] * (width - len(fields)) if len(fields) < width \
                        else fields
                    yield Record(start, dict(zip(header, padded, strict=False)),
                                 fields=fields)
                start = reader.line_num + 1

    return header, records()


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
    return as_utc(moment)


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
