"""Samples and what came of them, from a custody extract or entered at the desk: one row per
sample (sample 1, and a further sample 2 where the Crime and Policing Act 2026 is in force)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from dtoa.rules.detention import CustodyRecord, Judgement, positive_specified
from dtoa.rules.outcomes import (
    FURTHER_SAMPLE_REASONS,
    NOT_TESTED_REASONS,
    OUTCOMES,
    REQUESTED,
    SampleRecord,
    check_lawful,
    check_record,
    check_sample_number,
)
from dtoa.rules.outcomes import result as result_of

REQUIRED = ("suite", "custody_ref", "tested_at", "outcome")
OPTIONAL = ("sample", "further_sample_reason", "not_tested_reason", "officer_ref",
            "appropriate_adult", "disputed", "declared_medication", *requirement.COLUMNS,
            requirement.SETTING)
ADULT_AGE = 18
HASHED = ("custody_ref", "declared_medication", "disputed", "further_sample_reason",
          "not_tested_reason", "officer_ref", "outcome", "results", "sample", "suite",
          "tested_at", "appropriate_adult")


def input_fields(settings: Settings) -> tuple[str, ...]:
    """The tests CSV's columns: one result column per drug ever on the configured panel."""
    return REQUIRED + tuple(p.drug for p in settings.law.panel) + OPTIONAL


@dataclass(frozen=True)
class DetentionFacts:
    """What a sample row is checked against: the stored detention it belongs to."""

    id: int
    record: CustodyRecord | None  # None when the detention's suite is no longer configured
    arrested_at: datetime


def parse_result(values: dict[str, str], column: str) -> bool | None:
    value = parse_choice(values, column, ("positive", "negative"), required=False)
    return None if value is None else value == "positive"


def parse_sample(values: dict[str, str]) -> int:
    value = (values.get("sample") or "").strip()
    if not value:
        return 1
    if not value.isdigit():
        raise FieldError("sample", value, "expected the sample's number: 1, or 2 for a "
                                          "further sample")
    return int(value)


def parse(record: Record, settings: Settings, now: datetime) -> dict:
    """One sample row as table values, checked on its own (the detention comes later)."""
    values, law = record.values, settings.law
    outcome = parse_choice(values, "outcome", OUTCOMES)
    ambiguous: list[str] = []
    tested_at = parse_instant(values, "tested_at", settings.tz, ambiguous=ambiguous)
    on = local_date(tested_at, settings.tz)
    results = {p.drug: value for p in law.panel
               if (value := parse_result(values, p.drug)) is not None}
    test = SampleRecord(outcome, results,
                        parse_choice(values, "not_tested_reason", NOT_TESTED_REASONS,
                                     required=False))
    problems = check_record(test, tuple(p.drug for p in law.panel_on(on)), on)
    if problems:
        first = problems[0]
        raise FieldError(first.field, values.get(first.field, ""), first.reason)
    if tested_at > now:
        raise FieldError("tested_at", values["tested_at"], "test time is in the future")
    sample = parse_sample(values)
    reason = parse_choice(values, "further_sample_reason", FURTHER_SAMPLE_REASONS,
                          required=False)
    problem = check_sample_number(sample, reason, on, max_samples=law.max_samples,
                                  further_sample_from=law.further_sample_from)
    if problem:
        raise FieldError(problem.field, values.get(problem.field, ""), problem.reason)
    result = result_of(test)
    disputed = bool(parse_bool(values, "disputed"))
    if disputed and result != "positive":
        raise FieldError("disputed", values["disputed"], "only a positive result can be disputed")
    row = {
        "suite": text(values, "suite").upper(),
        "custody_ref": text(values, "custody_ref"),
        "sample": sample,
        "further_sample_reason": reason,
        "tested_at": tested_at,
        "outcome": outcome,
        "results": results,
        "result": result,
        "positive_specified": positive_specified(law, results, on),
        "not_tested_reason": test.not_tested_reason,
        "officer_ref": text(values, "officer_ref", required=False),
        "appropriate_adult": parse_bool(values, "appropriate_adult"),
        "disputed": disputed,
        "declared_medication": text(values, "declared_medication", required=False),
        "local_time_ambiguous": bool(ambiguous),
    }
    row["row_hash"] = row_hash({k: _hashable(row[k]) for k in HASHED})
    served = requirement.parse_requirement(values, settings, tested_at, now)
    if served is not None:  # served by the custody system (Drugs Act 2005 s.9): not hashed
        row[requirement.REQUIREMENT] = served
    return row


def _hashable(value: object) -> object:
    if isinstance(value, dict):
        return ";".join(f"{k}={int(v)}" for k, v in sorted(value.items()))
    return value


def check_against(row: dict, detention: DetentionFacts, judgement: Judgement | None,
                  settings: Settings) -> None:
    """The checks that need the detention: lawfulness when the sample was taken (PACE s.63B),
    order of events, and the appropriate adult for a person under 18 (s.63B(5A))."""
    if row["tested_at"] < detention.arrested_at:
        raise FieldError("tested_at", row["tested_at"].isoformat(),
                         "test time is before the arrest")
    if judgement is not None:
        eligibility = judgement.eligibility
        problem = check_lawful(row["outcome"], eligibility.eligible, eligibility.reason)
        if problem:
            raise FieldError(problem.field, row["outcome"], problem.reason)
    if detention.record is None or row["outcome"] not in REQUESTED:
        return
    minor = age_on(detention.record.birth_date, local_date(row["tested_at"], settings.tz)) \
        < ADULT_AGE
    if minor and not row["appropriate_adult"]:
        raise FieldError("appropriate_adult", str(row["appropriate_adult"] or ""),
                         "a person under 18 may be asked for a sample only with an appropriate "
                         "adult present (PACE 1984 s.63B(5A)): set appropriate_adult to true")
