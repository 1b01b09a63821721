"""The prosecution decisions CSV, as an ingest kind: `reference` (or `suite` and
`custody_ref`), `decision` (charged | summonsed | no_further_action | good_cause_accepted),
`decided_at`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dtoa.attendance.ingest import referral_key
from dtoa.clock import FixedClock
from dtoa.config import Settings
from dtoa.ingest.apply import apply_each
from dtoa.ingest.csvfile import FieldError, Record, RowError, parse_choice, parse_instant
from dtoa.prosecution.cases import decide
from dtoa.rules.prosecution import DECISIONS

REQUIRED = ("decision", "decided_at")
COLUMNS = ("reference", "suite", "custody_ref", *REQUIRED)


def parse(record: Record, settings: Settings, now: datetime) -> dict:
    values = record.values
    row = referral_key(values)
    row.update(decision=parse_choice(values, "decision", DECISIONS),
               decided_at=parse_instant(values, "decided_at", settings.tz))
    if row["decided_at"] > now:
        raise FieldError("decided_at", values["decided_at"], "decision time is in the future")
    return row


def write(session: Session, pairs: list[tuple[Record, dict]], *, settings: Settings,
          batch_id: int, now: datetime, seen: dict,
          entered_by: str | None = None) -> tuple[int, int, int, list[RowError]]:
    """Apply each decision through `decide`; a refused row is kept with its reason."""
    clock = FixedClock(now)
    statuses, errors = apply_each(pairs, lambda row: decide(
        session, settings, clock, actor=entered_by or f"batch:{batch_id}", **row))
    unchanged = statuses.pop("unchanged", 0)
    return sum(statuses.values()), 0, unchanged, errors
