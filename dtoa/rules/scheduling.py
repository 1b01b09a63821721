"""Finding an assessment slot: pure, given the provider's sessions, what is already booked, the
earliest and latest acceptable instants, and the working calendar.

No statute fixes the interval between test and assessment (Drugs Act 2005 Part 3 is silent), so
the notice period and deadline are settings; a slot is never offered outside them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dtoa.config import Session
from dtoa.rules.calendar import WorkingCalendar


def session_instants(sessions: Sequence[Session], earliest: datetime, latest: datetime,
                     tz: ZoneInfo, calendar: WorkingCalendar) -> Iterator[tuple[datetime, int]]:
    """(start instant in UTC, capacity) of each session between earliest and latest inclusive,
    in time order. A session configured for a weekday is held on every such day that is not a
    bank holiday or a closure: a Saturday session (an in-custody worker at a suite that runs
    every day) is held on Saturdays. Session times are local wall-clock times: 10:00 stays
    10:00 across the change to and from summer time."""
    first_day, last_day = earliest.astimezone(tz).date(), latest.astimezone(tz).date()
    day = first_day
    while day <= last_day:
        todays = sorted((s for s in sessions if s.weekday_index == day.weekday()),
                        key=lambda s: s.time)
        if todays and calendar.is_open(day):
            for session in todays:
                start = datetime.combine(day, session.time, tzinfo=tz).astimezone(UTC)
                if earliest <= start <= latest:
                    yield start, session.capacity
        day += timedelta(days=1)


def first_free_slot(sessions: Sequence[Session], booked: Mapping[datetime, int],
                    earliest: datetime, latest: datetime, tz: ZoneInfo,
                    calendar: WorkingCalendar) -> datetime | None:
    """The first session start in [earliest, latest] with a free place, or None (no capacity).

    `booked` counts live appointments by their UTC start instant."""
    for start, capacity in session_instants(sessions, earliest, latest, tz, calendar):
        if booked.get(start, 0) < capacity:
            return start
    return None
