"""A national deployment for the benchmark: about 150 custody suites across the 43 forces of
England and Wales, each with a treatment provider, and a seeded stream of detention and test
extract rows shaped like the Home Office programme figures (about half in scope, 56% of tests
positive, mostly cocaine).

Rows are generated lazily so a million of them never sit in memory at once.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from dtoa.config import DEFAULT_CONFIG, Settings, load_settings
from dtoa.ingest.detentions import INPUT_FIELDS as DETENTION_COLUMNS
from dtoa.ingest.tests import INPUT_FIELDS as TEST_COLUMNS
from dtoa.rules.ages import age_on

FORCES = 43
SUITES = 150
LIVE_FROM = date(2015, 1, 1)
TRIGGER_CODES = ("theft", "SHOPLIFT", "burglary", "BURG", "robbery", "handling_stolen_goods",
                 "TWOC", "going_equipped", "fraud", "class_a_possession", "POSS-A",
                 "class_a_supply", "attempt_theft", "begging")
OTHER_CODES = ("ASSAULT", "CRIM_DAMAGE", "PUBLIC_ORDER", "DRINK_DRIVE", "BREACH_BAIL")


def suite_code(n: int) -> str:
    return f"S{n:03d}"


def national_settings(base_dir: Path, database_url: str) -> Settings:
    """The shipped configuration (law, offences, referrals...) with national suites and one
    provider per force, each running assessment sessions every weekday."""
    sessions = [{"weekday": d, "time": t, "capacity": 12}
                for d in ("mon", "tue", "wed", "thu", "fri") for t in ("09:30", "14:00")]
    providers = [{"code": f"P{f:02d}", "name": f"Force {f} Recovery Service",
                  "address": f"{f} High Street", "areas": [f"Area {f}-{a}" for a in range(4)],
                  "sessions": sessions} for f in range(FORCES)]
    suites = [{"code": suite_code(n), "name": f"Custody suite {n}", "force": f"Force {n % FORCES}",
               "live_from": LIVE_FROM, "min_age": 18, "default_provider": f"P{n % FORCES:02d}",
               "reference_prefix": suite_code(n)} for n in range(SUITES)]
    return load_settings(DEFAULT_CONFIG, base_dir=base_dir, database={"url": database_url},
                         suites=suites, providers=providers)


@dataclass(frozen=True)
class Span:
    """Arrests spread evenly over [start, end) local dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def rows(count: int, span: Span, *, seed: int = 2024, prefix: str = "N"
         ) -> Iterator[tuple[dict, dict | None]]:
    """(detention row, test row or None) pairs, `count` of them, reproducible from `seed`."""
    rng = random.Random(seed)
    per_day = count / span.days
    for i in range(count):
        day = span.start + timedelta(days=int(i / per_day))
        yield _pair(rng, i, day, prefix)


def _pair(rng: random.Random, i: int, day: date, prefix: str) -> tuple[dict, dict | None]:
    suite = rng.randrange(SUITES)
    force = suite % FORCES
    arrested = datetime(day.year, day.month, day.day, rng.randrange(6, 21), rng.randrange(60))
    age = rng.choices((rng.randrange(14, 18), rng.randrange(18, 70)), weights=(5, 95))[0]
    birth = date(day.year - age - 1, rng.randrange(1, 13), rng.randrange(1, 29))
    roll = rng.random()
    if roll < 0.50:
        codes, authorised, inspector = rng.choice(TRIGGER_CODES), "", ""
    elif roll < 0.58:
        inspector = f"Insp {rng.randrange(9999)}"
        codes, authorised = rng.choice(OTHER_CODES), "true"
    else:
        codes, authorised, inspector = rng.choice(OTHER_CODES), "", ""
    if rng.random() < 0.2:
        codes += ";" + rng.choice(OTHER_CODES + TRIGGER_CODES)
    ref = f"{prefix}{i:08d}"
    detention = {"suite": suite_code(suite), "custody_ref": ref, "person_ref": f"P{i:09d}",
                 "birth_date": birth.isoformat(), "arrested_at": arrested.isoformat(),
                 "offence_codes": codes, "inspector_authorised": authorised,
                 "authorising_inspector": inspector,
                 "home_area": f"Area {force}-{rng.randrange(5)}"}
    in_scope = roll < 0.58
    adult = age_on(birth, day) >= 18
    return detention, _test(rng, detention, arrested, in_scope and adult)


def _test(rng: random.Random, detention: dict, arrested: datetime, eligible: bool
          ) -> dict | None:
    if not eligible:
        return None
    tested_at = (arrested + timedelta(minutes=rng.randrange(30, 180))).isoformat()
    row = {"suite": detention["suite"], "custody_ref": detention["custody_ref"],
           "tested_at": tested_at, "outcome": "tested", "cocaine": "", "opiates": "",
           "not_tested_reason": "", "officer_ref": f"PC {rng.randrange(9999)}"}
    roll = rng.random()
    if roll < 0.78:
        positive = rng.random() < 0.56
        kind = rng.choices(("cocaine", "both", "opiates"), weights=(65, 31, 4))[0]
        row["cocaine"] = "positive" if positive and kind != "opiates" else "negative"
        row["opiates"] = "positive" if positive and kind != "cocaine" else "negative"
    elif roll < 0.84:
        row["outcome"] = "refused"
    elif roll < 0.88:
        row["outcome"] = "failed_to_provide"
    else:
        row["outcome"], row["not_tested_reason"] = "not_tested", "no_indication"
    return row


def write_extracts(folder: Path, count: int, span: Span, *, seed: int = 2024,
                   prefix: str = "N") -> tuple[Path, Path, int]:
    """Stream `count` detentions and their tests into two CSV extracts; returns the paths and
    the number of test rows."""
    folder.mkdir(parents=True, exist_ok=True)
    detentions, tests = folder / "detentions.csv", folder / "tests.csv"
    written = 0
    with detentions.open("w", newline="", encoding="utf-8") as d_handle, \
            tests.open("w", newline="", encoding="utf-8") as t_handle:
        d_out = csv.DictWriter(d_handle, DETENTION_COLUMNS, extrasaction="ignore", restval="")
        t_out = csv.DictWriter(t_handle, TEST_COLUMNS, extrasaction="ignore", restval="")
        d_out.writeheader()
        t_out.writeheader()
        for detention, test in rows(count, span, seed=seed, prefix=prefix):
            d_out.writerow(detention)
            if test is not None:
                t_out.writerow(test)
                written += 1
    return detentions, tests, written
