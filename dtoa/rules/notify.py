"""When messages go and to whom (dtoa.notify): pure, the clock and the settings come in.

- A reminder goes the day before each appointment, from `reminder_at` local time, and never
  once the appointment's day has begun; a message to a person goes only between `earliest`
  and `latest` local time (a change notice made at 02:00 waits until morning).
- A failed send is tried again after `first` minutes, doubling each time up to `longest`,
  `max_attempts` times in all.
- A person's contact details are kept only while the referral is open: they are deleted once
  it closes (attended, withdrawn, requirement ceased, or failed and every case decided).
- A person is reminded only when they agreed at the desk (consent, UK GDPR art. 6(1)(a)), on a
  UK mobile number or an email address they gave.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

# Referral states after which nothing more is booked or reminded.
CLOSED_STATES = frozenset({"attended", "withdrawn", "requirement_ceased"})
FAILED_STATES = frozenset({"failed_to_attend", "failed_to_remain"})
UK_MOBILE = re.compile(r"^(?:\+44|0044|44|0)(7\d{9})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def retry_delay(attempts: int, first_minutes: int, longest_minutes: int) -> timedelta:
    """The wait after the `attempts`-th failed try: first, 2x first, 4x first, ... capped."""
    return timedelta(minutes=min(first_minutes * 2 ** max(attempts - 1, 0), longest_minutes))


def within_hours(local: datetime, earliest: time, latest: time) -> datetime:
    """The first moment at or after `local` (aware, local zone) between `earliest` and
    `latest` on its day, else `earliest` the next day."""
    if local.time() < earliest:
        return local.replace(hour=earliest.hour, minute=earliest.minute,
                             second=earliest.second, microsecond=earliest.microsecond)
    if local.time() >= latest:
        following = local.date() + timedelta(days=1)
        return datetime.combine(following, earliest, tzinfo=local.tzinfo)
    return local


def reminder_window(appointment_local: datetime, reminder_at: time) -> tuple[datetime, datetime]:
    """From `reminder_at` the day before the appointment, until its day begins (local)."""
    day: date = appointment_local.date()
    start = datetime.combine(day - timedelta(days=1), reminder_at,
                             tzinfo=appointment_local.tzinfo)
    return start, datetime.combine(day, time(0), tzinfo=appointment_local.tzinfo)


def reminder_due(appointment_local: datetime, now_local: datetime, reminder_at: time,
                 earliest: time, latest: time) -> datetime | None:
    """When the reminder for an appointment should go, seen at `now_local`; None when it is
    not yet the day before, or too late for one to go in time."""
    start, end = reminder_window(appointment_local, reminder_at)
    if now_local.date() < start.date() or now_local >= end:
        return None
    due = within_hours(max(start, now_local), earliest, latest)
    return due if due < end else None


def referral_closed(state: str, cases_open: int, cases: int) -> bool:
    """Closed: nothing more is booked on it, so the person's contact details go."""
    if state in CLOSED_STATES:
        return True
    return state in FAILED_STATES and cases > 0 and cases_open == 0


def uk_mobile(text: str) -> str:
    """A UK mobile number as 07xxxxxxxxx; ValueError when it is not one."""
    compact = re.sub(r"[\s()-]", "", text)
    match = UK_MOBILE.match(compact)
    if match is None:
        raise ValueError("not a UK mobile number (07... or +447...)")
    return "0" + match.group(1)


def email_address(text: str) -> str:
    value = text.strip()
    if not EMAIL.match(value) or len(value) > 254:
        raise ValueError("not an email address")
    return value
