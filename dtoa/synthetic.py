"""A seeded synthetic custody population, shipped in the library for the demo, tests and bench.

`Plan` says how many detentions of each kind a suite has in a period; `pilot_plan()` is the
Basingstoke pilot (October-December 2022) built so that the real rules, applied to the
generated records, give the pilot's published funnel: 335 in scope, 261 tested (178 via a
trigger offence, 83 on an inspector's authority), 157 positive and referred, 30 failed to
attend without good cause, 26 prosecuted. Nothing here decides eligibility or outcomes: the
records only carry the facts (offence codes, ages, authorisations, results) and, for what
happens outside the police (does the person turn up? what does the prosecutor decide?), a
`Behaviour` that the demo's simulated provider and prosecutor act on.

Where each positive will be assessed (in custody, when the suite has in-custody sessions and
one is free; else in the community) and who is tested more than once are decided by
`dtoa.synthetic_people`, so the evaluation report's figures can be checked against the records.

`generate` streams records suite by suite (one suite's records in memory at a time), so the
benchmark can make a national population (150 suites in 43 forces, millions of detentions)
with `plan.scaled(...)`; `write_csvs` streams them to the detentions and tests CSV formats.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dtoa.config import Session
from dtoa.ingest import tests as test_rows
from dtoa.ingest.detentions import INPUT_FIELDS as DETENTION_FIELDS
from dtoa.synthetic_people import people_and_settings

# The synthetic population is tested on the shipped panel (config.toml [[law.panel]]).
PANEL = ("cocaine", "opiates")
TEST_FIELDS = test_rows.REQUIRED + PANEL + test_rows.OPTIONAL

LONDON = ZoneInfo("Europe/London")
QUARTER = (date(2022, 10, 1), date(2022, 12, 31))

# Offence codes as a custody system sends them: catalogue keys and force aliases.
TRIGGER_CODES = (("SHOPLIFT", 30), ("theft", 14), ("BURG", 12), ("TH68066", 6), ("TWOC", 5),
                 ("FR06001", 6), ("POSS-A:cocaine", 10), ("SUPPLY-A:heroin", 3), ("ROBB", 4),
                 ("GOINGEQ", 3), ("BEG", 3), ("CA81001", 4))
NON_TRIGGER_CODES = (("ASSAULT", 30), ("CRIMINAL_DAMAGE", 15), ("PUBLIC_ORDER", 15),
                     ("DRINK_DRIVE", 10), ("BREACH_OF_BAIL", 10), ("CANNABIS_POSS", 10),
                     ("POSS-A:mdma", 5), ("HARASSMENT", 5))
HOME_AREAS = (("Basingstoke", 70), ("Tadley", 10), ("Hook", 8), ("Whitchurch", 4),
              ("Andover", 5), ("Alton", 3))
NOT_TESTED_REASONS = (("no_indication", 34), ("unfit", 4), ("released", 2))
INSPECTORS = ("Insp 4021", "Insp 3310", "CI 1187")


@dataclass(frozen=True)
class Behaviour:
    """What happens after the referral, outside the police: the person's initial assessment
    (attended / failed_to_attend / failed_to_remain), whether they first rearranged it with
    good cause, whether the assessor requires the follow-up, and the prosecutor's decision
    on a failure (charged / summonsed / no_further_action / good_cause_accepted)."""

    initial: str | None = None
    rescheduled_first: bool = False
    follow_up_required: bool = False
    decision: str | None = None


@dataclass(frozen=True)
class Record:
    """One generated detention: its extract row, its test row (or None), its behaviour."""

    detention: dict[str, str]
    test: dict[str, str] | None
    behaviour: Behaviour = field(default_factory=Behaviour)
    setting: str | None = None  # a positive's: where the desk will book the assessment

    @property
    def arrest_date(self) -> date:
        return datetime.fromisoformat(self.detention["arrested_at"]).date()


@dataclass(frozen=True)
class Plan:
    """Exact counts of each kind of detention at one suite over a period. Each count is a leaf:
    a detention is of exactly one kind; positives are split once by drug and once by what the
    person then does."""

    not_in_scope: int = 900
    authority_unrecorded: int = 3        # inspector's authority, name not yet recorded; untested
    under_age: int = 14
    not_tested: int = 37
    refused: int = 12
    failed_to_provide: int = 8
    tested_trigger: int = 178
    tested_inspector: int = 83
    inspector_with_trigger: int = 6      # of tested_trigger: authorised too; trigger wins
    positive_cocaine: int = 102
    positive_opiates: int = 6
    positive_both: int = 49
    rescheduled_then_attended: int = 5
    follow_up_required: int = 40         # of those who attend
    failed_to_attend: int = 26
    failed_to_remain: int = 6
    charged: int = 18
    summonsed: int = 8
    no_further_action: int = 4
    good_cause_accepted: int = 2
    failed_in_custody: int = 5           # of the failures: booked in custody (at most those)
    repeat_testers: int = 15             # people tested more than once in the period
    tested_three_times: int = 3          # of repeat_testers: three times

    @property
    def positive(self) -> int:
        return self.positive_cocaine + self.positive_opiates + self.positive_both

    @property
    def failures(self) -> int:
        return self.failed_to_attend + self.failed_to_remain

    @property
    def attended(self) -> int:
        return self.positive - self.failures

    def check(self) -> Plan:
        tested = self.tested_trigger + self.tested_inspector
        if self.positive > tested:
            raise ValueError("more positives than tests")
        if self.charged + self.summonsed + self.no_further_action + self.good_cause_accepted \
                != self.failures:
            raise ValueError("every failure needs exactly one prosecution decision")
        if self.attended < self.rescheduled_then_attended or \
                self.attended < self.follow_up_required:
            raise ValueError("more reschedules or follow-ups than people who attend")
        if self.inspector_with_trigger > self.tested_trigger:
            raise ValueError("inspector_with_trigger is a part of tested_trigger")
        if self.tested_three_times > self.repeat_testers:
            raise ValueError("tested_three_times is a part of repeat_testers")
        return self

    def scaled(self, factor: float) -> Plan:
        """The same mix at another size (the benchmark's national scale), kept consistent."""
        s = {k: round(v * factor) for k, v in vars(self).items()}
        plan = Plan(**s)
        failures = plan.failures
        decisions = [plan.charged, plan.summonsed, plan.no_further_action]
        plan = replace(plan, good_cause_accepted=max(0, failures - sum(decisions)),
                       charged=plan.charged - max(0, sum(decisions) - failures))
        tested = plan.tested_trigger + plan.tested_inspector
        if plan.positive > tested:
            plan = replace(plan, positive_cocaine=plan.positive_cocaine - plan.positive + tested)
        return plan.check()

    @property
    def in_scope(self) -> int:
        return (self.authority_unrecorded + self.under_age + self.not_tested + self.refused
                + self.failed_to_provide + self.tested_trigger + self.tested_inspector)


def pilot_plan() -> Plan:
    """Basingstoke, 1 October - 31 December 2022 (APCC report, 2023)."""
    return Plan().check()


def generate(plan: Plan, *, suites: Sequence[tuple[str, str]] = (("BASINGSTOKE", "BAS"),),
             start: date = QUARTER[0], end: date = QUARTER[1], seed: int = 2022,
             custody_sessions: Mapping[str, Sequence[Session]] | None = None,
             in_custody_hours: int = 6) -> Iterator[Record]:
    """Records for each (suite code, reference prefix), in arrest order within a suite.
    `custody_sessions` are each suite's in-custody assessment sessions (every provider's), as
    configured where the records will be served (none: every assessment in the community).
    The same seed gives the same records, byte for byte."""
    for index, (suite, prefix) in enumerate(suites):
        rng = random.Random(f"{seed}:{index}:{suite}")
        records = list(_suite_records(plan, suite, prefix, start, end, rng))
        yield from people_and_settings(records, plan, custody_sessions or {},
                                       in_custody_hours, suite,
                                       random.Random(f"{seed}:{index}:{suite}:people"))


def _suite_records(plan: Plan, suite: str, prefix: str, start: date, end: date,
                   rng: random.Random) -> Iterator[Record]:
    kinds = _kinds(plan, rng)
    days = (end - start).days + 1
    moments = sorted(_arrest_instant(start, days, rng) for _ in kinds)
    for n, (kind, arrested) in enumerate(zip(kinds, moments, strict=True), start=1):
        yield _record(kind, suite, f"{prefix}/{arrested:%y}/{n:05d}", arrested, rng)


def _kinds(plan: Plan, rng: random.Random) -> list[tuple]:
    """One (kind, drug, behaviour) per detention, shuffled."""
    positives = _positive_behaviours(plan, rng)
    tested = ([("trigger", True)] * plan.inspector_with_trigger
              + [("trigger", False)] * (plan.tested_trigger - plan.inspector_with_trigger)
              + [("inspector", True)] * plan.tested_inspector)
    rng.shuffle(tested)
    kinds: list[tuple] = []
    for i, (route, authorised) in enumerate(tested):
        drug, behaviour = positives[i] if i < len(positives) else ("negative", Behaviour())
        kinds.append((f"tested_{route}", authorised, drug, behaviour))
    for name in ("not_in_scope", "authority_unrecorded", "under_age", "not_tested",
                 "refused", "failed_to_provide"):
        kinds += [(name, False, None, Behaviour())] * getattr(plan, name)
    rng.shuffle(kinds)
    return kinds


def _positive_behaviours(plan: Plan, rng: random.Random) -> list[tuple[str, Behaviour]]:
    drugs = (["cocaine"] * plan.positive_cocaine + ["opiates"] * plan.positive_opiates
             + ["both"] * plan.positive_both)
    decisions = (["charged"] * plan.charged + ["summonsed"] * plan.summonsed
                 + ["no_further_action"] * plan.no_further_action
                 + ["good_cause_accepted"] * plan.good_cause_accepted)
    failures = ["failed_to_attend"] * plan.failed_to_attend + \
        ["failed_to_remain"] * plan.failed_to_remain
    rng.shuffle(decisions)
    behaviours = [Behaviour(initial=f, decision=d) for f, d in zip(failures, decisions,
                                                                   strict=True)]
    attended = [Behaviour(initial="attended",
                          rescheduled_first=i < plan.rescheduled_then_attended,
                          follow_up_required=(plan.attended - 1 - i) < plan.follow_up_required)
                for i in range(plan.attended)]
    behaviours += attended
    rng.shuffle(drugs)
    rng.shuffle(behaviours)
    return list(zip(drugs, behaviours, strict=True))


def _arrest_instant(start: date, days: int, rng: random.Random) -> datetime:
    """A local time between 07:00 and 21:59, more in the afternoon and evening, as an aware
    Europe/London datetime (so times in the hour the clocks go back are unambiguous)."""
    day = start + timedelta(days=rng.randrange(days))
    hour = rng.choices(range(7, 22), weights=(2, 3, 4, 5, 6, 6, 7, 7, 8, 8, 8, 7, 6, 5, 4))[0]
    naive = datetime(day.year, day.month, day.day, hour, rng.randrange(60))
    return naive.replace(tzinfo=LONDON)


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _birth_date(arrested: date, rng: random.Random, minor: bool) -> str:
    """A birth date giving a whole age of 14-17 (minor) or 18-75 on the arrest date: the
    anniversary that many years back, less 1-363 days."""
    age = rng.randint(14, 17) if minor else min(18 + int(rng.expovariate(1 / 14)), 75)
    anniversary = date(arrested.year - age, arrested.month, min(arrested.day, 28))
    return (anniversary - timedelta(days=rng.randint(1, 363))).isoformat()


def _record(kind: tuple, suite: str, ref: str, arrested: datetime,
            rng: random.Random) -> Record:
    name, authorised, drug, behaviour = kind
    trigger = name in ("under_age", "not_tested", "refused", "failed_to_provide",
                       "tested_trigger")
    codes = [_pick(rng, TRIGGER_CODES if trigger else NON_TRIGGER_CODES)]
    if rng.random() < 0.3:
        codes.append(_pick(rng, NON_TRIGGER_CODES))
    inspector = authorised or name in ("tested_inspector", "authority_unrecorded")
    detention = {
        "suite": suite, "custody_ref": ref, "person_ref": f"P{rng.randrange(10**7):07d}",
        "birth_date": _birth_date(arrested.date(), rng, minor=name == "under_age"),
        "arrested_at": arrested.isoformat(), "offence_codes": ";".join(codes),
        "inspector_authorised": "true" if inspector else "",
        "authorising_inspector": rng.choice(INSPECTORS)
        if inspector and name != "authority_unrecorded" else "",
        "authorised_at": (arrested + timedelta(minutes=20)).isoformat() if inspector else "",
        "authority_grounds": "suspected Class A misuse contributed" if inspector else "",
        "home_area": _pick(rng, HOME_AREAS), "person_name": "",
    }
    return Record(detention, _test(name, drug, suite, ref, arrested, rng), behaviour)


def _test(name: str, drug: str | None, suite: str, ref: str, arrested: datetime,
          rng: random.Random) -> dict[str, str] | None:
    if name in ("not_in_scope", "authority_unrecorded", "under_age"):
        return None
    tested_at = arrested + timedelta(minutes=rng.randint(45, 150))
    row = dict.fromkeys(TEST_FIELDS, "")
    row.update(suite=suite, custody_ref=ref, tested_at=tested_at.isoformat(),
               officer_ref=f"PC {rng.randint(1000, 9999)}")
    if name.startswith("tested_"):
        row.update(outcome="tested",
                   cocaine="positive" if drug in ("cocaine", "both") else "negative",
                   opiates="positive" if drug in ("opiates", "both") else "negative")
    elif name == "not_tested":
        row.update(outcome="not_tested", not_tested_reason=_pick(rng, NOT_TESTED_REASONS))
    else:
        row.update(outcome=name)
    return row


def write_csvs(records: Iterable[Record], detentions: Path, tests: Path) -> tuple[int, int]:
    """Stream records to a detentions CSV and a tests CSV (the ingest formats); returns the
    number of rows in each."""
    counts = [0, 0]
    with Path(detentions).open("w", encoding="utf-8", newline="") as d_handle, \
            Path(tests).open("w", encoding="utf-8", newline="") as t_handle:
        d_writer = csv.DictWriter(d_handle, DETENTION_FIELDS)
        t_writer = csv.DictWriter(t_handle, TEST_FIELDS)
        d_writer.writeheader()
        t_writer.writeheader()
        for record in records:
            d_writer.writerow(record.detention)
            counts[0] += 1
            if record.test is not None:
                t_writer.writerow(record.test)
                counts[1] += 1
    return counts[0], counts[1]
