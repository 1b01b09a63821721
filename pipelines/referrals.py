"""Referrals step: withdraw served requirements whose test no longer supports them (freeing
their places), and count the positives of the last `LOOK_BACK` days with no requirement served
(the custody desk's worklist; the funnel counts them all). It imposes no requirement: only an
officer in police detention can (Drugs Act 2005 s.9(2), s.11; `dtoa.referrals.serve`).

Incremental: a referral is re-checked only when its detention, one of its drug tests or the
referral itself changed since the step last succeeded (`dtoa.store.watermarks`); its first run
checks every running referral. The watermark moves in the step's own transaction."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.referrals import withdraw_unsupported
from dtoa.referrals.worklist import LOOK_BACK, unserved_requirements
from dtoa.store import session_scope
from dtoa.store.watermarks import advance, changed_detentions, newest, watermark

WATERMARK = "referrals.withdraw"


def referrals(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    upto = newest(engine)
    with session_scope(engine) as session:
        since = watermark(session, WATERMARK)
        among = None if since is None else changed_detentions(since, upto)
        checked, withdrawn = withdraw_unsupported(session, settings, now, among=among)
        unserved = unserved_requirements(session, settings, since=now - LOOK_BACK)
        advance(session, WATERMARK, upto, now)
    return {"withdrawn": withdrawn, "positive_no_requirement": len(unserved),
            "rechecked": checked}
