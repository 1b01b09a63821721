"""Apply the configured law (catalogue, suites' notifications, specification) to one custody
record at one moment: the sample, or with no sample the arrest and the charge."""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from dtoa.config import Law, Settings, Suite
from dtoa.rules.ages import age_on
from dtoa.rules.eligibility import (
    ADULT,
    CHILD_ON_CHARGE,
    Eligibility,
    Facts,
    Notified,
    assess,
    condition_of,
)
from dtoa.rules.offences import Finding, change_dates, classify_offences, specified
from dtoa.rules.outcomes import REQUESTED
from dtoa.rules.states import Condition

CACHE_LIMIT = 100_000


def split_codes(offence_codes: str) -> list[str]:
    return [code.strip() for code in offence_codes.split(";") if code.strip()]


@dataclass(frozen=True)
class CustodyRecord:
    """The facts of a detention the law asks about (times aware, UTC)."""

    suite: Suite
    birth_date: date
    arrested_at: datetime
    charged_at: datetime | None
    offence_codes: str
    inspector_authorised: bool = False
    authorising_inspector: str | None = None


@dataclass(frozen=True)
class Judgement:
    eligibility: Eligibility
    findings: tuple[Finding, ...]
    on: date  # the local date judged


def notified_on(suite: Suite, on: date) -> Notified:
    return Notified(suite.notified("arrest", on), suite.notified("charge", on),
                    suite.notified("under_18", on))


def judge_at(settings: Settings, record: CustodyRecord, condition: Condition,
             at: datetime) -> Judgement:
    """Every s.63B condition under `condition` at the instant `at` (its local date)."""
    on = at.astimezone(settings.tz).date()
    findings = classify_offences(split_codes(record.offence_codes), on,
                                 settings.offences_by_code, settings.law)
    facts = Facts(record.birth_date, findings, record.inspector_authorised,
                  record.authorising_inspector)
    return Judgement(assess(facts, condition, on, notified_on(record.suite, on)), findings, on)


def judge_sample(settings: Settings, record: CustodyRecord, sample_at: datetime) -> Judgement:
    """A sample is lawful when the conditions hold when it is taken, under the arrest condition
    before charge and the charge condition after it."""
    return judge_at(settings, record, condition_of(sample_at, record.charged_at), sample_at)


def judge_without_sample(settings: Settings, record: CustodyRecord) -> Judgement:
    """With no sample, a detention is eligible if the conditions held at the arrest (arrest
    condition) or at the charge (charge condition); when neither, the charge's reasons are
    given once charged (the later and wider condition), else the arrest's."""
    at_arrest = judge_at(settings, record, Condition.ARREST, record.arrested_at)
    if at_arrest.eligibility.eligible or record.charged_at is None:
        return at_arrest
    return judge_at(settings, record, Condition.CHARGE, record.charged_at)


class JudgementCache:
    """Judgements by what they depend on: the offence codes, the authority, the period of the
    law each moment falls in (`change_dates`), the suite's notifications on those dates, and
    "18 or over" / "14 or over" on them, which is all the rules ask of the birth date."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.judged = settings, {}
        self.periods = change_dates(settings.offences, settings.law)

    def _moment(self, record: CustodyRecord, at: datetime | None) -> tuple | None:
        if at is None:
            return None
        on = at.astimezone(self.settings.tz).date()
        age = age_on(record.birth_date, on)
        return (bisect_right(self.periods, on), notified_on(record.suite, on), age >= ADULT,
                age >= CHILD_ON_CHARGE)

    def key(self, record: CustodyRecord, *moments: datetime | None) -> tuple:
        return (record.offence_codes, record.inspector_authorised,
                bool((record.authorising_inspector or "").strip()),
                *(self._moment(record, at) for at in moments))

    def get(self, key: tuple, judge: Callable[[], Judgement]) -> Judgement:
        judgement = self.judged.get(key)
        if judgement is None:
            if len(self.judged) >= CACHE_LIMIT:
                self.judged.clear()
            judgement = self.judged[key] = judge()
        return judgement

    def without_sample(self, record: CustodyRecord) -> Judgement:
        return self.get(("none", *self.key(record, record.arrested_at, record.charged_at)),
                        lambda: judge_without_sample(self.settings, record))

    def at_sample(self, record: CustodyRecord, sample_at: datetime) -> Judgement:
        charged = record.charged_at
        return self.get(("sample", *self.key(record, sample_at, charged),
                         charged is not None and sample_at >= charged),
                        lambda: judge_sample(self.settings, record, sample_at))

    def detention(self, record: CustodyRecord, sample_at: datetime | None,
                  outcome: str | None) -> Judgement:
        """At the current sample when a sample was requested, else without one."""
        if sample_at is not None and outcome in REQUESTED:
            return self.at_sample(record, sample_at)
        return self.without_sample(record)


def positive_specified(law: Law, positives: dict[str, bool], on: date) -> bool:
    """Does a sample's result support a required assessment (Drugs Act 2005 s.9(1)(a))? A
    positive for a panel drug whose detected drug was specified on the sample's date."""
    detects = {p.drug: p.detects for p in law.panel}
    return any(positive and drug in detects and specified(law, detects[drug], on)
               for drug, positive in positives.items())


def rules_fingerprint(settings: Settings) -> str:
    """A short hash of every setting eligibility depends on: when it changes, the eligibility
    step re-evaluates stored detentions and their samples."""
    relevant = {
        "offences": [o.model_dump(mode="json") for o in settings.offences],
        "law": settings.law.model_dump(mode="json"),
        "suites": [[s.code, [n.model_dump(mode="json") for n in s.notifications]]
                   for s in settings.suites],
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]
