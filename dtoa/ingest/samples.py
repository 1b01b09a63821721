"""The bulk write path for samples (the tests extract and desk entries): each sample is checked
against its detention as the law stood when it was taken, new samples and their per-drug
results are written through the bulk lane, changed ones are updated and audited, and the
detention is judged again at its current sample."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import tests as test_rows
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_rows
from dtoa.ingest.csvfile import FieldError, Record, RowError
from dtoa.ingest.writers import DETENTION, _first_of_each_key, judgements
from dtoa.models import DrugTest, SampleResult
from dtoa.referrals import extract as requirement
from dtoa.rules.ages import age_on
from dtoa.rules.outcomes import REQUESTED
from dtoa.rules.referrals import ASSESSMENT_MIN_AGE
from dtoa.store.audit import diff, record_change
from dtoa.store.judgements import DETENTION_FACTS, custody_record, rejudge_ids

TEST = DrugTest.__table__
RESULT = SampleResult.__table__
AUDITED = ("sample", "further_sample_reason", "tested_at", "condition", "outcome", "result",
           "results", "positive_specified", "not_tested_reason", "officer_ref",
           "appropriate_adult", "disputed", "declared_medication", "local_time_ambiguous")
COLUMNS = ("id", "detention_id", "batch_id", "updated_at", "sample", "further_sample_reason",
           "superseded", "adult_at_sample", "tested_at", "condition", "outcome", "result",
           "positive_specified",
           "not_tested_reason", "officer_ref", "appropriate_adult", "disputed",
           "declared_medication", "local_time_ambiguous", "row_hash")
Pairs = list[tuple[Record, dict]]


def write_tests(session: Session, pairs: Pairs, *, settings: Settings, batch_id: int,
                now: datetime, seen: dict,
                entered_by: str | None = None) -> tuple[int, int, int, list[RowError]]:
    pairs, errors = _first_of_each_key(pairs, seen, "sample",
                                       key=("suite", "custody_ref", "sample"))
    if not pairs:
        return 0, 0, 0, errors
    detentions = {(r.suite, r.custody_ref): r for r in by_natural_key(
        session, DETENTION, (*DETENTION_FACTS, DETENTION.c.custody_ref),
        {(row["suite"], row["custody_ref"]) for _, row in pairs})}
    samples = _stored_samples(session, [d.id for d in detentions.values()])
    cache = judgements(seen, settings)
    new, changed, unchanged, served = [], [], 0, []
    # Sample 1 before sample 2, so a further sample can follow its first in the same file.
    for record, row in sorted(pairs, key=lambda pair: pair[1]["sample"]):
        detention = detentions.get((row["suite"], row["custody_ref"]))
        try:
            values = _checked(row, detention, samples, cache, settings)
            requirement.check_requirement(row, detention, settings)
        except FieldError as exc:
            errors.append(RowError(record.line, exc.column, exc.value, exc.reason, record.raw))
            continue
        if requirement.REQUIREMENT in values:  # served by the custody system (Drugs Act s.9)
            served.append((detention.id, row["sample"], values.pop(requirement.REQUIREMENT)))
        values.update(batch_id=batch_id, updated_at=now)
        stored = samples.get((detention.id, row["sample"]))
        if stored is None:
            new.append(values)
            samples[(detention.id, row["sample"])] = values
        elif stored["row_hash"] != row["row_hash"]:
            changed.append((stored, values))
        else:
            unchanged += 1
    actor = entered_by or f"batch:{batch_id}"
    _insert(session, new, actor if entered_by else None, now)
    for stored, values in changed:
        _update(session, stored, values, actor, now)
    touched = {v["detention_id"] for v in new} | {v["detention_id"] for _, v in changed}
    _mark_superseded(session, {d for (d, number) in samples if number > 1 and d in touched})
    rejudge_ids(session, cache, touched, now=now, actor=actor)
    if served:  # (its reference book and calendar cost more than a chunk's worth of rows)
        requirement.record_requirements(session, settings, served, now=now, actor=actor)
    return len(new), len(changed), unchanged, errors


def _stored_samples(session: Session, detention_ids: list[int]) -> dict[tuple[int, int], dict]:
    if not detention_ids:
        return {}
    rows = session.execute(select(TEST).where(TEST.c.detention_id.in_(detention_ids))).all()
    results: dict[int, dict[str, bool]] = {}
    for r in session.execute(select(RESULT).where(
            RESULT.c.drug_test_id.in_([row.id for row in rows]))) if rows else ():
        results.setdefault(r.drug_test_id, {})[r.drug] = r.positive
    return {(r.detention_id, r.sample): {**r._asdict(), "results": results.get(r.id, {})}
            for r in rows}


def _checked(row: dict, detention, samples: dict, cache, settings: Settings) -> dict:  # noqa: ANN001
    """The row's table values once it passes every check against its detention."""
    if detention is None:
        raise FieldError("custody_ref", row["custody_ref"],
                         f"no detention {row['suite']}/{row['custody_ref']}: take in the "
                         "detentions extract first")
    custody = custody_record(settings, detention)
    judgement = (cache.at_sample(custody, row["tested_at"])
                 if custody is not None and row["outcome"] in REQUESTED else None)
    test_rows.check_against(row, test_rows.DetentionFacts(detention.id, custody,
                                                          detention.arrested_at),
                            judgement, settings)
    _check_order(row, detention.id, samples)
    values = {k: v for k, v in row.items() if k not in ("suite", "custody_ref")}
    sampled_on = row["tested_at"].astimezone(settings.tz).date()
    values.update(detention_id=detention.id, superseded=False,
                  adult_at_sample=age_on(detention.birth_date, sampled_on)
                  >= ASSESSMENT_MIN_AGE,
                  condition=judgement.eligibility.condition if judgement else None)
    return values


def _check_order(row: dict, detention_id: int, samples: dict) -> None:
    """A further sample follows the first (Crime and Policing Act 2026)."""
    if row["sample"] == 1:
        later = samples.get((detention_id, 2))
        if later is not None and row["tested_at"] >= later["tested_at"]:
            raise FieldError("tested_at", row["tested_at"].isoformat(),
                             "sample 1 must be taken before the further sample")
        return
    first = samples.get((detention_id, row["sample"] - 1))
    if first is None:
        raise FieldError("sample", str(row["sample"]),
                         f"sample {row['sample'] - 1} of this detention is not recorded: a "
                         "further sample follows the first")
    if row["tested_at"] <= first["tested_at"]:
        raise FieldError("tested_at", row["tested_at"].isoformat(),
                         "a further sample is taken after the first")


def _insert(session: Session, new: list[dict], audit_actor: str | None, now: datetime) -> None:
    if not new:
        return
    ids = allocate_ids(session, TEST, len(new))
    for test_id, values in zip(ids, new, strict=True):
        values["id"] = test_id
    insert_rows(session, TEST, COLUMNS, ([v[c] for c in COLUMNS] for v in new))
    insert_rows(session, RESULT, ("drug_test_id", "drug", "positive"), (
        (v["id"], drug, positive) for v in new for drug, positive in v["results"].items()))
    if audit_actor:  # a desk entry: audited with the person who entered it
        for values in new:
            record_change(session, at=now, actor=audit_actor, entity="drug_test",
                          entity_id=values["id"], action="created",
                          changes=diff({}, {k: values[k] for k in AUDITED}))


def _update(session: Session, stored: dict, values: dict, actor: str, now: datetime) -> None:
    table_values = {k: v for k, v in values.items() if k != "results"}
    session.execute(update(TEST).where(TEST.c.id == stored["id"]).values(**table_values))
    session.execute(delete(RESULT).where(RESULT.c.drug_test_id == stored["id"]))
    if values["results"]:
        insert_rows(session, RESULT, ("drug_test_id", "drug", "positive"),
                    [(stored["id"], drug, positive)
                     for drug, positive in values["results"].items()])
    record_change(session, at=now, actor=actor, entity="drug_test", entity_id=stored["id"],
                  action="updated", changes=diff({k: stored.get(k) for k in AUDITED},
                                                 {k: values[k] for k in AUDITED}))


def _mark_superseded(session: Session, detention_ids: set[int]) -> None:
    """Only a detention's last sample is its result; earlier ones are superseded."""
    if not detention_ids:
        return
    later = TEST.alias("later")
    last = (select(func.max(later.c.sample)).where(later.c.detention_id == TEST.c.detention_id)
            .scalar_subquery())
    session.execute(update(TEST).where(and_(TEST.c.detention_id.in_(sorted(detention_ids))))
                    .values(superseded=TEST.c.sample < last))
