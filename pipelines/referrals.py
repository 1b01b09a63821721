"""Referrals step: withdraw served requirements whose test no longer supports them (freeing
their places), and count the positives of the last `LOOK_BACK` days with no requirement served
(the custody desk's worklist; the funnel counts them all). It imposes no requirement: only an
officer in police detention can (Drugs Act 2005 s.9(2), s.11; `dtoa.referrals.serve`)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.referrals import withdraw_unsupported
from dtoa.referrals.worklist import LOOK_BACK, unserved_requirements
from dtoa.store import session_scope


def referrals(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    with session_scope(engine) as session:
        withdrawn = withdraw_unsupported(session, settings, now)
        unserved = unserved_requirements(session, settings, since=now - LOOK_BACK)
    return {"withdrawn": withdrawn, "positive_no_requirement": len(unserved)}
