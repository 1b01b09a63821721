"""Letters step: render the providers' referral letters and the people's change notices (RA2)
that are new or changed, then one manifest per folder. Never the notice of requirement (RA1):
that is served at the custody desk. Letter rows commit with the run; files are written whole.

In-custody assessments with no referral letter yet are looked for only among the referrals and
appointments changed since the step last succeeded (`dtoa.store.watermarks`; all of them on its
first run), so the night's work does not grow with the history. Booked appointments are read as
before: they are the live ones, whatever the history's length."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.referrals.letters import issue_letters
from dtoa.referrals.manifests import write_manifests
from dtoa.store import session_scope
from dtoa.store.watermarks import advance, newest, watermark

WATERMARK = "letters.in_custody"


def letters(engine: Engine, settings: Settings, clock: Clock) -> dict:
    now = as_utc(clock.now())
    upto = newest(engine)
    with session_scope(engine) as session:
        since = watermark(session, WATERMARK)
        issued = issue_letters(session, settings, now,
                               changes=None if since is None else (since, upto))
        advance(session, WATERMARK, upto, now)
    manifests = write_manifests(issued, settings.path("outbox"))
    return {"issued": len(issued), "amended": sum(1 for i in issued if i.amended),
            "manifests": len(manifests)}
