"""Working days in England and Wales: Monday to Friday, less bank holidays.

Bank holidays come from the maintained `holidays` package (GB, subdivision ENG, which England
and Wales share), including substitute days such as 27 December 2022.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


@dataclass
class WorkingCalendar:
    """A calendar that answers `is_working_day`; `extra_closures` adds local closures."""

    extra_closures: frozenset[date] = frozenset()
    _holidays: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("GB", subdiv="ENG"))

    def is_bank_holiday(self, day: date) -> bool:
        return day in self._holidays

    def is_open(self, day: date) -> bool:
        """Neither a bank holiday (England and Wales) nor a closure: a configured session on
        that weekday is held, whatever the day of the week."""
        return not self.is_bank_holiday(day) and day not in self.extra_closures

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.is_open(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself does not count)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_from(self, start: date) -> Iterator[date]:
        """Working days on or after `start`, forever."""
        day = start
        while True:
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The last instant of a local calendar day (23:59:59), whatever its length."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def start_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)
