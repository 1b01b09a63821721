"""The attendance CSV from providers, as an ingest kind: one row per reported outcome.

Columns: `reference` (or `suite` and `custody_ref`), `assessment` (initial | follow_up),
`outcome` (attended | failed_to_attend | failed_to_remain | rescheduled | good_cause),
`outcome_at`, `new_appointment_at` (a reschedule's new time; optional follow-up time),
`follow_up_required` (true | false, after an attended initial assessment). Rows apply in file
order, so a reschedule and then the rearranged appointment's outcome can share a file.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dtoa.attendance.outcomes import record_outcome
from dtoa.clock import FixedClock
from dtoa.config import Settings
from dtoa.ingest.apply import apply_each
from dtoa.ingest.csvfile import (
    FieldError,
    Record,
    RowError,
    parse_bool,
    parse_choice,
    parse_instant,
    text,
)
from dtoa.rules import attendance as rules

REQUIRED = ("assessment", "outcome", "outcome_at")
COLUMNS = ("reference", "suite", "custody_ref", *REQUIRED, "new_appointment_at",
           "follow_up_required")


def referral_key(values: dict[str, str]) -> dict[str, str | None]:
    """`reference`, or `suite` and `custody_ref`: how a row names its referral."""
    reference = text(values, "reference", required=False)
    suite = text(values, "suite", required=False)
    custody_ref = text(values, "custody_ref", required=False)
    if not reference and not (suite and custody_ref):
        raise FieldError("reference", "", "give reference, or suite and custody_ref")
    return {"reference": reference, "suite": suite.upper() if suite else None,
            "custody_ref": custody_ref}


def parse(record: Record, settings: Settings, now: datetime) -> dict:
    """One row, checked on its own (the referral's state is checked when it is written)."""
    values = record.values
    row = referral_key(values)
    row.update(
        assessment=parse_choice(values, "assessment", rules.ASSESSMENTS),
        outcome=parse_choice(values, "outcome", rules.OUTCOMES),
        outcome_at=parse_instant(values, "outcome_at", settings.tz),
        new_appointment_at=parse_instant(values, "new_appointment_at", settings.tz,
                                         required=False),
        follow_up_required=parse_bool(values, "follow_up_required"),
    )
    if row["outcome_at"] > now:
        raise FieldError("outcome_at", values["outcome_at"], "outcome time is in the future")
    refusal = rules.check_report(row["assessment"], row["outcome"], outcome_at=row["outcome_at"],
                                 new_appointment_at=row["new_appointment_at"],
                                 follow_up_required=row["follow_up_required"])
    if refusal is not None:
        raise FieldError(refusal.column, values.get(refusal.column, ""), refusal.reason)
    return row


def write(session: Session, pairs: list[tuple[Record, dict]], *, settings: Settings,
          batch_id: int, now: datetime, seen: dict,
          entered_by: str | None = None) -> tuple[int, int, int, list[RowError]]:
    """Apply each row through `record_outcome`; a refused row is kept with its reason."""
    clock = FixedClock(now)
    statuses, errors = apply_each(pairs, lambda row: record_outcome(
        session, settings, clock, actor=entered_by or f"batch:{batch_id}", **row).status)
    return statuses["recorded"], statuses["updated"], statuses["unchanged"], errors
