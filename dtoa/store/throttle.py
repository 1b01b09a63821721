"""Failed sign-ins counted in the database per user name and per client address, so every
server process sees the same counts and locks (the rule is dtoa.rules.signin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dtoa.config import Web
from dtoa.models import SignInThrottle
from dtoa.rules.signin import Failures, after_failure
from dtoa.rules.states import ThrottleScope
from dtoa.store.db import session_scope

SUBJECT_LENGTH = 64  # user names are at most 64 characters; longer ones share one count


@dataclass(frozen=True)
class Lock:
    scope: ThrottleScope
    failures: int
    until: datetime


def _subjects(user_name: str, address: str) -> dict[ThrottleScope, str]:
    return {ThrottleScope.USER_NAME: user_name.strip()[:SUBJECT_LENGTH],
            ThrottleScope.ADDRESS: address[:SUBJECT_LENGTH]}


def _limits(web: Web) -> dict[ThrottleScope, int]:
    return {ThrottleScope.USER_NAME: web.signin_failures_per_user,
            ThrottleScope.ADDRESS: web.signin_failures_per_address}


def _failures(row: SignInThrottle) -> Failures:
    return Failures(row.failures, row.window_start, row.locked_until)


def lock_on(engine: Engine, now: datetime, user_name: str, address: str) -> Lock | None:
    """The lock that refuses a sign-in with this name from this address now, if any."""
    with Session(engine) as session:
        for scope, subject in _subjects(user_name, address).items():
            row = session.execute(select(SignInThrottle).where(
                SignInThrottle.scope == scope, SignInThrottle.subject == subject)).scalar()
            if row is not None and _failures(row).locked(now):
                return Lock(scope, row.failures, row.locked_until)
    return None


def record_failure(engine: Engine, web: Web, now: datetime, user_name: str,
                   address: str) -> Lock | None:
    """Count one failed sign-in against the name and the address; the lock it starts, if any."""
    with session_scope(engine) as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.forget_at < now))
    window = timedelta(minutes=web.signin_window_minutes)
    lockout = timedelta(minutes=web.signin_lockout_minutes)
    started = None
    for scope, subject in _subjects(user_name, address).items():
        for attempt in (1, 2):  # a first failure raced by another process's: count again
            try:
                with session_scope(engine) as session:
                    counted = _count(session, scope, subject, now, limit=_limits(web)[scope],
                                     window=window, lockout=lockout)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        if counted.locked(now) and started is None:
            started = Lock(scope, counted.count, counted.locked_until)
    return started


def _count(session: Session, scope: ThrottleScope, subject: str, now: datetime, *, limit: int,
           window: timedelta, lockout: timedelta) -> Failures:
    where = (SignInThrottle.scope == scope, SignInThrottle.subject == subject)
    # Write first: the row (PostgreSQL) or the database (SQLite) stays locked until commit, so
    # two processes counting at once cannot both read the same count.
    held = session.execute(update(SignInThrottle).where(*where)
                           .values(failures=SignInThrottle.failures)).rowcount
    row = session.execute(select(SignInThrottle).where(*where)).scalar() if held else None
    counted = after_failure(_failures(row) if row else None, now, limit=limit, window=window,
                            lockout=lockout)
    row = row or SignInThrottle(scope=scope, subject=subject)
    row.failures, row.window_start = counted.count, counted.window_start
    row.locked_until, row.forget_at = counted.locked_until, counted.forget_at(window)
    session.add(row)
    session.flush()
    return counted


def forget_user_name(engine: Engine, user_name: str) -> None:
    """A successful sign-in clears the name's count (the address's count stays: one good
    account must not reset a guesser's budget)."""
    subject = _subjects(user_name, "")[ThrottleScope.USER_NAME]
    with session_scope(engine) as session:
        session.execute(delete(SignInThrottle).where(
            SignInThrottle.scope == ThrottleScope.USER_NAME, SignInThrottle.subject == subject))
