"""The one CSV reader and the one error type for bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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


def parse_instant(values: dict[str, str], column: str, tz: ZoneInfo,
                  *, required: bool = True) -> datetime | None:
    """An ISO 8601 date and time, returned in UTC. Without an offset it is local time in
    `tz`; a local time that does not exist (clocks go forward) or happens twice (clocks go back)
    is refused, because a custody record must say which instant it means."""
    value = text(values, column, required=required)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(column, value, "expected an ISO 8601 date and time, "
                                        "e.g. 2022-10-03T14:05:00") from None
    if moment.tzinfo is None:
        moment = local_instant(moment, tz, column, value)
    return as_utc(moment)


def local_instant(naive: datetime, tz: ZoneInfo, column: str, value: str) -> datetime:
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        round_trip = early.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive:
            raise FieldError(column, value, f"this local time does not exist in {tz.key} "
                                            "(the clocks went forward); give a UTC offset")
        raise FieldError(column, value, f"this local time happens twice in {tz.key} "
                                        "(the clocks went back); give a UTC offset")
    return early


def local_date(utc: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of an instant."""
    return utc.astimezone(tz).date()


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """The instant local midnight starts `day` (a local day may be 23 or 25 hours long)."""
    return as_utc(datetime(day.year, day.month, day.day, tzinfo=tz))


def day_after(day: date) -> date:
    return day + timedelta(days=1)
