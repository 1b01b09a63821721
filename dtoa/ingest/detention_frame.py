"""A block of detention rows checked, judged, hashed and written as columns (polars).

Each check is the vectorised twin of one in dtoa.ingest.detentions.parse, made stricter where
the two could disagree (only the plain ISO forms of dates and times, only printable ASCII, a
local time on a day the clocks change is not vouched for): a row is `vouched` only when every
check passes, and every other row is parsed by `detentions.parse`, the one source of error
messages. Eligibility is judged once per distinct combination of what `JudgementCache` keys
its judgements on, with the project's own rules (a representative row of each combination is
judged, as the per-row path would have judged it).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

import polars as pl
from sqlmodel import Session

from dtoa.config import Settings
from dtoa.ingest import detentions as detention_rows
from dtoa.ingest.blocks import LINE
from dtoa.ingest.bulk import allocate_ids, by_natural_key, insert_frame
from dtoa.ingest.csvfile import FALSE, TRUE
from dtoa.ingest.writers import DETENTION, DETENTION_COLUMNS, OFFENCE
from dtoa.rules.detention import CustodyRecord, JudgementCache, notified_on
from dtoa.rules.eligibility import ADULT, CHILD_ON_CHARGE
from dtoa.store.judgements import judgement_columns

DATE = r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
OFFSET = r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"
# An instant's year stops at 8999: near 9999 an offset can take it past what Python holds.
INSTANT = (DATE.replace("[1-9]", "[1-8]", 1) + r"T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
           + OFFSET + "?$")
STORED_INSTANT = "%Y-%m-%d %H:%M:%S%.6f"  # as SQLAlchemy stores a DateTime on SQLite
HASHED_INSTANT = "%Y-%m-%d %H:%M:%S+00:00"  # str() of a UTC datetime without microseconds
MAX_AGE = detention_rows.MAX_AGE
STORED = ("id", "batch_id", "updated_at", *DETENTION_COLUMNS)
MOMENT = ("period", "arrest_notified", "charge_notified", "under_18_notified")


def text_of(header: list[str], column: str) -> pl.Expr:
    source = pl.col(column) if column in header else pl.lit("", dtype=pl.String)
    return source.str.strip_chars(" ")


def optional_of(header: list[str], column: str) -> pl.Expr:
    value = text_of(header, column)
    return pl.when(value == "").then(None).otherwise(value)


def instant_of(header: list[str], column: str, zone: str) -> tuple[pl.Expr, pl.Expr]:
    """(UTC instant or null, vouched): a time with an offset (or Z), or a local time that the
    clocks neither skip nor repeat (those go to the per-row parser, which flags them)."""
    value = text_of(header, column)
    base = value.str.extract(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?)", 1)
    offset = value.str.extract(OFFSET + "$", 0)
    whole = pl.when(base.str.len_bytes() == 16).then(base + ":00").otherwise(base)
    naive = whole.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False)
    minutes = pl.when(offset == "Z").then(0).otherwise(
        offset.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
        + offset.str.slice(4, 2).cast(pl.Int64, strict=False))
    signed = pl.when(offset.str.starts_with("-")).then(-minutes).otherwise(minutes)
    utc = pl.when(~value.str.contains(INSTANT)).then(None).when(offset.is_null()).then(
        naive.dt.replace_time_zone(zone, ambiguous="null", non_existent="null")
        .dt.convert_time_zone("UTC")).otherwise(
        naive.dt.replace_time_zone("UTC") - pl.duration(minutes=signed))
    return utc, (value == "") | utc.is_not_null()


def age_of(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """dtoa.rules.ages.age_on as columns: whole years, a birthday not yet reached this year
    taking one off (29 February reaches its new age on 1 March)."""
    before = (on.dt.month() * 100 + on.dt.day()) < (born.dt.month() * 100 + born.dt.day())
    return on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def checked(plain: pl.DataFrame, header: list[str], settings: Settings,
            now: datetime) -> pl.DataFrame:
    """The block's parsed columns and `vouched`: True where the row passes every check."""
    zone = settings.tz.key
    arrested, arrested_ok = instant_of(header, "arrested_at", zone)
    charged, charged_ok = instant_of(header, "charged_at", zone)
    authorised_at, authorised_at_ok = instant_of(header, "authorised_at", zone)
    birth_text = text_of(header, "birth_date")
    flag = text_of(header, "inspector_authorised").str.to_lowercase()
    moment = pl.lit(now).dt.convert_time_zone("UTC")
    frame = plain.select(
        LINE,
        suite=text_of(header, "suite").str.to_uppercase(),
        custody_ref=text_of(header, "custody_ref"),
        person_ref=text_of(header, "person_ref"),
        person_name=optional_of(header, "person_name"),
        birth_date=pl.when(birth_text.str.contains(DATE + "$")).then(
            birth_text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)),
        arrested_at=arrested,
        charged_at=charged,
        codes_given=text_of(header, "offence_codes"),
        inspector_authorised=flag.is_in(sorted(TRUE)),
        flag_ok=flag.is_in(sorted(TRUE | FALSE | {""})),
        authorising_inspector=optional_of(header, "authorising_inspector"),
        authorised_at=authorised_at,
        authority_grounds=optional_of(header, "authority_grounds"),
        home_area=optional_of(header, "home_area"),
        times_ok=arrested_ok & charged_ok & authorised_at_ok,
    ).with_columns(
        arrest_date=pl.col("arrested_at").dt.convert_time_zone(zone).dt.date(),
        charge_date=pl.col("charged_at").dt.convert_time_zone(zone).dt.date(),
        authorised_date=pl.col("authorised_at").dt.convert_time_zone(zone).dt.date(),
    )
    days = ("arrest_date", "charge_date", "authorised_date")
    changing = clock_change_days(frame, days, settings)
    vouched = (
        pl.col("suite").is_in(list(settings.suites_by_code))
        & (pl.col("custody_ref") != "") & (pl.col("person_ref") != "")
        & (pl.col("codes_given") != "") & pl.col("flag_ok") & pl.col("times_ok")
        & pl.col("birth_date").is_not_null() & pl.col("arrested_at").is_not_null()
        & (pl.col("arrested_at") <= moment)
        & (pl.col("birth_date") <= pl.col("arrest_date"))
        & (age_of(pl.col("birth_date"), pl.col("arrest_date")) <= MAX_AGE)
        & (pl.col("charged_at").is_null() | ((pl.col("charged_at") >= pl.col("arrested_at"))
                                             & (pl.col("charged_at") <= moment)))
        & ~pl.any_horizontal(*(pl.col(d).is_in(changing).fill_null(False) for d in days))
    )
    return frame.with_columns(vouched=vouched.fill_null(False)).drop(
        "flag_ok", "times_ok", "authorised_date")


def clock_change_days(frame: pl.DataFrame, columns: tuple[str, ...], settings: Settings
                      ) -> list:
    """The local days in `columns` on which the clocks change (a time on them is left to the
    per-row parser, which knows which times happen twice or not at all)."""
    days = pl.concat([frame[c] for c in columns]).drop_nulls().unique().to_list()
    tz = settings.tz

    def offset(day, hour: int) -> timedelta:  # noqa: ANN001
        return datetime.combine(day, time(hour), tzinfo=tz).utcoffset()

    return [d for d in days if offset(d, 0) != offset(d + timedelta(days=1), 0)
            or offset(d, 0) != offset(d, 12)]


def judged(frame: pl.DataFrame, settings: Settings, cache: JudgementCache
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows with their judgement columns and the judged offence codes, the offences of each
    combination). `frame` holds vouched rows only."""
    moments = moments_of(pl.concat([frame.select("suite", on="arrest_date"),
                                    frame.select("suite", on="charge_date")]), settings, cache)
    frame = (frame.with_row_index("i")
             .join(moments.rename(lambda c: "a_" + c if c in MOMENT else c),
                   left_on=["suite", "arrest_date"], right_on=["suite", "on"], how="left")
             .join(moments.rename(lambda c: "c_" + c if c in MOMENT else c),
                   left_on=["suite", "charge_date"], right_on=["suite", "on"], how="left")
             .with_columns(a_age=age_of(pl.col("birth_date"), pl.col("arrest_date")),
                           c_age=age_of(pl.col("birth_date"), pl.col("charge_date")),
                           has_inspector=pl.col("authorising_inspector").is_not_null())
             .with_columns(a_adult=pl.col("a_age") >= ADULT,
                           a_child=pl.col("a_age") >= CHILD_ON_CHARGE,
                           c_adult=pl.col("c_age") >= ADULT,
                           c_child=pl.col("c_age") >= CHILD_ON_CHARGE)
             .sort("i"))
    keys = ["codes_given", "inspector_authorised", "has_inspector",
            *(f"{m}_{c}" for m in "ac" for c in (*MOMENT, "adult", "child"))]
    groups = frame.group_by(keys, maintain_order=True).agg(pl.col("i"))
    rows, offences = [], []
    for combo, first in enumerate(groups["i"].list.first().to_list()):
        rep = frame.row(first, named=True)
        charged = rep["charged_at"]
        record = CustodyRecord(settings.suites_by_code[rep["suite"]], rep["birth_date"],
                               rep["arrested_at"], charged, rep["codes_given"],
                               rep["inspector_authorised"], rep["authorising_inspector"])
        judgement = cache.without_sample(record)
        columns = judgement_columns(judgement)
        offences.extend(dict(offence, combo=combo) for offence in columns.pop("offences"))
        columns = {k: (None if v is None else str(v)) if k in ("ineligible_reason", "route")
                   else v for k, v in columns.items()}
        rows.append({"combo": combo, "offence_codes": ";".join(f.code for f in
                                                                 judgement.findings),
                     **columns})
    combos = pl.DataFrame(rows, schema_overrides={"ineligible_reason": pl.String,
                                                  "route": pl.String,
                                                  "trigger_offence": pl.String})
    members = groups.select(pl.col("i"), combo=pl.int_range(pl.len(), dtype=pl.UInt32)
                            ).explode("i")
    frame = frame.join(members, on="i").sort("i").join(combos, on="combo", how="left")
    offence_frame = pl.DataFrame(offences, schema={
        "position": pl.Int64, "code": pl.String, "offence_key": pl.String,
        "is_trigger": pl.Boolean, "finding": pl.String, "combo": pl.UInt32})
    return frame, offence_frame


def moments_of(pairs: pl.DataFrame, settings: Settings, cache: JudgementCache
               ) -> pl.DataFrame:
    """Per distinct (suite, on) of `pairs`: the period of the law (`JudgementCache.periods`)
    and the suite's notifications on that date. Both change only on known dates (the law's
    `change_dates`, a notification's first day and the day after its last), so the project's
    own functions are asked once per stretch between those dates, and each date takes its
    stretch's answer."""
    pairs = pairs.select("suite", "on").drop_nulls().unique().sort("on")
    periods = pl.Series(cache.periods, dtype=pl.Date)
    stretches = []
    for suite in pairs["suite"].unique().to_list():
        config = settings.suites_by_code[suite]
        starts = {date.min, *(n.from_ for n in config.notifications),
                  *(n.until + timedelta(days=1) for n in config.notifications
                    if n.until is not None and n.until < date.max)}
        for start in sorted(starts):
            notified = notified_on(config, start)
            stretches.append((suite, start, notified.arrest, notified.charge,
                              notified.under_18))
    table = pl.DataFrame(stretches, schema=[
        ("suite", pl.String), ("from", pl.Date), ("arrest_notified", pl.Boolean),
        ("charge_notified", pl.Boolean), ("under_18_notified", pl.Boolean)],
        orient="row").sort("from")
    return pairs.join_asof(table, left_on="on", right_on="from", by="suite",
                           strategy="backward", check_sortedness=False).drop("from").with_columns(
        period=periods.search_sorted(pairs["on"], side="right").cast(pl.Int64)
        if len(periods) else pl.lit(0, dtype=pl.Int64))


def hashed(frame: pl.DataFrame) -> pl.DataFrame:
    """`detentions.row_hash` of each row: the text joined in columns, the digest per row."""
    texts = {
        "arrested_at": pl.col("arrested_at").dt.strftime(HASHED_INSTANT),
        "charged_at": pl.col("charged_at").dt.strftime(HASHED_INSTANT),
        "authorised_at": pl.col("authorised_at").dt.strftime(HASHED_INSTANT),
        "birth_date": pl.col("birth_date").dt.strftime("%Y-%m-%d"),
        "arrest_date": pl.col("arrest_date").dt.strftime("%Y-%m-%d"),
        "inspector_authorised": pl.when(pl.col("inspector_authorised")).then(pl.lit("True"))
        .otherwise(pl.lit("False")),
    }
    joined = frame.select(pl.concat_str(
        [texts.get(k, pl.col(k)).fill_null("") for k in detention_rows.HASHED],
        separator="\x1f"))
    digests = [hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
               for text in joined.to_series()]
    return frame.with_columns(row_hash=pl.Series(digests, dtype=pl.String))


def stored(frame: pl.DataFrame, ids: list[int], batch_id: int, updated_at: str,
           fingerprint: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """The rows as the detention table stores them, in `columns` order."""
    instants = ("arrested_at", "charged_at", "authorised_at")
    return frame.with_columns(
        *(pl.col(c).dt.strftime(STORED_INSTANT) for c in instants),
        *(pl.col(c).dt.strftime("%Y-%m-%d") for c in ("birth_date", "arrest_date")),
        id=pl.Series(ids, dtype=pl.Int64), batch_id=pl.lit(batch_id, dtype=pl.Int64),
        updated_at=pl.lit(updated_at), local_time_ambiguous=pl.lit(False),
        rules_version=pl.lit(fingerprint),
    ).select(columns)


def stored_offences(frame: pl.DataFrame, offences: pl.DataFrame) -> pl.DataFrame:
    """Each new detention's offences (its combination's), as (detention_id, ...)."""
    return (frame.select("id", "combo").join(offences, on="combo", how="inner")
            .sort("id", "position")
            .select(pl.col("id").alias("detention_id"), "position", "code", "offence_key",
                    "is_trigger", "finding"))



def vouched(session: Session, settings: Settings, candidates: pl.DataFrame) -> pl.DataFrame:
    """The candidates (vouched, once in the file) whose detention is not yet stored."""
    if candidates.height == 0:
        return candidates
    stored = by_natural_key(session, DETENTION, (DETENTION.c.suite, DETENTION.c.custody_ref),
                            candidates.select("suite", "custody_ref").iter_rows())
    if not stored:
        return candidates
    known = pl.DataFrame([tuple(r) for r in stored], schema=["suite", "custody_ref"],
                         orient="row")
    return candidates.join(known, on=["suite", "custody_ref"], how="anti", maintain_order="left")


def write(session: Session, settings: Settings, fast: pl.DataFrame, *, cache: JudgementCache,
          batch_id: int, now: datetime, fingerprint: str) -> int:
    """Insert the new detentions and their offences; returns how many."""
    if fast.height == 0:
        return 0
    frame, offences = judged(fast, settings, cache)
    frame = hashed(frame)
    ids = allocate_ids(session, DETENTION, frame.height)
    updated_at = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    insert_frame(session, DETENTION, stored(frame, ids, batch_id, updated_at, fingerprint,
                                            STORED))
    insert_frame(session, OFFENCE, stored_offences(
        frame.with_columns(id=pl.Series(ids, dtype=pl.Int64)), offences))
    return frame.height
