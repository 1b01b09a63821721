"""The evaluation report's figures: failure to attend by where the assessment was booked (in
custody or in the community) and by days from test to appointment, repeat testers, time from
test to initial assessment, positivity by drug by month. Pure: test records in
(`dtoa.evidence.records`), figures out; the arithmetic is `dtoa.evidence.stats`.

What each figure counts (the report's method section says the same):
- **Referred**: requirements served on the period's tests, not withdrawn. Its **setting** is that
  of the initial assessment booked at the desk when it was served (as intended, not as it
  happened: a rearranged appointment keeps the setting first booked), and the **days to
  appointment** are from the sample's date to that appointment's date (Europe/London).
- **Outcome** is that of the live initial assessment (the last booked, after any
  rearrangement): attended; failed to attend or remain without good cause (Drugs Act 2005
  s.12); good cause accepted; or awaited (booked, overdue from the provider, or not booked).
  The **failure to attend rate** is failures out of known outcomes (attended + failed + good
  cause), with its 95% Wilson interval; awaited outcomes are left out and counted beside it.
- **Repeat testers**: people (person_ref, within a force) tested two or more times in the
  period. A suite's row counts only its own tests; a force's row matches across its suites.
  **Positive again**: of repeat testers with a positive test followed by another test, those
  with a later positive test. **Days between tests**: between a person's consecutive tests
  (sample dates), pooled over repeat testers.
- **Time to initial assessment**: sample to the attended initial assessment's start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from dtoa.evidence.periods import months
from dtoa.evidence.records import ATTENDED, AWAITED, FAILED, GOOD_CAUSE, KNOWN, TestRecord
from dtoa.evidence.stats import Difference, Proportion, median, newcombe, percentile, wilson

SETTINGS = (("custody", "In custody"), ("community", "In the community"))
DAY_BANDS = (("0", "Same day", 0, 0), ("1", "1 day", 1, 1), ("2", "2 days", 2, 2),
             ("3-5", "3 to 5 days", 3, 5), ("6+", "6 days or more", 6, None))
OUTCOME_KEYS = ("referred", "known", "attended", "failed", "good_cause", "awaited")
ALL = "ALL"


@dataclass
class OutcomeRow:
    """Referrals of one group and how their initial assessments ended; `fta` is failures out
    of known outcomes with its Wilson interval."""

    key: str
    label: str
    counts: dict[str, int | None]
    fta: Proportion | None = None


@dataclass
class RepeatRow:
    kind: str  # suite, force or all
    key: str  # a suite code, a force's name, or ALL
    label: str
    people: int | None
    repeat: int | None
    at_risk: int | None  # repeat testers with a positive test followed by another test
    positive_again: int | None
    gaps: int  # intervals between consecutive tests of repeat testers
    median_days: float | None
    share: Proportion | None = None
    again: Proportion | None = None


@dataclass
class TimeRow:
    key: str
    label: str
    n: int | None
    median_days: float | None
    p90_days: float | None


@dataclass
class MonthRow:
    month: str  # YYYY-MM, or ALL
    tests: int | None
    positives: dict[str, int | None]  # per panel drug, and "any"
    rates: dict[str, Proportion | None] = field(default_factory=dict)


@dataclass
class Evaluation:
    start: date
    end: date
    scope: str  # a suite code, or ALL
    publish: bool
    drugs: tuple[str, ...]
    by_setting: list[OutcomeRow]
    difference: Difference
    by_days: list[OutcomeRow]
    repeat: list[RepeatRow]
    to_assessment: list[TimeRow]
    positivity: list[MonthRow]


def outcome_counts(records: Iterable[TestRecord]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOME_KEYS, 0)
    outcome_key = {ATTENDED: "attended", FAILED: "failed", GOOD_CAUSE: "good_cause",
                   AWAITED: "awaited"}
    for r in records:
        if not r.referred:
            continue
        counts["referred"] += 1
        counts[outcome_key[r.outcome]] += 1
        counts["known"] += r.outcome in KNOWN
    return counts


def day_band(record: TestRecord, tz) -> str | None:  # noqa: ANN001
    """Which band of days from the sample's date to the booked assessment's date."""
    if record.booked_for is None:
        return None
    days = (record.booked_for.astimezone(tz).date() - record.sample_date).days
    for key, _, low, high in DAY_BANDS:
        if days >= low and (high is None or days <= high):
            return key
    return None


def _outcome_rows(records: Sequence[TestRecord], groups: Sequence[tuple[str, str]],
                  of: Callable[[TestRecord], str | None]) -> list[OutcomeRow]:
    rows = [OutcomeRow(key, label, outcome_counts(r for r in records if of(r) == key))
            for key, label in groups]
    total = {k: sum(row.counts[k] for row in rows) for k in OUTCOME_KEYS}
    return rows + [OutcomeRow(ALL, "All referred", total)]


def add_fta(rows: Sequence[OutcomeRow]) -> None:
    for row in rows:
        failed, known = row.counts["failed"], row.counts["known"]
        row.fta = None if failed is None or known is None else wilson(failed, known)


def repeat_row(kind: str, key: str, label: str, records: Sequence[TestRecord]) -> RepeatRow:
    """Repeat testers among `records` (people matched by force and person_ref)."""
    people: dict[tuple[str, str], list[TestRecord]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.tested_at, r.test_id)):
        people[(r.force, r.person_ref)].append(r)
    repeaters = [tests for tests in people.values() if len(tests) >= 2]
    at_risk = [t for t in repeaters if any(x.positive for x in t[:-1])]
    again = [t for t in at_risk if sum(x.positive for x in t) >= 2]
    gaps = [(b.sample_date - a.sample_date).days for t in repeaters for a, b in pairwise(t)]
    return RepeatRow(kind, key, label, len(people), len(repeaters), len(at_risk), len(again),
                     len(gaps), median(gaps))


def add_repeat_rates(rows: Sequence[RepeatRow]) -> None:
    for row in rows:
        row.share = None if None in (row.repeat, row.people) else wilson(row.repeat, row.people)
        row.again = None if None in (row.positive_again, row.at_risk) else \
            wilson(row.positive_again, row.at_risk)


def time_row(key: str, label: str, records: Iterable[TestRecord]) -> TimeRow:
    days = [(r.assessed_at - r.tested_at).total_seconds() / 86400 for r in records
            if r.referred and r.outcome == ATTENDED and r.assessed_at is not None]
    return TimeRow(key, label, len(days), median(days), percentile(days, 90))


def positivity(records: Sequence[TestRecord], start: date, end: date,
               drugs: Sequence[str]) -> list[MonthRow]:
    rows = []
    for month in [*months(start, end), ALL]:
        chosen = [r for r in records if month == ALL or f"{r.sample_date:%Y-%m}" == month]
        positives = {d: sum(d in r.positive_for for r in chosen) for d in drugs}
        positives["any"] = sum(r.positive for r in chosen)
        rows.append(MonthRow(month, len(chosen), positives))
    return rows


def add_positivity_rates(rows: Sequence[MonthRow]) -> None:
    for row in rows:
        row.rates = {d: None if n is None or row.tests is None else wilson(n, row.tests)
                     for d, n in row.positives.items()}


def evaluate(records: Sequence[TestRecord], *, start: date, end: date, scope: str,
             suites: Sequence[tuple[str, str]], drugs: Sequence[str], tz,  # noqa: ANN001
             publish: bool = False) -> Evaluation:
    """Every figure of the report for the tests of the period (`records`, already restricted
    to the scope). `suites` is (force, suite code) pairs, for the repeat testers' rows."""
    by_setting = _outcome_rows(records, SETTINGS, lambda r: r.setting)
    by_days = _outcome_rows(records, [(k, label) for k, label, _, _ in DAY_BANDS],
                            lambda r: day_band(r, tz))
    forces = list(dict.fromkeys(f for f, _ in suites))
    repeat = [repeat_row("suite", code, code, [r for r in records if r.suite == code])
              for _, code in suites]
    if scope == ALL:
        repeat += [repeat_row("force", force, force, [r for r in records if r.force == force])
                   for force in forces]
        if len(forces) > 1:
            repeat.append(repeat_row("all", ALL, "All forces", records))
    times = [time_row(ALL, "All attended", records)] + [
        time_row(key, label, [r for r in records if r.setting == key])
        for key, label in SETTINGS]
    months_ = positivity(records, start, end, drugs)
    evaluation = Evaluation(start, end, scope, publish, tuple(drugs), by_setting,
                            Difference(None, None, None), by_days, repeat, times, months_)
    if publish:
        from dtoa.evidence.disclosure import protect_evaluation

        protect_evaluation(evaluation)
    add_fta(evaluation.by_setting)
    add_fta(evaluation.by_days)
    add_repeat_rates(evaluation.repeat)
    add_positivity_rates(evaluation.positivity)
    custody, community = evaluation.by_setting[0].fta, evaluation.by_setting[1].fta
    if custody is not None and community is not None:
        evaluation.difference = newcombe(custody, community)
    return evaluation
