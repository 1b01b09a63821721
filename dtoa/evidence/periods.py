"""Periods of the evidence reports. A test belongs to the period of the date its sample was
taken, in Europe/London time (not the arrest date, which the weekly funnel uses): the Home
Office counts tests, and a test is done when the sample is taken. A sample at 00:30 on 1 July
belongs to the third quarter even when the arrest was on 30 June."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUARTER = re.compile(r"([0-9]{4})-Q([1-4])", re.IGNORECASE)
FIRST_YEAR, LAST_YEAR = 2000, 2999


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """'2026-Q3' -> (1 July 2026, 30 September 2026): calendar quarters, as the Home Office
    publishes them (Q4 is October to December). Anything else is a ValueError."""
    match = QUARTER.fullmatch(quarter.strip())
    if match is None:
        raise ValueError("choose a quarter as YYYY-Qn, e.g. 2026-Q3")
    year, number = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"choose a quarter from {FIRST_YEAR}-Q1 to {LAST_YEAR}-Q4")
    start = date(year, 3 * number - 2, 1)
    end = (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) \
        - timedelta(days=1)
    return start, end


def quarter_name(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def instants(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants from the first moment of `start` to the first moment after `end`
    (local dates, inclusive): a sample belongs when start <= tested_at < the second."""
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    first = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return first, after


def months(start: date, end: date) -> list[str]:
    """'YYYY-MM' of every month the period touches, in order."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
