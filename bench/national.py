"""A national deployment for the benchmark: about 150 custody suites across the 43 forces of
England and Wales, each force with a treatment provider, and extracts from the library's seeded
synthetic generator (`dtoa.synthetic`) at that shape, streamed to CSV suite by suite so that
millions of rows never sit in memory at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dtoa.config import DEFAULT_CONFIG, Settings, load_settings
from dtoa.synthetic import Plan, generate, pilot_plan, write_csvs

FORCES = 43
SUITES = 150
LIVE_FROM = date(2015, 1, 1)


def suite_code(n: int) -> str:
    return f"S{n:03d}"


def national_settings(base_dir: Path, database_url: str) -> Settings:
    """The shipped configuration (law, offences, referrals...) with national suites and one
    provider per force, each running assessment sessions every weekday."""
    sessions = [{"weekday": d, "time": t, "capacity": 12}
                for d in ("mon", "tue", "wed", "thu", "fri") for t in ("09:30", "14:00")]
    providers = [{"code": f"P{f:02d}", "name": f"Force {f} Recovery Service",
                  "address": f"{f} High Street", "phone": f"0118 496 {f:04d}",
                  "email": f"referrals@p{f:02d}.example.org",
                  "areas": [f"Area {f}-{a}" for a in range(4)],
                  "sessions": sessions} for f in range(FORCES)]
    suites = [{"code": suite_code(n), "name": f"Custody suite {n}", "force": f"Force {n % FORCES}",
               "notifications": [{"condition": c, "from": LIVE_FROM} for c in ("arrest", "charge")],
               "default_provider": f"P{n % FORCES:02d}",
               "reference_prefix": suite_code(n)} for n in range(SUITES)]
    return load_settings(DEFAULT_CONFIG, base_dir=base_dir, database={"url": database_url},
                         suites=suites, providers=providers)


@dataclass(frozen=True)
class Span:
    """Arrests from `start` up to, not including, `end` (local dates)."""

    start: date
    end: date


def national_plan(count: int, span: Span) -> Plan:
    """The pilot's mix of detentions, scaled so that all suites together have about `count`
    of them over `span`."""
    pilot = pilot_plan()
    per_suite = pilot.in_scope + pilot.not_in_scope
    return pilot.scaled(count / SUITES / per_suite)


def write_extracts(folder: Path, count: int, span: Span, *, seed: int = 2024
                   ) -> tuple[Path, Path, int]:
    """Stream about `count` detentions and their tests from the library's synthetic generator
    into two CSV extracts, suite by suite; returns the paths and the number of test rows."""
    folder.mkdir(parents=True, exist_ok=True)
    detentions, tests = folder / "detentions.csv", folder / "tests.csv"
    records = generate(national_plan(count, span),
                       suites=[(suite_code(n), suite_code(n)) for n in range(SUITES)],
                       start=span.start, end=span.end - timedelta(days=1), seed=seed)
    _, test_rows = write_csvs(records, detentions, tests)
    return detentions, tests, test_rows
