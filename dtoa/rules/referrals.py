"""Who is required to attend an assessment, with which provider, by when: pure rules.

Drugs Act 2005 Part 3: after a positive test of a person aged 18 or over (s.9(1)), an officer may
require an initial assessment (s.9) and must then also require a follow-up assessment (s.10). No
statute fixes the interval between test and assessment, so the notice period and the deadline are
local policy (`[referrals]` in config.toml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dtoa.config import Provider
from dtoa.rules.calendar import WorkingCalendar, end_of_local_day

POSITIVE_RESULTS = ("positive",)
ASSESSMENT_MIN_AGE = 18  # Drugs Act 2005 s.9(1)(b): "has attained the age of 18"

# Reason codes: why a test does not (or no longer) support a requirement to attend.
NOT_POSITIVE = "not_positive"
NOT_SPECIFIED = "positive_not_specified"
SUPERSEDED = "superseded_by_further_sample"
DETENTION_NOT_ELIGIBLE = "detention_not_eligible"
UNDER_18 = "under_18"
LAB_NOT_CONFIRMED = "lab_not_confirmed"
NO_REFERRAL_REASONS = (NOT_POSITIVE, NOT_SPECIFIED, SUPERSEDED, DETENTION_NOT_ELIGIBLE, UNDER_18,
                       LAB_NOT_CONFIRMED)


@dataclass(frozen=True)
class AssessmentFacts:
    """What the referral decision needs to know about one test and its detention."""

    result: str
    detention_eligible: bool
    age_at_test: int
    disputed: bool = False
    lab_confirmed: bool | None = None
    positive_specified: bool = True  # positive for a drug specified on the sample's date
    superseded: bool = False  # a further sample was taken: this one is no longer the result


def no_referral_reason(facts: AssessmentFacts) -> str | None:
    """None when the test supports a requirement to attend; else the first reason it does not.

    A lawful test (PACE 1984 s.63B, so an eligible detention) with a positive result for a
    specified drug (Drugs Act 2005 s.9(1)(a); any specified controlled drug under the Crime and
    Policing Act 2026) of a person aged 18 or over (s.9(1)(b)), and the detention's result: a
    further sample replaces the first. A disputed positive stays a positive until the
    confirmatory laboratory says it is not confirmed; then the requirement falls."""
    if facts.result not in POSITIVE_RESULTS:
        return NOT_POSITIVE
    if facts.superseded:
        return SUPERSEDED
    if not facts.positive_specified:
        return NOT_SPECIFIED
    if not facts.detention_eligible:
        return DETENTION_NOT_ELIGIBLE
    if facts.age_at_test < ASSESSMENT_MIN_AGE:
        return UNDER_18
    if facts.disputed and facts.lab_confirmed is False:
        return LAB_NOT_CONFIRMED
    return None


def positive_drugs(results: dict[str, bool], panel: Sequence[str]) -> tuple[str, ...]:
    """The drugs a sample was positive for, in panel order."""
    return tuple(drug for drug in panel if results.get(drug))


def route_provider(home_area: str | None, providers: Sequence[Provider],
                   default_provider: str) -> str:
    """The provider serving the person's home area (matched ignoring case and surrounding
    spaces), else the suite's default provider."""
    wanted = (home_area or "").strip().casefold()
    if wanted:
        for provider in providers:
            if any(area.strip().casefold() == wanted for area in provider.areas):
                return provider.code
    return default_provider


def format_reference(prefix: str, year: int, sequence: int) -> str:
    """A referral reference such as BAS-2022-000157: the suite's prefix (unique per suite), the
    year of the test, and a sequence that restarts each year for each prefix."""
    if sequence < 1:
        raise ValueError("a referral sequence starts at 1")
    return f"{prefix}-{year:04d}-{sequence:06d}"


def reference_sequence(reference: str) -> int:
    """The sequence number at the end of a reference made by `format_reference`."""
    return int(reference.rsplit("-", 1)[1])


@dataclass(frozen=True)
class BookingWindow:
    """The instants (UTC-aware) an initial assessment may start between, inclusive."""

    earliest: datetime
    latest: datetime
    lab_result_due: date | None = None


def initial_window(tested_at: datetime, *, tz: ZoneInfo, calendar: WorkingCalendar,
                   notice_hours: int, deadline_working_days: int,
                   lab_result_working_days: int, disputed: bool) -> BookingWindow:
    """When the initial assessment may be held.

    Earliest: the test time plus the notice period. Latest: the end (local time) of the
    `deadline_working_days`-th working day after the local test date.

    A disputed test goes for confirmatory analysis whose result is due `lab_result_working_days`
    working days after the test date. Decision: the appointment must fall on a day after that
    due date (so the result can be known before the person attends), and the deadline counts
    from the due date rather than from the test date; otherwise a 5-day laboratory and a 5-day
    deadline would leave no day at all to book."""
    test_date = tested_at.astimezone(tz).date()
    earliest = tested_at + timedelta(hours=notice_hours)
    start, due = test_date, None
    if disputed:
        due = calendar.add_working_days(test_date, lab_result_working_days)
        earliest = max(earliest, end_of_local_day(due, tz))
        start = due
    latest = end_of_local_day(calendar.add_working_days(start, deadline_working_days), tz)
    return BookingWindow(earliest.astimezone(UTC), latest.astimezone(UTC), due)
