"""The inspector's week and its eight-week trend come from one grouped query, with the figures
each week has on its own (`funnel` per week), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_funnel import MONDAY, week  # noqa: F401  (the hand-made week, a pytest fixture)

from dtoa.store.funnel import funnel, funnel_by_period

WEEKS = [(MONDAY + timedelta(weeks=back), MONDAY + timedelta(weeks=back, days=6))
         for back in range(-6, 2)]  # 2022-W37 to W44: the hand-made arrests fall in W42-W44


@pytest.mark.parametrize("suite", ["BASINGSTOKE", None])
def test_the_weeks_counted_together_give_each_weeks_own_figures(week, settings, suite):  # noqa: F811
    together = funnel_by_period(week, settings, WEEKS, suite)
    apart = [funnel(week, settings, start, end, suite) for start, end in WEEKS]
    assert together == apart
    assert [f["detentions"] for f in together][-3:] == (
        [1, 20, 1] if suite else [1, 21, 1])  # W42, W43 (with Milton Keynes), W44


def test_overlapping_periods_are_refused(week, settings):  # noqa: F811
    with pytest.raises(ValueError, match="overlap"):
        funnel_by_period(week, settings, [WEEKS[0], (WEEKS[0][1], WEEKS[1][1])])
