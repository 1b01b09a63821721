"""Detention extracts from a force's custody system: one row per custody episode."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, datetime

from dtoa.config import Settings, Suite
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
from dtoa.rules.detention import evaluate
from dtoa.rules.eligibility import Eligibility
from dtoa.rules.offences import change_dates

REQUIRED = ("suite", "custody_ref", "person_ref", "birth_date", "arrested_at", "offence_codes")
OPTIONAL = ("inspector_authorised", "authorising_inspector", "authorised_at", "authority_grounds",
            "home_area", "person_name")
INPUT_FIELDS = REQUIRED + OPTIONAL
MAX_AGE = 120
HASHED = tuple(sorted((*INPUT_FIELDS, "arrest_date")))  # the columns of row_hash, in order
HASHED_SET = frozenset(HASHED)


Judgement = tuple[Eligibility, str, tuple[dict, ...]]
CACHE_LIMIT = 100_000


def parser(settings: Settings, fingerprint: str) -> Callable[[Record, Settings, datetime], dict]:
    """A row parser for one batch. Working out eligibility (offence catalogue, Class A
    specification, route, suite, age) is the costly part of a row, and a national extract
    repeats the same few hundred (offence codes, arrest date) combinations all day, so the
    judgement is kept per combination of everything it depends on: the codes, the period of
    the catalogue the arrest falls in (`change_dates`), whether the suite was live, the
    inspector's authority, and "old enough or not", which is all the rules ask of the birth
    date."""
    judged: dict[tuple, Judgement] = {}
    periods = change_dates(settings.offences, settings.law)

    def parse_row(record: Record, settings: Settings, now: datetime) -> dict:
        return parse(record, settings, fingerprint, now, judged, periods)

    return parse_row


def parse(record: Record, settings: Settings, fingerprint: str, now: datetime,
          judged: dict[tuple, Judgement] | None = None, periods: tuple[date, ...] = ()
          ) -> dict:
    """One detention row as table values, with its eligibility worked out on the arrest date.
    Raises FieldError naming the column at fault."""
    values = record.values
    suite_code = text(values, "suite").upper()
    suite = settings.suites_by_code.get(suite_code)
    if suite is None:
        raise FieldError("suite", values.get("suite", ""), "unknown custody suite; configured: "
                         + ", ".join(settings.suites_by_code))
    custody_ref = text(values, "custody_ref")
    person_ref = text(values, "person_ref")
    birth_date = parse_date(values, "birth_date")
    arrested_at = parse_instant(values, "arrested_at", settings.tz)
    if arrested_at > now:
        raise FieldError("arrested_at", values["arrested_at"], "arrest time is in the future")
    arrest_date = local_date(arrested_at, settings.tz)
    if birth_date > arrest_date:
        raise FieldError("birth_date", values["birth_date"], "birth date is after the arrest")
    age = age_on(birth_date, arrest_date)
    if age > MAX_AGE:
        raise FieldError("birth_date", values["birth_date"], f"age over {MAX_AGE} at arrest")
    offence_codes = text(values, "offence_codes")
    authorised = bool(parse_bool(values, "inspector_authorised"))
    inspector = _optional(values, "authorising_inspector")
    authorised_at = parse_instant(values, "authorised_at", settings.tz, required=False)
    key = (bisect_right(periods, arrest_date), arrest_date >= suite.live_from, offence_codes,
           authorised, bool(inspector), age >= suite.min_age)
    judgement = judged.get(key) if judged is not None else None
    if judgement is None:
        judgement = _judge(settings, suite, arrest_date, birth_date, offence_codes, authorised,
                           inspector)
        if judged is not None:
            if len(judged) >= CACHE_LIMIT:
                judged.clear()
            judged[key] = judgement
    eligibility, codes, offences = judgement
    row = {
        "suite": suite_code,
        "custody_ref": custody_ref,
        "person_ref": person_ref,
        "person_name": _optional(values, "person_name"),
        "birth_date": birth_date,
        "arrested_at": arrested_at,
        "arrest_date": arrest_date,
        "offence_codes": codes,
        "inspector_authorised": authorised,
        "authorising_inspector": inspector,
        "authorised_at": authorised_at,
        "authority_grounds": _optional(values, "authority_grounds"),
        "home_area": _optional(values, "home_area"),
    }
    row["row_hash"] = row_hash(row)
    row["in_scope"] = eligibility.in_scope
    row["eligible"] = eligibility.eligible
    row["under_age"] = age < suite.min_age
    row["ineligible_reason"] = eligibility.reason
    row["route"] = eligibility.route
    row["trigger_offence"] = eligibility.trigger_offence
    row["rules_version"] = fingerprint
    row["offences"] = offences
    return row


def _optional(values: dict[str, str], column: str) -> str | None:
    """`text(..., required=False)` for the hot loop: the stripped value, or None when empty."""
    return (values.get(column) or "").strip() or None


def _judge(settings: Settings, suite: Suite, arrest_date: date, birth_date: date,
           offence_codes: str, authorised: bool, inspector: str | None) -> Judgement:
    eligibility, findings = evaluate(
        settings, suite, arrest_date=arrest_date, birth_date=birth_date,
        offence_codes=offence_codes, inspector_authorised=authorised,
        authorising_inspector=inspector,
    )
    offences = tuple(
        {"position": i, "code": f.code, "offence_key": f.key, "is_trigger": f.is_trigger,
         "finding": f.reason}
        for i, f in enumerate(findings)
    )
    return eligibility, ";".join(f.code for f in findings), offences


def eligibility_columns(eligibility, birth_date, arrest_date, min_age) -> dict:  # noqa: ANN001
    return {
        "in_scope": eligibility.in_scope,
        "eligible": eligibility.eligible,
        "under_age": age_on(birth_date, arrest_date) < min_age,
        "ineligible_reason": eligibility.reason,
        "route": eligibility.route,
        "trigger_offence": eligibility.trigger_offence,
    }


def row_hash(row: dict) -> str:
    """What the force sent, normalised: equal hashes mean an unchanged row."""
    keys = HASHED if row.keys() == HASHED_SET else sorted(row)
    joined = "\x1f".join(["" if row[k] is None else str(row[k]) for k in keys])
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
