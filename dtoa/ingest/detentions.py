"""Detention extracts from a force's custody system: one row per custody episode."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from dtoa.config import Settings
from dtoa.ingest.csvfile import (
    FieldError,
    Record,
    local_date,
    parse_bool,
    parse_date,
    parse_instant,
    text,
)
from dtoa.rules.ages import age_on
from dtoa.rules.detention import CustodyRecord, JudgementCache
from dtoa.store.judgements import judgement_columns

REQUIRED = ("suite", "custody_ref", "person_ref", "birth_date", "arrested_at", "offence_codes")
OPTIONAL = ("charged_at", "inspector_authorised", "authorising_inspector", "authorised_at",
            "authority_grounds", "home_area", "person_name")
INPUT_FIELDS = REQUIRED + OPTIONAL
MAX_AGE = 120
HASHED = tuple(sorted((*INPUT_FIELDS, "arrest_date")))  # the columns of row_hash, in order
HASHED_SET = frozenset(HASHED)


def parser(settings: Settings, fingerprint: str) -> Callable[[Record, Settings, datetime], dict]:
    """A row parser for one batch. Judging eligibility (offence catalogue, specification,
    notifications, age) is the costly part of a row, and a national extract repeats the same
    few hundred combinations all day, so each judgement is kept per combination of everything
    it depends on (`JudgementCache`)."""
    cache = JudgementCache(settings)

    def parse_row(record: Record, settings: Settings, now: datetime) -> dict:
        return parse(record, settings, fingerprint, now, cache)

    return parse_row


def parse(record: Record, settings: Settings, fingerprint: str, now: datetime,
          cache: JudgementCache | None = None) -> dict:
    """One detention row as table values, judged as it stands with no sample yet (the tests
    extract re-judges it at the sample). Raises FieldError naming the column at fault."""
    values = record.values
    suite_code = text(values, "suite").upper()
    suite = settings.suites_by_code.get(suite_code)
    if suite is None:
        raise FieldError("suite", values.get("suite", ""), "unknown custody suite; configured: "
                         + ", ".join(settings.suites_by_code))
    custody_ref = text(values, "custody_ref")
    person_ref = text(values, "person_ref")
    birth_date = parse_date(values, "birth_date")
    ambiguous: list[str] = []
    arrested_at = parse_instant(values, "arrested_at", settings.tz, ambiguous=ambiguous)
    if arrested_at > now:
        raise FieldError("arrested_at", values["arrested_at"], "arrest time is in the future")
    arrest_date = local_date(arrested_at, settings.tz)
    if birth_date > arrest_date:
        raise FieldError("birth_date", values["birth_date"], "birth date is after the arrest")
    if age_on(birth_date, arrest_date) > MAX_AGE:
        raise FieldError("birth_date", values["birth_date"], f"age over {MAX_AGE} at arrest")
    charged_at = _charged_at(values, settings, arrested_at, now, ambiguous)
    authorised = bool(parse_bool(values, "inspector_authorised"))
    inspector = _optional(values, "authorising_inspector")
    authorised_at = parse_instant(values, "authorised_at", settings.tz, required=False,
                                  ambiguous=ambiguous)
    offence_codes = text(values, "offence_codes")
    custody = CustodyRecord(suite, birth_date, arrested_at, charged_at, offence_codes,
                            authorised, inspector)
    judgement = (cache or JudgementCache(settings)).without_sample(custody)
    row = {
        "suite": suite_code,
        "custody_ref": custody_ref,
        "person_ref": person_ref,
        "person_name": _optional(values, "person_name"),
        "birth_date": birth_date,
        "arrested_at": arrested_at,
        "arrest_date": arrest_date,
        "charged_at": charged_at,
        "offence_codes": ";".join(f.code for f in judgement.findings),
        "inspector_authorised": authorised,
        "authorising_inspector": inspector,
        "authorised_at": authorised_at,
        "authority_grounds": _optional(values, "authority_grounds"),
        "home_area": _optional(values, "home_area"),
    }
    row["row_hash"] = row_hash(row)
    row.update(judgement_columns(judgement))
    row["local_time_ambiguous"] = bool(ambiguous)
    row["rules_version"] = fingerprint
    return row


def _charged_at(values: dict[str, str], settings: Settings, arrested_at: datetime,
                now: datetime, ambiguous: list[str]) -> datetime | None:
    charged_at = parse_instant(values, "charged_at", settings.tz, required=False,
                               ambiguous=ambiguous)
    if charged_at is not None and charged_at < arrested_at:
        raise FieldError("charged_at", values["charged_at"], "charge time is before the arrest")
    if charged_at is not None and charged_at > now:
        raise FieldError("charged_at", values["charged_at"], "charge time is in the future")
    return charged_at


def _optional(values: dict[str, str], column: str) -> str | None:
    """`text(..., required=False)` for the hot loop: the stripped value, or None when empty."""
    return (values.get(column) or "").strip() or None


def row_hash(row: dict) -> str:
    """What the force sent, normalised: equal hashes mean an unchanged row."""
    keys = HASHED if row.keys() == HASHED_SET else sorted(row)
    joined = "\x1f".join(["" if row[k] is None else str(row[k]) for k in keys])
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
