"""A block of sample rows (the tests extract) checked, judged, hashed and written as columns.

The vectorised twin of dtoa.ingest.tests.parse and dtoa.ingest.samples.write_tests for the
simple case only: a first sample (no further sample, no requirement served in the extract) of
a stored detention that has no sample yet. Its checks against the detention (PACE 1984 s.63B
at the sample, the order of events, an appropriate adult for a person under 18) run here, on
columns, and a row that fails any of them is left to the per-row path, which gives the reason.
The record checks and results (`check_record`, `result`, `positive_specified`) are asked once
per distinct combination, and the detention's judgement at its sample once per combination of
what `JudgementCache` keys it on, with the project's own functions; a changed judgement is
written and audited as `rejudge` does (`eligibility_changed`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from types import SimpleNamespace

import polars as pl
from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import tests as test_rows
from dtoa.ingest.blocks import LINE
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_frame
from dtoa.ingest.csvfile import FALSE, TRUE
from dtoa.ingest.detention_frame import (
    HASHED_INSTANT,
    STORED_INSTANT,
    age_of,
    clock_change_days,
    instant_of,
    moments_of,
    optional_of,
    text_of,
)
from dtoa.ingest.samples import COLUMNS, RESULT, TEST
from dtoa.ingest.writers import DETENTION, OFFENCE
from dtoa.models import AuditEvent
from dtoa.referrals import extract as requirement
from dtoa.rules.detention import JudgementCache, positive_specified
from dtoa.rules.eligibility import ADULT, CHILD_ON_CHARGE
from dtoa.rules.outcomes import (
    NOT_TESTED_REASONS,
    OUTCOMES,
    REQUESTED,
    SampleRecord,
    check_record,
)
from dtoa.rules.outcomes import result as result_of
from dtoa.rules.referrals import ASSESSMENT_MIN_AGE
from dtoa.store.audit import REASON_KEY, audit_values
from dtoa.store.judgements import DETENTION_FACTS, JUDGED, custody_record, judgement_columns

MOMENT = ("period", "arrest_notified", "charge_notified", "under_18_notified")
OFFENCE_SCHEMA = {"position": pl.Int64, "code": pl.String, "offence_key": pl.String,
                  "is_trigger": pl.Boolean, "finding": pl.String}


def _flag(header: list[str], column: str) -> tuple[pl.Expr, pl.Expr]:
    """(True, False or null, vouched): `parse_bool` on columns."""
    value = text_of(header, column).str.to_lowercase()
    parsed = pl.when(value.is_in(sorted(TRUE))).then(True).when(
        value.is_in(sorted(FALSE))).then(False)
    return parsed, value.is_in(sorted(TRUE | FALSE | {""}))


def checked(plain: pl.DataFrame, header: list[str], settings: Settings,
            now: datetime) -> pl.DataFrame:
    """The block's parsed columns and `vouched`: True where the row passes every check it can
    have on its own (the checks against its detention are in `vouched`)."""
    zone, drugs = settings.tz.key, [p.drug for p in settings.law.panel]
    tested_at, tested_ok = instant_of(header, "tested_at", zone)
    disputed, disputed_ok = _flag(header, "disputed")
    adult, adult_ok = _flag(header, "appropriate_adult")
    results, results_ok = {}, pl.lit(True)
    for drug in drugs:
        value = text_of(header, drug).str.to_lowercase()
        results["r_" + drug] = pl.when(value == "positive").then(True).when(
            value == "negative").then(False)
        results_ok = results_ok & value.is_in(["positive", "negative", ""])
    reason = text_of(header, "not_tested_reason").str.to_lowercase()
    frame = plain.select(
        LINE,
        suite=text_of(header, "suite").str.to_uppercase(),
        custody_ref=text_of(header, "custody_ref"),
        outcome=text_of(header, "outcome").str.to_lowercase(),
        tested_at=tested_at,
        not_tested_reason=pl.when(reason == "").then(None).otherwise(reason),
        officer_ref=optional_of(header, "officer_ref"),
        appropriate_adult=adult,
        disputed=disputed.fill_null(False),
        declared_medication=optional_of(header, "declared_medication"),
        **results,
        own_ok=(tested_ok & tested_at.is_not_null() & results_ok & disputed_ok & adult_ok
                & (reason.is_in(NOT_TESTED_REASONS) | (reason == ""))
                & text_of(header, "sample").is_in(["", "1"])
                & (text_of(header, "further_sample_reason") == "")
                & pl.all_horizontal(*(text_of(header, c) == ""
                                      for c in (*requirement.COLUMNS, requirement.SETTING)))),
    ).with_columns(on=pl.col("tested_at").dt.convert_time_zone(zone).dt.date())
    changing = clock_change_days(frame, ("on",), settings)
    frame = frame.join(_records(frame, settings, drugs), on=["outcome", *results,
                                                               "not_tested_reason", "on"],
                       how="left", nulls_equal=True)
    vouched = (
        pl.col("own_ok") & pl.col("outcome").is_in(OUTCOMES) & pl.col("record_ok")
        & (pl.col("suite") != "") & (pl.col("custody_ref") != "")
        & (pl.col("tested_at") <= pl.lit(now).dt.convert_time_zone("UTC"))
        & ~(pl.col("disputed") & (pl.col("result") != "positive"))
        & ~pl.col("on").is_in(changing)
    )
    return frame.with_columns(vouched=vouched.fill_null(False)).drop("own_ok")


def _records(frame: pl.DataFrame, settings: Settings, drugs: list[str]) -> pl.DataFrame:
    """Per distinct (outcome, results, reason, date): `check_record` on that day's panel, the
    one-word `result` and `positive_specified` (Drugs Act 2005 s.9(1)(a))."""
    law, keys = settings.law, ["outcome", *("r_" + d for d in drugs), "not_tested_reason", "on"]
    rows = []
    for values in frame.select(keys).filter(
            pl.col("outcome").is_in(OUTCOMES) & pl.col("on").is_not_null()
    ).unique().iter_rows(named=True):
        results = {d: values["r_" + d] for d in drugs if values["r_" + d] is not None}
        record = SampleRecord(values["outcome"], results, values["not_tested_reason"])
        problems = check_record(record, tuple(p.drug for p in law.panel_on(values["on"])),
                                values["on"])
        rows.append({**values, "record_ok": not problems, "result": str(result_of(record)),
                     "positive_specified": positive_specified(law, results, values["on"])})
    schema = {k: frame.schema[k] for k in keys} | {
        "record_ok": pl.Boolean, "result": pl.String, "positive_specified": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def vouched(session: Session, settings: Settings, candidates: pl.DataFrame) -> pl.DataFrame:
    """The candidates that are the first sample of a stored detention with none yet, lawful
    when taken, after the arrest, with an appropriate adult where under 18; with what writing
    them needs (the detention, the judgement at the sample)."""
    if candidates.height == 0:
        return candidates
    stored = by_natural_key(session, DETENTION, (*DETENTION_FACTS, DETENTION.c.custody_ref),
                            candidates.select("suite", "custody_ref").iter_rows())
    if not stored:
        return candidates.clear()
    facts = _facts(stored, settings)
    with_samples = {r[0] for r in session.execute(select(TEST.c.detention_id).where(
        TEST.c.detention_id.in_(facts["id"].to_list())).distinct())}
    frame = (candidates.join(facts, on=["suite", "custody_ref"], how="inner",
                             maintain_order="left")
             .filter(~pl.col("id").is_in(sorted(with_samples))
                     & pl.col("birth_date").is_not_null()
                     & pl.col("suite").is_in(list(settings.suites_by_code))
                     & (pl.col("tested_at") >= pl.col("arrested_at"))))
    if frame.height == 0:
        return frame
    frame = _judged(frame, settings, JudgementCache(settings))
    minor = age_of(pl.col("birth_date"), pl.col("on")) < test_rows.ADULT_AGE
    return frame.filter(
        pl.col("lawful") & ~(pl.col("requested") & minor
                             & ~pl.col("appropriate_adult").fill_null(False)))


def _facts(stored: list, settings: Settings) -> pl.DataFrame:
    """The stored detentions as columns (instants in UTC), their judgement as `was_*`."""
    names = [c.name for c in (*DETENTION_FACTS, DETENTION.c.custody_ref)]
    columns = dict(zip(names, zip(*stored, strict=True), strict=True))
    texts = ("suite", "custody_ref", "offence_codes", "authorising_inspector",
             "ineligible_reason", "route", "trigger_offence")
    flags = ("inspector_authorised", "in_scope", "eligible", "under_age", "authority_unrecorded")
    frame = pl.DataFrame({
        "id": pl.Series(columns["id"], dtype=pl.Int64),
        "birth_date": pl.Series(columns["birth_date"], dtype=pl.Date),
        **{c: pl.Series([None if v is None else str(v) for v in columns[c]], dtype=pl.String)
           for c in texts},
        **{c: pl.Series(columns[c], dtype=pl.Boolean) for c in flags},
        **{c: _utc(list(columns[c])) for c in ("arrested_at", "charged_at")},
    })
    return frame.rename({k: "was_" + k for k in JUDGED})


def _utc(values: list) -> pl.Series:
    aware = next((v.tzinfo is not None for v in values if v is not None), False)
    if aware:
        return pl.Series(values, dtype=pl.Datetime("us", "UTC"))
    return pl.Series(values, dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")


def _judged(frame: pl.DataFrame, settings: Settings, cache: JudgementCache) -> pl.DataFrame:
    """The judgement each sample's detention gets at it (`JudgementCache.detention`, as
    `rejudge` asks it), once per combination of what the cache keys it on."""
    zone = settings.tz.key
    frame = frame.with_row_index("i").with_columns(
        requested=pl.col("outcome").is_in(sorted(REQUESTED)),
        arrest_on=pl.col("arrested_at").dt.convert_time_zone(zone).dt.date(),
        charge_on=pl.col("charged_at").dt.convert_time_zone(zone).dt.date(),
        has_inspector=pl.col("authorising_inspector").fill_null("").str.strip_chars() != "",
    ).with_columns(first_on=pl.when("requested").then("on").otherwise("arrest_on"))
    moments = moments_of(pl.concat([frame.select("suite", on="first_on"),
                                    frame.select("suite", on="charge_on")]), settings, cache)
    for prefix, on in (("m1_", "first_on"), ("m2_", "charge_on")):
        frame = frame.join(moments.rename(lambda c, p=prefix: p + c if c in MOMENT else c),
                           left_on=["suite", on], right_on=["suite", "on"], how="left",
                           maintain_order="left")
        age = age_of(pl.col("birth_date"), pl.col(on))
        frame = frame.with_columns(**{prefix + "adult": age >= ADULT,
                                      prefix + "child": age >= CHILD_ON_CHARGE})
    frame = frame.with_columns(after_charge=pl.when("requested").then(
        pl.col("charged_at").is_not_null() & (pl.col("tested_at") >= pl.col("charged_at"))))
    keys = ["requested", "offence_codes", "inspector_authorised", "has_inspector",
            *(p + c for p in ("m1_", "m2_") for c in (*MOMENT, "adult", "child")),
            "after_charge"]
    groups = frame.group_by(keys, maintain_order=True).agg(pl.col("i"))
    rows = []
    for combo, first in enumerate(groups["i"].list.first().to_list()):
        rep = SimpleNamespace(**frame.row(first, named=True))
        judgement = cache.detention(custody_record(settings, rep), rep.tested_at, rep.outcome)
        columns = judgement_columns(judgement)
        found = [{**o, "finding": str(o["finding"])} for o in columns.pop("offences")]
        eligibility = judgement.eligibility
        rows.append({"combo": combo, "offences": found,
                     "lawful": not rep.requested or eligibility.eligible,
                     "condition": str(eligibility.condition) if rep.requested else None,
                     **{k: None if columns[k] is None else
                        (str(columns[k]) if k in ("ineligible_reason", "route") else columns[k])
                        for k in JUDGED}})
    combos = pl.DataFrame(rows, schema_overrides={
        "offences": pl.List(pl.Struct(OFFENCE_SCHEMA)), "condition": pl.String,
        "ineligible_reason": pl.String, "route": pl.String, "trigger_offence": pl.String})
    members = groups.select(pl.col("i"), combo=pl.int_range(pl.len(), dtype=pl.Int64)
                            ).explode("i")
    frame = frame.join(members, on="i").sort("i").join(combos, on="combo", how="left")
    changed = pl.any_horizontal(*(pl.col(k).ne_missing(pl.col("was_" + k)) for k in JUDGED))
    return frame.with_columns(judgement_changed=changed)


def hashed(frame: pl.DataFrame, drugs: list[str]) -> pl.DataFrame:
    """`tests.parse`'s row_hash of each row: the text joined in columns, a digest per row."""
    flag = {True: "True", False: "False"}
    results = pl.concat_str([pl.when(pl.col("r_" + d).is_not_null()).then(
        pl.lit(d + "=") + pl.col("r_" + d).cast(pl.Int8).cast(pl.String)) for d in sorted(drugs)],
        separator=";", ignore_nulls=True)
    texts = {
        "appropriate_adult": pl.col("appropriate_adult").replace_strict(flag, default=""),
        "disputed": pl.col("disputed").replace_strict(flag, default=""),
        "further_sample_reason": pl.lit(""), "sample": pl.lit("1"), "results": results,
        "tested_at": pl.col("tested_at").dt.strftime(HASHED_INSTANT),
    }
    joined = frame.select(pl.concat_str(
        [texts.get(k, pl.col(k)).fill_null("") for k in sorted(test_rows.HASHED)],
        separator="\x1f"))
    digests = [hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
               for text in joined.to_series()]
    return frame.with_columns(row_hash=pl.Series(digests, dtype=pl.String))


def write(session: Session, settings: Settings, fast: pl.DataFrame, *, cache: JudgementCache,
          batch_id: int, now: datetime, fingerprint: str) -> int:
    """Insert the first samples and their results, and write each detention's judgement at
    its sample where it changed; returns how many samples."""
    if fast.height == 0:
        return 0
    drugs = [p.drug for p in settings.law.panel]
    ids = allocate_ids(session, TEST, fast.height)
    frame = hashed(fast, drugs).with_columns(test_id=pl.Series(ids, dtype=pl.Int64))
    updated_at = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    insert_frame(session, TEST, frame.select(
        pl.col("test_id").alias("id"), pl.col("id").alias("detention_id"),
        batch_id=pl.lit(batch_id, dtype=pl.Int64), updated_at=pl.lit(updated_at),
        sample=pl.lit(1, dtype=pl.Int64), further_sample_reason=pl.lit(None, dtype=pl.String),
        superseded=pl.lit(False),
        adult_at_sample=age_of(pl.col("birth_date"), pl.col("on")) >= ASSESSMENT_MIN_AGE,
        tested_at=pl.col("tested_at").dt.strftime(STORED_INSTANT),
        local_time_ambiguous=pl.lit(False),
    ).hstack(frame.select("condition", "outcome", "result", "positive_specified",
                          "not_tested_reason", "officer_ref", "appropriate_adult", "disputed",
                          "declared_medication", "row_hash")).select(COLUMNS))
    insert_frame(session, RESULT, pl.concat([
        frame.select(pl.col("test_id").alias("drug_test_id"), drug=pl.lit(d),
                     positive=pl.col("r_" + d)).filter(pl.col("positive").is_not_null())
        for d in drugs]).sort("drug_test_id", maintain_order=True))
    _rejudged(session, frame.filter("judgement_changed"), batch_id, now)
    return frame.height


def _rejudged(session: Session, changed: pl.DataFrame, batch_id: int, now: datetime) -> None:
    """`rejudge` for many detentions at once: the judgement, its offences, and one
    `eligibility_changed` audit event each with what changed."""
    if changed.height == 0:
        return
    rows = changed.select("id", *JUDGED, *("was_" + k for k in JUDGED)).to_dicts()
    session.execute(update(DETENTION).where(DETENTION.c.id == bindparam("_id")).values(
        {k: bindparam("_" + k) for k in JUDGED}),
        [{"_id": r["id"], **{"_" + k: r[k] for k in JUDGED}} for r in rows])
    session.execute(delete(OFFENCE).where(OFFENCE.c.detention_id.in_(changed["id"].to_list())))
    insert_frame(session, OFFENCE, changed.select(pl.col("id").alias("detention_id"),
                                                  "offences").explode("offences")
                 .drop_nulls("offences").unnest("offences")
                 .select("detention_id", *OFFENCE_SCHEMA))
    reason = session.info.get(REASON_KEY)
    session.execute(insert(AuditEvent.__table__), [audit_values(
        at=now, actor=f"batch:{batch_id}", entity="detention", entity_id=r["id"],
        action="eligibility_changed", reason=reason,
        changes={k: [r["was_" + k], r[k]] for k in JUDGED if r["was_" + k] != r[k]})
        for r in rows])
