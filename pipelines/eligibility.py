"""Re-judge stored detentions and their samples whose judgement was made under other settings
(a suite notified later, an offence added to Schedule 6 or commenced, a drug specified).
An anonymised detention (past its retention period) is history: never judged again.

Each detention carries the fingerprint of the settings it was judged under, so a night with no
configuration change reads nothing; after a change, rows are re-judged in chunks, each at its
current sample (PACE 1984 s.63B: the conditions are judged when the sample is taken).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import Detention, DrugTest, SampleResult
from dtoa.rules.detention import JudgementCache, positive_specified, rules_fingerprint
from dtoa.store import record_change, session_scope
from dtoa.store.judgements import DETENTION_FACTS, current_samples, rejudge

TABLE = Detention.__table__
TEST = DrugTest.__table__
RESULT = SampleResult.__table__
CHUNK = 2000
ACTOR = "pipeline:eligibility"


def eligibility(engine: Engine, settings: Settings, clock: Clock) -> dict:
    fingerprint = rules_fingerprint(settings)
    now = as_utc(clock.now())
    cache = JudgementCache(settings)
    checked = changed = samples_changed = 0
    with session_scope(engine) as session:
        while True:
            stale = session.execute(select(*DETENTION_FACTS)
                                    .where(TABLE.c.rules_version != fingerprint,
                                           TABLE.c.anonymised_at.is_(None))
                                    .order_by(TABLE.c.id).limit(CHUNK)).all()
            if not stale:
                break
            samples = current_samples(session, [row.id for row in stale])
            for row in stale:
                checked += 1
                changed += rejudge(session, cache, row, samples.get(row.id), now=now,
                                   actor=ACTOR, fingerprint=fingerprint)
            samples_changed += _positive_specified(session, settings, [r.id for r in stale],
                                                   now)
    return {"checked": checked, "changed": changed, "samples_changed": samples_changed}


def _positive_specified(session: Session, settings: Settings, detention_ids: list[int],
                        now) -> int:  # noqa: ANN001
    """Whether each sample's positives are for a specified drug (Drugs Act 2005 s.9(1)(a)),
    under the current specification; audited where it changes."""
    tests = session.execute(select(TEST.c.id, TEST.c.tested_at, TEST.c.positive_specified)
                            .where(TEST.c.detention_id.in_(detention_ids))).all()
    results: dict[int, dict[str, bool]] = {}
    for r in session.execute(select(RESULT).where(
            RESULT.c.drug_test_id.in_([t.id for t in tests]))) if tests else ():
        results.setdefault(r.drug_test_id, {})[r.drug] = r.positive
    changed = 0
    for test in tests:
        on = test.tested_at.astimezone(settings.tz).date()
        value = positive_specified(settings.law, results.get(test.id, {}), on)
        if value != test.positive_specified:
            session.execute(update(TEST).where(TEST.c.id == test.id)
                            .values(positive_specified=value))
            record_change(session, at=now, actor=ACTOR, entity="drug_test", entity_id=test.id,
                          action="specification_changed",
                          changes={"positive_specified": [test.positive_specified, value]})
            changed += 1
    return changed
