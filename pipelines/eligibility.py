"""Re-evaluate stored detentions whose eligibility was worked out under other settings
(a suite notified later, an offence added to Schedule 6, the Class A specification changed)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest.detentions import eligibility_columns
from dtoa.models import Detention
from dtoa.rules.detention import evaluate, rules_fingerprint
from dtoa.store import record_change, session_scope

TABLE = Detention.__table__
AUDITED = ("in_scope", "eligible", "under_age", "ineligible_reason", "route", "trigger_offence")


def eligibility(engine: Engine, settings: Settings, clock: Clock) -> dict:
    fingerprint = rules_fingerprint(settings)
    now = as_utc(clock.now())
    checked = changed = 0
    with session_scope(engine) as session:
        stale = session.execute(select(TABLE).where(TABLE.c.rules_version != fingerprint)).all()
        for row in stale:
            checked += 1
            suite = settings.suites_by_code.get(row.suite)
            if suite is None:
                continue
            result, _ = evaluate(settings, suite, arrest_date=row.arrest_date,
                                 birth_date=row.birth_date, offence_codes=row.offence_codes,
                                 inspector_authorised=row.inspector_authorised,
                                 authorising_inspector=row.authorising_inspector)
            values = eligibility_columns(result, row.birth_date, row.arrest_date, suite.min_age)
            changes = {k: [getattr(row, k), values[k]] for k in AUDITED
                       if getattr(row, k) != values[k]}
            session.execute(update(TABLE).where(TABLE.c.id == row.id)
                            .values(rules_version=fingerprint, **values))
            if changes:
                changed += 1
                record_change(session, at=now, actor="pipeline:eligibility", entity="detention",
                              entity_id=row.id, action="eligibility_changed", changes=changes)
    return {"checked": checked, "changed": changed}
