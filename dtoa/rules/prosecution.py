"""Prosecution of a failure to attend or remain for a required assessment.

Drugs Act 2005 s.12 (initial assessment) and s.14 (follow-up assessment): failing without good
cause to attend, or to remain for the whole assessment, is a summary offence. Magistrates'
Courts Act 1980 s.127(1): an information must be laid "within six months from the time when the
offence was committed". The day of the failure is excluded, so the last day is the date with the
same number six calendar months later, or the month's last day when there is no such date
(31 August + 6 months = 28 February, or 29 February in a leap year).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from dtoa.rules.attendance import FAILED_TO_REMAIN, FAILURES, FOLLOW_UP, INITIAL, Refusal

OFFENCES = {INITIAL: "Drugs Act 2005 s.12", FOLLOW_UP: "Drugs Act 2005 s.14"}
OPEN = "open"
DECISIONS = ("charged", "summonsed", "no_further_action", "good_cause_accepted")


def offence_for(assessment: str) -> str:
    """s.12 for a missed initial assessment, s.14 for a missed follow-up."""
    return OFFENCES[assessment]


def is_prosecutable(outcome: str) -> bool:
    """Only a failure to attend or remain; good cause means no offence (ss.12(3), 14(3))."""
    return outcome in FAILURES


def failure_date(outcome: str, scheduled_at: datetime, outcome_at: datetime | None,
                 tz: ZoneInfo) -> date:
    """The local date the offence was committed: the appointment's day for a failure to attend,
    the day the person left for a failure to remain."""
    moment = outcome_at if outcome == FAILED_TO_REMAIN and outcome_at else scheduled_at
    return moment.astimezone(tz).date()


def time_limit(failure_on: date, months: int) -> date:
    """The last day an information may be laid (MCA 1980 s.127; see the module docstring)."""
    return failure_on + relativedelta(months=months)


def warn_from(time_limit_on: date, days_before: int) -> date:
    """The day a case starts to be listed as due."""
    return time_limit_on - timedelta(days=days_before)


def check_decision(state: str, decision: str) -> Refusal | None:
    """A decision is taken once, on an open case."""
    if state != OPEN:
        return Refusal("already_decided", "decision",
                       f"the prosecution case is already decided: {state}")
    if decision not in DECISIONS:
        return Refusal("unknown_decision", "decision",
                       "expected one of " + ", ".join(DECISIONS))
    return None
