"""A detention's stored judgement (PACE 1984 s.63B) kept in step with its facts: judged at its
current sample when one was requested, else at its arrest and charge. Used by both extracts
(a new sample, a corrected custody record) and by the eligibility step (a change of law)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.models import Detention, DetentionOffence, DrugTest
from dtoa.rules.detention import CustodyRecord, Judgement, JudgementCache
from dtoa.rules.states import Flag
from dtoa.store.audit import record_change

DETENTION = Detention.__table__
OFFENCE = DetentionOffence.__table__
TEST = DrugTest.__table__
JUDGED = ("in_scope", "eligible", "under_age", "ineligible_reason", "route", "trigger_offence",
          "authority_unrecorded")
# Everything judge() reads of a stored detention.
DETENTION_FACTS = (DETENTION.c.id, DETENTION.c.suite, DETENTION.c.birth_date,
                   DETENTION.c.arrested_at, DETENTION.c.charged_at, DETENTION.c.offence_codes,
                   DETENTION.c.inspector_authorised, DETENTION.c.authorising_inspector,
                   *(DETENTION.c[k] for k in JUDGED))


def judgement_columns(judgement: Judgement) -> dict:
    """The detention's stored judgement: its columns, and its offences as classified on the
    judged date (under the key "offences")."""
    eligibility = judgement.eligibility
    return {
        "in_scope": eligibility.in_scope,
        "eligible": eligibility.eligible,
        "under_age": eligibility.under_age,
        "ineligible_reason": eligibility.reason,
        "route": eligibility.route,
        "trigger_offence": eligibility.trigger_offence,
        "authority_unrecorded": Flag.AUTHORITY_UNRECORDED in eligibility.flags,
        "offences": tuple(
            {"position": i, "code": f.code, "offence_key": f.key, "is_trigger": f.is_trigger,
             "finding": f.reason} for i, f in enumerate(judgement.findings)),
    }


def custody_record(settings: Settings, row) -> CustodyRecord | None:  # noqa: ANN001
    """The law's view of a stored detention (a row with the detention's columns); None when its
    suite is no longer configured."""
    suite = settings.suites_by_code.get(row.suite)
    if suite is None:
        return None
    return CustodyRecord(suite, row.birth_date, row.arrested_at, row.charged_at,
                         row.offence_codes, row.inspector_authorised, row.authorising_inspector)


def current_samples(session: Session, detention_ids: Iterable[int]) -> dict[int, tuple]:
    """detention id -> (tested_at, outcome) of its current (not superseded) sample."""
    ids = list(detention_ids)
    if not ids:
        return {}
    rows = session.execute(select(TEST.c.detention_id, TEST.c.tested_at, TEST.c.outcome)
                           .where(TEST.c.detention_id.in_(ids),
                                  TEST.c.superseded.is_(False)))
    return {r.detention_id: (r.tested_at, r.outcome) for r in rows}


def rejudge(session: Session, judge: JudgementCache, stored, sample: tuple | None, *,  # noqa: ANN001
            now: datetime, actor: str, fingerprint: str | None = None) -> bool:
    """Judge a stored detention (a row with DETENTION_FACTS) at its current `sample`
    ((tested_at, outcome) or None) and write the judgement where it differs, with its
    offences, audited as `eligibility_changed`. Returns whether anything changed."""
    record = custody_record(judge.settings, stored)
    stamp = {"rules_version": fingerprint} if fingerprint else {}
    if record is None:  # a suite removed from the configuration: keep the last judgement
        if stamp:
            session.execute(update(DETENTION).where(DETENTION.c.id == stored.id).values(**stamp))
        return False
    columns = judgement_columns(judge.detention(record, *(sample or (None, None))))
    offences = columns.pop("offences")
    changes = {k: [getattr(stored, k), columns[k]] for k in JUDGED
               if getattr(stored, k) != columns[k]}
    if changes or stamp:
        session.execute(update(DETENTION).where(DETENTION.c.id == stored.id)
                        .values(**columns, **stamp))
    if not changes:
        return False
    session.execute(delete(OFFENCE).where(OFFENCE.c.detention_id == stored.id))
    if offences:
        session.execute(insert(OFFENCE), [dict(o, detention_id=stored.id) for o in offences])
    record_change(session, at=now, actor=actor, entity="detention", entity_id=stored.id,
                  action="eligibility_changed", changes=changes)
    return True


def rejudge_ids(session: Session, judge: JudgementCache, detention_ids: Iterable[int], *,
                now: datetime, actor: str) -> int:
    """Re-judge these detentions at their current samples; returns how many changed."""
    ids = sorted(set(detention_ids))
    if not ids:
        return 0
    samples = current_samples(session, ids)
    stored = session.execute(select(*DETENTION_FACTS).where(DETENTION.c.id.in_(ids))).all()
    return sum(rejudge(session, judge, row, samples.get(row.id), now=now, actor=actor)
               for row in stored)
