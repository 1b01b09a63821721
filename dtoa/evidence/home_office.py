"""The Home Office return: a quarter's drug testing on arrest figures in the measures the Home
Office publishes from force returns (programme data tables, 21 August 2024): tests; positive
tests and the positive rate; tests after a trigger offence, after a non-trigger offence with an
inspector's authority, and not stated; positives by substance; referrals to assessment. By
force (forces return voluntarily) and by custody suite.

Pure: test records in (`dtoa.evidence.records`), figures out.

Decisions, printed in the return beside the figures:
- **Period**: a test belongs to the quarter of the date its sample was taken (Europe/London).
- **A test**: a detention's current sample that gave a result (a further sample, where the
  Crime and Policing Act 2026 allows one, replaces an unsuitable or insufficient first one: one
  test). Refusals and failures to provide are not tests.
- **Not stated**: the custody record as it stands does not show a lawful route for the test:
  an inspector's authority with no inspector named yet (an incomplete record, PACE 1984
  s.63C(3)-(4), listed by `dtoa authorities list`), or a record corrected after the test so that
  it shows neither a trigger offence nor an authority. A trigger offence wins when both apply.
- **Referrals**: requirements to attend an initial assessment (Drugs Act 2005 s.9) served in
  police detention on the quarter's tests and not withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dtoa.evidence.records import TestRecord
from dtoa.rules.funnel import rate
from dtoa.rules.publish import suppress

ALL = "ALL"

# Counts, in the order of the Home Office tables, with what each counts.
COUNTS: dict[str, str] = {
    "tests": "Samples that gave a result, taken in the quarter (date of the sample, "
             "Europe/London); a further sample replacing an unusable one is the same test",
    "positive": "Tests positive for at least one drug on the panel",
    "after_trigger": "Tests of people arrested for a trigger offence (Criminal Justice and "
                     "Court Services Act 2000 Sch 6; PACE 1984 s.63B(1A)(a)); trigger wins "
                     "when an inspector also authorised",
    "after_inspector_authority": "Tests after a non-trigger offence on an inspector's "
                                 "authority, the inspector named (PACE 1984 s.63B(1A)(b))",
    "not_stated": "Tests whose custody record does not now state a lawful route: an "
                  "authority with no inspector named yet (s.63C(3)-(4)), or a record "
                  "corrected since the test to show neither a trigger offence nor an authority",
    "positive_cocaine_only": "Positive for cocaine and not opiates",
    "positive_opiates_only": "Positive for opiates and not cocaine",
    "positive_both": "Positive for both cocaine and opiates",
    "referred": "Requirements to attend an initial assessment (Drugs Act 2005 s.9) served in "
                "police detention on the quarter's tests, not withdrawn",
}
RATES: dict[str, tuple[str, str, str]] = {
    "positive_rate": ("positive", "tests", "Positive tests as a share of tests"),
    "referred_share": ("referred", "positive", "Referrals as a share of positive tests"),
}
DRUG_PREFIX = "positive_for_"

# Additive groups within one unit: a hidden cell must not be recoverable from its group.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tests", ("after_trigger", "after_inspector_authority", "not_stated")),
    ("positive", ("positive_cocaine_only", "positive_opiates_only", "positive_both")),
    (DRUG_PREFIX + "cocaine", ("positive_cocaine_only", "positive_both")),
    (DRUG_PREFIX + "opiates", ("positive_opiates_only", "positive_both")),
)


@dataclass(frozen=True)
class Unit:
    """A column of the return: one suite, a force's total (suite ALL) or every force (ALL)."""

    force: str
    suite: str

    @property
    def label(self) -> str:
        if self.force == ALL:
            return "All forces"
        return "Force total" if self.suite == ALL else self.suite


def measures(panel: Sequence[str]) -> dict[str, str]:
    """Every measure with its definition, in the order printed: counts, positives per panel
    drug after the substance split, then rates."""
    out = dict(COUNTS)
    drugs = {DRUG_PREFIX + d: f"Positive for {d}, with or without other drugs" for d in panel}
    keys = list(out)
    at = keys.index("positive_cocaine_only")
    ordered = {k: out[k] for k in keys[:at]} | drugs | {k: out[k] for k in keys[at:]}
    return ordered | {k: text for k, (_, _, text) in RATES.items()}


def count(records: Iterable[TestRecord], panel: Sequence[str]) -> dict[str, int]:
    """The counts of one unit."""
    figures = dict.fromkeys([*COUNTS, *(DRUG_PREFIX + d for d in panel)], 0)
    for r in records:
        figures["tests"] += 1
        route = ("after_trigger" if r.route == "trigger" else
                 "after_inspector_authority" if r.route == "inspector" and r.authority_named
                 else "not_stated")
        figures[route] += 1
        if r.positive:
            figures["positive"] += 1
            cocaine, opiates = "cocaine" in r.positive_for, "opiates" in r.positive_for
            if cocaine and opiates:
                figures["positive_both"] += 1
            elif cocaine:
                figures["positive_cocaine_only"] += 1
            elif opiates:
                figures["positive_opiates_only"] += 1
            for drug in r.positive_for:
                if DRUG_PREFIX + drug in figures:
                    figures[DRUG_PREFIX + drug] += 1
        figures["referred"] += r.referred
    return figures


def with_rates(counts: Mapping[str, int | None]) -> dict[str, int | float | None]:
    return {**counts, **{k: rate(counts[top], counts[bottom])
                         for k, (top, bottom, _) in RATES.items()}}


def units(suites: Sequence[tuple[str, str]]) -> list[Unit]:
    """The return's columns: every force (ALL) when more than one, then each force's total
    and its suites, in configuration order. `suites` is (force, suite code) pairs."""
    forces = list(dict.fromkeys(force for force, _ in suites))
    out = [Unit(ALL, ALL)] if len(forces) > 1 else []
    for force in forces:
        out += [Unit(force, ALL)] + [Unit(force, code) for f, code in suites if f == force]
    return out


def compute(records: Sequence[TestRecord], suites: Sequence[tuple[str, str]],
            panel: Sequence[str], *, publish: bool = False) -> dict[Unit, dict]:
    """The return: for each unit, every measure (None where suppressed for publication)."""
    table: dict[Unit, dict[str, int]] = {}
    for unit in units(suites):
        chosen = [r for r in records if (unit.force == ALL or r.force == unit.force)
                  and (unit.suite == ALL or r.suite == unit.suite)]
        table[unit] = count(chosen, panel)
    if publish:
        table = _suppressed(table)
    return {unit: with_rates(figures) for unit, figures in table.items()}


def _suppressed(table: dict[Unit, dict[str, int]]) -> dict[Unit, dict[str, int | None]]:
    """Counts of 1 to 4 hidden, and whatever would give one away: within a unit (routes,
    substances), and across units (a force's suites add up to its total; the forces to ALL)."""
    cells = {(unit, key): value for unit, figures in table.items()
             for key, value in figures.items()}
    keys = list(next(iter(table.values()))) if table else []
    groups = [((unit, total), [(unit, p) for p in parts])
              for unit in table for total, parts in GROUPS if (unit, total) in cells]
    for unit in table:
        if unit.force != ALL and unit.suite == ALL:
            members = [u for u in table if u.force == unit.force and u.suite != ALL]
            groups += [((unit, k), [(u, k) for u in members]) for k in keys]
    if Unit(ALL, ALL) in table:
        forces = [u for u in table if u.force != ALL and u.suite == ALL]
        groups += [((Unit(ALL, ALL), k), [(u, k) for u in forces]) for k in keys]
    safe = suppress(cells, groups)
    return {unit: {k: safe[(unit, k)] for k in figures} for unit, figures in table.items()}
