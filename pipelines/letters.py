"""Letters step: render the providers' referral letters and the people's change notices (RA2)
that are new or changed, then one manifest per folder. Never the notice of requirement (RA1):
that is served at the custody desk. Letter rows commit with the run; files are written whole."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.referrals.letters import issue_letters
from dtoa.referrals.manifests import write_manifests
from dtoa.store import session_scope


def letters(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    with session_scope(engine) as session:
        issued = issue_letters(session, settings, now)
    manifests = write_manifests(issued, settings.path("outbox"))
    return {"issued": len(issued), "amended": sum(1 for i in issued if i.amended),
            "manifests": len(manifests)}
