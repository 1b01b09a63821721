"""Referrals step: withdraw referrals whose test no longer supports them (freeing places), then
re-try those that found no place, then refer new positive tests. One transaction."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.referrals import create_referrals, retry_no_capacity, withdraw_unsupported
from dtoa.store import session_scope


def referrals(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    with session_scope(engine) as session:
        withdrawn = withdraw_unsupported(session, settings, now)
        rebooked = retry_no_capacity(session, settings, now)
        created = create_referrals(session, settings, now)
    return {"created": created.created, "booked": created.booked,
            "no_capacity": created.no_capacity, "not_referred": created.not_referred,
            "rebooked": rebooked, "withdrawn": withdrawn}
