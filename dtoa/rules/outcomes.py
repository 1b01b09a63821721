"""Drug test outcomes and the checks a recorded outcome must pass (PACE 1984 ss.63B-63C)."""

from __future__ import annotations

from dataclasses import dataclass

TESTED = "tested"
REFUSED = "refused"
FAILED_TO_PROVIDE = "failed_to_provide"
NOT_TESTED = "not_tested"
OUTCOMES = (TESTED, REFUSED, FAILED_TO_PROVIDE, NOT_TESTED)
NOT_TESTED_REASONS = ("no_indication", "unfit", "released", "other")

NEGATIVE = "negative"
POSITIVE_COCAINE = "positive_cocaine"
POSITIVE_OPIATES = "positive_opiates"
POSITIVE_BOTH = "positive_both"
RESULTS = (NEGATIVE, POSITIVE_COCAINE, POSITIVE_OPIATES, POSITIVE_BOTH, REFUSED,
           FAILED_TO_PROVIDE, NOT_TESTED)


@dataclass(frozen=True)
class Problem:
    """Why a recorded outcome cannot stand: the field at fault and a reason a person can act on."""

    field: str
    reason: str


@dataclass(frozen=True)
class SampleRecord:
    outcome: str
    cocaine: bool | None = None
    opiates: bool | None = None
    not_tested_reason: str | None = None


def result(record: SampleRecord) -> str:
    """One word for the funnel: negative, positive by drug, or the reason no result exists."""
    if record.outcome != TESTED:
        return record.outcome
    if record.cocaine and record.opiates:
        return POSITIVE_BOTH
    if record.cocaine:
        return POSITIVE_COCAINE
    if record.opiates:
        return POSITIVE_OPIATES
    return NEGATIVE


def is_positive(record: SampleRecord) -> bool:
    return result(record) in (POSITIVE_COCAINE, POSITIVE_OPIATES, POSITIVE_BOTH)


def check_record(record: SampleRecord, panel: tuple[str, ...]) -> list[Problem]:
    """A sample gives a result for every drug on the panel; no sample, no result."""
    problems = []
    values = {"cocaine": record.cocaine, "opiates": record.opiates}
    if record.outcome == TESTED:
        for drug in panel:
            if values[drug] is None:
                problems.append(Problem(drug, "a tested sample needs positive or negative"))
        for drug, value in values.items():
            if drug not in panel and value is not None:
                problems.append(Problem(drug, f"{drug} is not on this force's test panel"))
    else:
        for drug, value in values.items():
            if value is not None:
                problems.append(Problem(drug, f"no result can be recorded when the outcome is "
                                              f"{record.outcome}"))
    if record.outcome == NOT_TESTED and not record.not_tested_reason:
        problems.append(Problem("not_tested_reason", "say why the person was not tested: "
                                + ", ".join(NOT_TESTED_REASONS)))
    if record.outcome != NOT_TESTED and record.not_tested_reason:
        problems.append(Problem("not_tested_reason", "only a not_tested outcome has a reason"))
    return problems


def check_lawful(outcome: str, eligible: bool, ineligible_reason: str | None) -> Problem | None:
    """A sample may be requested only when every s.63B condition holds. A test, refusal or
    failure to provide on a detention that is not eligible is an unlawful request: it is
    rejected, never counted. Recording that an eligible or ineligible person was not tested is
    always allowed."""
    if outcome == NOT_TESTED or eligible:
        return None
    return Problem("outcome", f"unlawful test: the detention is not eligible ({ineligible_reason})")
