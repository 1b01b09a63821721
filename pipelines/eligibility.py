"""Re-evaluate stored detentions whose eligibility was worked out under other settings
(a suite notified later, an offence added to Schedule 6, the Class A specification changed).

Each detention carries the fingerprint of the settings it was judged under, so a night with no
configuration change reads nothing; after a change, rows are re-judged in chunks.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.ingest.detentions import eligibility_columns
from dtoa.models import Detention, DetentionOffence
from dtoa.rules.detention import evaluate, rules_fingerprint
from dtoa.store import record_change, session_scope

TABLE = Detention.__table__
OFFENCES = DetentionOffence.__table__
AUDITED = ("in_scope", "eligible", "under_age", "ineligible_reason", "route", "trigger_offence")
CHUNK = 2000


def eligibility(engine: Engine, settings: Settings, clock: Clock) -> dict:
    fingerprint = rules_fingerprint(settings)
    now = as_utc(clock.now())
    checked = changed = 0
    with session_scope(engine) as session:
        while True:
            stale = session.execute(select(TABLE).where(TABLE.c.rules_version != fingerprint)
                                    .order_by(TABLE.c.id).limit(CHUNK)).all()
            if not stale:
                break
            for row in stale:
                checked += 1
                changed += _rejudge(session, settings, row, fingerprint, now)
    return {"checked": checked, "changed": changed}


def _rejudge(session, settings: Settings, row, fingerprint: str, now) -> int:  # noqa: ANN001
    suite = settings.suites_by_code.get(row.suite)
    if suite is None:  # a suite removed from the configuration: keep the last judgement
        session.execute(update(TABLE).where(TABLE.c.id == row.id)
                        .values(rules_version=fingerprint))
        return 0
    result, findings = evaluate(settings, suite, arrest_date=row.arrest_date,
                                birth_date=row.birth_date, offence_codes=row.offence_codes,
                                inspector_authorised=row.inspector_authorised,
                                authorising_inspector=row.authorising_inspector)
    values = eligibility_columns(result, row.birth_date, row.arrest_date, suite.min_age)
    session.execute(update(TABLE).where(TABLE.c.id == row.id)
                    .values(rules_version=fingerprint, **values))
    session.execute(delete(OFFENCES).where(OFFENCES.c.detention_id == row.id))
    if findings:
        session.execute(insert(OFFENCES), [
            {"detention_id": row.id, "position": i, "code": f.code, "offence_key": f.key,
             "is_trigger": f.is_trigger, "finding": f.reason} for i, f in enumerate(findings)])
    changes = {k: [getattr(row, k), values[k]] for k in AUDITED if getattr(row, k) != values[k]}
    if not changes:
        return 0
    record_change(session, at=now, actor="pipeline:eligibility", entity="detention",
                  entity_id=row.id, action="eligibility_changed", changes=changes)
    return 1
