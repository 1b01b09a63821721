"""The arithmetic of the evidence reports against published values: Wilson's score interval
and Newcombe's interval for a difference (Newcombe 1998, Statistics in Medicine 17: 81 of 263
gives 0.2553 to 0.3662; 56/70 - 48/80 gives 0.0524 to 0.3339 by method 10), medians,
nearest-rank percentiles, and quarters by the date of the sample."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dtoa.evidence.periods import instants, months, quarter_bounds
from dtoa.evidence.stats import median, newcombe, percentile, wilson


def rounded(*values: float | None) -> tuple:
    return tuple(None if v is None else round(v, 4) for v in values)


def test_wilson_interval_of_81_in_263_is_newcombes():
    p = wilson(81, 263)
    assert rounded(p.rate, p.low, p.high) == (0.308, 0.2553, 0.3662)


def test_wilson_stays_inside_0_and_1_at_none_and_all():
    assert rounded(wilson(0, 10).low, wilson(0, 10).high) == (0.0, 0.2775)
    assert rounded(wilson(10, 10).low, wilson(10, 10).high) == (0.7225, 1.0)
    assert wilson(0, 0).rate is None


def test_newcombe_difference_of_56_in_70_and_48_in_80():
    d = newcombe(wilson(56, 70), wilson(48, 80))
    assert rounded(d.estimate, d.low, d.high) == (0.2, 0.0524, 0.3339)
    assert newcombe(wilson(1, 5), wilson(0, 0)).estimate is None


def test_median_and_the_nearest_rank_90th_percentile():
    assert median([3, 1, 2]) == 2.0 and median([4, 1, 3, 2]) == 2.5 and median([]) is None
    assert percentile(list(range(1, 11)), 90) == 9 and percentile(list(range(1, 12)), 90) == 10
    assert percentile([7.5], 90) == 7.5


def test_quarters_are_calendar_quarters_and_a_test_belongs_by_its_local_sample_date():
    assert quarter_bounds("2026-Q3") == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_bounds("2022-q4") == (date(2022, 10, 1), date(2022, 12, 31))
    for bad in ("2026-Q5", "2026Q3", "1999-Q1"):
        with pytest.raises(ValueError):
            quarter_bounds(bad)
    # 1 July 2026 begins at 00:00 BST, 23:00 UTC on 30 June
    first, after = instants(date(2026, 7, 1), date(2026, 9, 30), ZoneInfo("Europe/London"))
    assert (first, after) == (datetime(2026, 6, 30, 23, tzinfo=UTC),
                              datetime(2026, 9, 30, 23, tzinfo=UTC))
    assert months(date(2022, 11, 15), date(2023, 1, 2)) == ["2022-11", "2022-12", "2023-01"]
