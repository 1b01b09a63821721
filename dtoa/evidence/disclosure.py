"""Disclosure control for the evaluation report, the same rule as the funnel's
(`dtoa.rules.publish.suppress`): counts of 1 to 4 are hidden, and so is whatever would let one
be worked out (within a row: referred = known + awaited; down a column: the total row is the sum
of its groups; the referral totals are shared
by the setting and the days tables, so they are protected together; months add up to the
period). Rates, intervals, medians and percentiles of a hidden count are hidden, and so are
medians and percentiles of fewer than 5 values (each would be one person's figure). Attended
and good cause are not published apart: the known outcomes and the failures are the figures,
and the time to assessment gives its median and percentile without the number attended.
"""

from __future__ import annotations

from dtoa.evidence.evaluation import ALL, Evaluation
from dtoa.rules.publish import is_small, suppress

# Published outcomes: failures out of known outcomes is the figure; attended and good cause
# are not published apart (a handful of good causes beside the attended would otherwise hide
# the failures that the report is about).
PUBLISHED_OUTCOMES = ("referred", "known", "failed", "awaited")
WITHIN_ROW = (("referred", ("known", "awaited")),)


def protect_evaluation(evaluation: Evaluation) -> None:
    """Hide, in place, what publication may not show."""
    _protect_outcomes(evaluation)
    _protect_repeat(evaluation)
    for row in evaluation.to_assessment:
        if is_small(row.n):
            row.median_days, row.p90_days = None, None
        row.n = None  # the attended count would give good causes away (known - failed - it)
    _protect_positivity(evaluation)


def _protect_outcomes(evaluation: Evaluation) -> None:
    tables = {"setting": evaluation.by_setting, "days": evaluation.by_days}
    cells, groups = {}, []
    for name, rows in tables.items():
        for row in rows:
            unit = ("total", ALL) if row.key == ALL else (name, row.key)
            for key in PUBLISHED_OUTCOMES:
                cells[(unit, key)] = row.counts[key]
            groups += [((unit, total), [(unit, p) for p in parts]) for total, parts in WITHIN_ROW]
        members = [(name, row.key) for row in rows if row.key != ALL]
        groups += [((("total", ALL), k), [(m, k) for m in members])
                   for k in PUBLISHED_OUTCOMES]
    safe = suppress(cells, groups)
    for name, rows in tables.items():
        for row in rows:
            unit = ("total", ALL) if row.key == ALL else (name, row.key)
            row.counts = {k: safe[(unit, k)] for k in PUBLISHED_OUTCOMES}


def _protect_repeat(evaluation: Evaluation) -> None:
    keys = ("people", "repeat", "at_risk", "positive_again")
    cells = {(row.kind, row.key, k): getattr(row, k) for row in evaluation.repeat for k in keys}
    forces = [row.key for row in evaluation.repeat if row.kind == "force"]
    groups = []
    if any(row.kind == "all" for row in evaluation.repeat):
        groups = [(("all", ALL, k), [("force", f, k) for f in forces]) for k in keys]
    safe = suppress(cells, groups)
    for row in evaluation.repeat:
        for k in keys:
            setattr(row, k, safe[(row.kind, row.key, k)])
        if row.repeat is None or row.gaps < 5:
            row.median_days = None


def _protect_positivity(evaluation: Evaluation) -> None:
    keys = ("tests", *evaluation.positivity[0].positives) if evaluation.positivity else ()
    cells = {}
    for row in evaluation.positivity:
        cells[(row.month, "tests")] = row.tests
        for drug, n in row.positives.items():
            cells[(row.month, drug)] = n
    months = [row.month for row in evaluation.positivity if row.month != ALL]
    groups = [((ALL, k), [(m, k) for m in months]) for k in keys]
    safe = suppress(cells, groups)
    for row in evaluation.positivity:
        row.tests = safe[(row.month, "tests")]
        row.positives = {d: safe[(row.month, d)] for d in row.positives}
