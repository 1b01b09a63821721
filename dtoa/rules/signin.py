"""When a web session ends, and when failed sign-ins lock a user name or an address out.

Pure: the time comes in as an argument. The limits are `[web]` settings.

A session ends `idle` minutes after its last request, and in any case `lifetime` after it
began (OWASP Session Management: an idle and an absolute timeout), whichever comes first.

Sign-in throttling (OWASP Authentication: account lockout) counts failed sign-ins per user
name and per client address. Failures are counted from the first one in a window of `window`;
when a count reaches its `limit`, that name or address is locked for `lockout`, and every
sign-in with it is refused unseen, the right password too, until the lock ends. A failure after
the window has passed starts a new count; a failure after a lock ended but inside the window
locks again at once. Names are counted whether or not an account has them, so the answers never
reveal which names exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SessionEnd(StrEnum):
    IDLE = "idle"  # no request for `idle_minutes`
    LIFETIME = "lifetime"  # `session_hours` since sign-in


def session_end(created_at: datetime, last_seen_at: datetime, now: datetime, *,
                idle: timedelta, lifetime: timedelta) -> SessionEnd | None:
    """Why a session has ended by `now`, or None while it is live."""
    if now - last_seen_at > idle:
        return SessionEnd.IDLE
    if now - created_at > lifetime:
        return SessionEnd.LIFETIME
    return None


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins counted against one user name or one address."""

    count: int
    window_start: datetime
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def forget_at(self, window: timedelta) -> datetime:
        """When this count no longer matters: its window and any lock are over."""
        return max(self.window_start + window, self.locked_until or self.window_start)


def after_failure(prior: Failures | None, now: datetime, *, limit: int, window: timedelta,
                  lockout: timedelta) -> Failures:
    """The count after one more failed sign-in at `now` (a locked name or address is refused
    before its password is checked, so this is never called while it is locked)."""
    if prior is None or now - prior.window_start >= window:
        prior = Failures(0, now)
    count = prior.count + 1
    return Failures(count, prior.window_start, now + lockout if count >= limit else None)
