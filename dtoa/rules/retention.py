"""Storage limitation: how long each kind of record is kept, and what is left of it after.

DPA 2018 s.39 (Part 3, law enforcement processing): personal data must be kept for no longer
than is necessary for the purpose, with appropriate time limits for its erasure or periodic
review. A drug test result is health data, so "sensitive processing" (s.35(8)): the stricter
the need to let it go. The periods themselves are each force's decision (`[retention]` in
config.toml); the defaults and the reasons for them are in `dtoa.privacy.kinds` and the README.

Pure: no database, no clock. "Now" and the calendar come in as arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from dateutil.relativedelta import relativedelta

from dtoa.rules.ages import age_on

UNITS = ("days", "months", "years")
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*(day|days|month|months|year|years)\s*$", re.IGNORECASE)

# Referral states in which nothing more can happen to the requirement without a prosecution
# case: the assessments were attended, the requirement ceased (s.10 follow-up released, or the
# laboratory did not confirm) or it was withdrawn. A failure is closed only when no case can
# follow it (a requirement never served at the desk founds no s.12 or s.14 case).
CLOSED_REFERRAL_STATES = ("attended", "requirement_ceased", "withdrawn")
FAILED_REFERRAL_STATES = ("failed_to_attend", "failed_to_remain")
# Appointments still waiting for something to happen.
LIVE_APPOINTMENT_STATES = ("booked", "outcome_overdue")
# Prosecution cases by what was decided.
CHARGED = ("charged", "summonsed")
NOT_PROSECUTED = ("no_further_action", "good_cause_accepted")

# Age at arrest, in the bands of the Ministry of Justice's Criminal Justice Statistics (adults)
# with 14-17 year olds together (they may be tested only on charge, PACE 1984 s.63B(3)).
AGE_BANDS = ((14, 17), (18, 20), (21, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, None))


@dataclass(frozen=True)
class Period:
    """A retention period: a whole number of days, months or years."""

    amount: int
    unit: str  # one of UNITS

    def __str__(self) -> str:
        word = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {word}"

    def _delta(self) -> relativedelta:
        return relativedelta(**{self.unit: self.amount})

    def cutoff_date(self, today: date) -> date:
        """Records dated before this local date are past the period (kept for the whole
        period: a record of 3 March 2023 with a period of one year goes from 4 March 2024)."""
        return today - self._delta()

    def cutoff(self, now: datetime) -> datetime:
        """Records timed before this instant are past the period."""
        return now - self._delta()


def latest_arrest_date(before: datetime, tz: tzinfo) -> date:
    """The latest local arrest date a file can have when something in it was recorded before
    the instant `before`: a file starts with the arrest (an arrest time in the future is
    refused at ingest), and every requirement, appointment and case in it comes after, so its
    arrest was before `before` and its local date no later than `before`'s local date. A bound
    for finding files cheaply (the (anonymised_at, arrest_date) index), never a period."""
    return before.astimezone(tz).date()


def parse_period(text: str) -> Period:
    """ "90 days", "18 months", "1 year", "6 years" (case and plural do not matter)."""
    found = _PERIOD.match(str(text))
    if not found:
        raise ValueError(f"{text!r} is not a period: write e.g. \"90 days\", \"18 months\" or "
                         "\"6 years\"")
    unit = found.group(2).lower()
    return Period(int(found.group(1)), unit if unit.endswith("s") else unit + "s")


def at_least(period: Period, floor: Period, on: date) -> bool:
    """Whether `period` is as long as `floor` (compared from the same day)."""
    return period.cutoff_date(on) <= floor.cutoff_date(on)


def age_band(birth_date: date, on: date) -> str:
    """The band of the age on `on` ("25-29", "60+"): what an anonymised detention keeps of the
    birth date, enough for figures by age and too coarse to find the person by."""
    age = age_on(birth_date, on)
    for low, high in AGE_BANDS:
        if high is None and age >= low:
            return f"{low}+"
        if high is not None and low <= age <= high:
            return f"{low}-{high}"
    return f"under {AGE_BANDS[0][0]}"
