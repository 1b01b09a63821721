"""Drug test outcomes, and the checks a recorded sample must pass (PACE 1984 ss.63B-63C;
Crime and Policing Act 2026 for a further sample)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dtoa.rules.states import FurtherSampleReason, NotTestedReason, TestOutcome, TestResult

TESTED = TestOutcome.TESTED
REFUSED = TestOutcome.REFUSED
FAILED_TO_PROVIDE = TestOutcome.FAILED_TO_PROVIDE
NOT_TESTED = TestOutcome.NOT_TESTED
OUTCOMES = tuple(o.value for o in TestOutcome)
NOT_TESTED_REASONS = tuple(r.value for r in NotTestedReason)
FURTHER_SAMPLE_REASONS = tuple(r.value for r in FurtherSampleReason)
# Outcomes of a request for a sample: each needs every s.63B condition to hold.
REQUESTED = frozenset(OUTCOMES) - {NOT_TESTED}
NEGATIVE, POSITIVE = TestResult.NEGATIVE, TestResult.POSITIVE


@dataclass(frozen=True)
class Problem:
    """Why a recorded outcome cannot stand: the field at fault and a reason a person can act on."""

    field: str
    reason: str


@dataclass(frozen=True)
class SampleRecord:
    outcome: str
    results: Mapping[str, bool] = field(default_factory=dict)  # panel drug -> positive
    not_tested_reason: str | None = None


def result(record: SampleRecord) -> TestResult:
    """One word for the funnel: negative, positive (for some panel drug), or why there is no
    result."""
    if record.outcome != TESTED:
        return TestResult(record.outcome)
    return POSITIVE if any(record.results.values()) else NEGATIVE


def positives(record: SampleRecord) -> tuple[str, ...]:
    """The drugs a sample was positive for, in the order given."""
    return tuple(drug for drug, positive in record.results.items() if positive)


def check_record(record: SampleRecord, panel: tuple[str, ...], on: date) -> list[Problem]:
    """A sample gives a result for every drug on the panel that day, and only for those; no
    sample, no result."""
    problems = []
    given = {drug for drug, value in record.results.items() if value is not None}
    if record.outcome == TESTED:
        problems += [Problem(drug, "a tested sample needs positive or negative")
                     for drug in panel if drug not in given]
        problems += [Problem(drug, f"{drug} is not on this force's test panel on {on}")
                     for drug in sorted(given - set(panel))]
    else:
        problems += [Problem(drug, f"no result can be recorded when the outcome is "
                                   f"{record.outcome}") for drug in sorted(given)]
    if record.outcome == NOT_TESTED and not record.not_tested_reason:
        problems.append(Problem("not_tested_reason", "say why the person was not tested: "
                                + ", ".join(NOT_TESTED_REASONS)))
    if record.outcome != NOT_TESTED and record.not_tested_reason:
        problems.append(Problem("not_tested_reason", "only a not_tested outcome has a reason"))
    return problems


def check_sample_number(sample: int, reason: str | None, on: date, *,
                        further_sample_from: date | None, max_samples: int) -> Problem | None:
    """One sample per continuous detention (PACE 1984 s.63B(5B)). The Crime and Policing Act
    2026 allows a further sample when the first was unsuitable or insufficient, two at most,
    from its commencement (a date the force configures; none: not in force)."""
    if sample == 1:
        if reason:
            return Problem("further_sample_reason", "only a further sample (sample 2) has a "
                                                    "reason")
        return None
    if sample < 1 or sample > max_samples:
        return Problem("sample", f"at most {max_samples} samples may be taken in one "
                                 "detention")
    if further_sample_from is None or on < further_sample_from:
        since = f"only from {further_sample_from}" if further_sample_from else \
            "not in force in this configuration"
        return Problem("sample", "a further sample (Crime and Policing Act 2026) is allowed "
                                 + since)
    if not reason:
        return Problem("further_sample_reason", "say why a further sample was taken: "
                       + " or ".join(FURTHER_SAMPLE_REASONS))
    return None


def check_lawful(outcome: str, eligible: bool, ineligible_reason: str | None) -> Problem | None:
    """A sample may be requested only when every s.63B condition holds when it is taken. A test,
    refusal or failure to provide when they do not is an unlawful request: it is rejected, never
    counted. Recording that a person was not tested is always allowed."""
    if outcome not in REQUESTED or eligible:
        return None
    return Problem("outcome", "unlawful test: the conditions for testing did not hold when the "
                              f"sample was taken ({ineligible_reason})")
