"""Rows that are applied one by one through a library call (attendance outcomes, prosecution
decisions), each either applied or kept as a rejected row with the reason the call gave."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from dtoa.ingest.csvfile import FieldError, Record, RowError


def apply_each(pairs: list[tuple[Record, dict]],
               apply: Callable[[dict], str]) -> tuple[Counter, list[RowError]]:
    """Call `apply(row)` for each row in file order; it returns a status word ("recorded",
    "updated", "unchanged", ...) or raises FieldError, which becomes a kept RowError."""
    statuses: Counter = Counter()
    errors = []
    for record, row in pairs:
        try:
            statuses[apply(row)] += 1
        except FieldError as exc:
            errors.append(RowError(record.line, exc.column,
                                   record.values.get(exc.column, exc.value), exc.reason,
                                   record.raw))
    return statuses, errors
