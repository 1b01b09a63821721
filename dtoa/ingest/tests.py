"""Drug test outcomes, from a custody extract or entered at the desk: one per detention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dtoa.config import Settings
from dtoa.ingest.csvfile import (
    FieldError,
    Record,
    local_date,
    parse_bool,
    parse_choice,
    parse_instant,
    text,
)
from dtoa.ingest.detentions import row_hash
from dtoa.referrals import extract as requirement
from dtoa.rules.ages import age_on
from dtoa.rules.outcomes import (
    NOT_TESTED_REASONS,
    OUTCOMES,
    SampleRecord,
    check_lawful,
    check_record,
)
from dtoa.rules.outcomes import result as result_of

REQUIRED = ("suite", "custody_ref", "tested_at", "outcome")
OPTIONAL = ("cocaine", "opiates", "not_tested_reason", "officer_ref", "appropriate_adult",
            "disputed", "declared_medication", *requirement.COLUMNS)
INPUT_FIELDS = REQUIRED + OPTIONAL
ADULT_AGE = 18


@dataclass(frozen=True)
class DetentionFacts:
    """What a test row is checked against: the stored detention it belongs to."""

    id: int
    arrested_at: datetime
    birth_date: date
    eligible: bool
    ineligible_reason: str | None


def parse_result(values: dict[str, str], column: str) -> bool | None:
    value = parse_choice(values, column, ("positive", "negative"), required=False)
    return None if value is None else value == "positive"


def parse(record: Record, settings: Settings, now: datetime) -> dict:
    """One test row as table values, checked on its own (the detention comes later)."""
    values = record.values
    outcome = parse_choice(values, "outcome", OUTCOMES)
    test = SampleRecord(
        outcome=outcome,
        cocaine=parse_result(values, "cocaine"),
        opiates=parse_result(values, "opiates"),
        not_tested_reason=parse_choice(values, "not_tested_reason", NOT_TESTED_REASONS,
                                       required=False),
    )
    problems = check_record(test, settings.law.test_panel)
    if problems:
        first = problems[0]
        raise FieldError(first.field, values.get(first.field, ""), first.reason)
    tested_at = parse_instant(values, "tested_at", settings.tz)
    if tested_at > now:
        raise FieldError("tested_at", values["tested_at"], "test time is in the future")
    disputed = bool(parse_bool(values, "disputed"))
    if disputed and not result_of(test).startswith("positive"):
        raise FieldError("disputed", values["disputed"], "only a positive result can be disputed")
    row = {
        "suite": text(values, "suite").upper(),
        "custody_ref": text(values, "custody_ref"),
        "tested_at": tested_at,
        "outcome": outcome,
        "cocaine": test.cocaine,
        "opiates": test.opiates,
        "result": result_of(test),
        "not_tested_reason": test.not_tested_reason,
        "officer_ref": text(values, "officer_ref", required=False),
        "appropriate_adult": parse_bool(values, "appropriate_adult"),
        "disputed": disputed,
        "declared_medication": text(values, "declared_medication", required=False),
    }
    row["row_hash"] = row_hash(row)
    served = requirement.parse_requirement(values, settings, tested_at, now)
    if served is not None:  # served by the custody system (Drugs Act 2005 s.9): not hashed
        row[requirement.REQUIREMENT] = served
    return row


def check_against(row: dict, detention: DetentionFacts, settings: Settings) -> None:
    """The checks that need the detention: lawfulness (PACE s.63B), order of events, and the
    appropriate adult for a person under 18 (s.63B(5A))."""
    problem = check_lawful(row["outcome"], detention.eligible, detention.ineligible_reason)
    if problem:
        raise FieldError(problem.field, row["outcome"], problem.reason)
    if row["tested_at"] < detention.arrested_at:
        raise FieldError("tested_at", row["tested_at"].isoformat(),
                         "test time is before the arrest")
    requested = row["outcome"] in ("tested", "refused", "failed_to_provide")
    minor = age_on(detention.birth_date, local_date(row["tested_at"], settings.tz)) < ADULT_AGE
    if requested and minor and not row["appropriate_adult"]:
        raise FieldError("appropriate_adult", str(row["appropriate_adult"] or ""),
                         "a person under 18 may be asked for a sample only with an appropriate "
                         "adult present (PACE 1984 s.63B(5A)): set appropriate_adult to true")
