"""Chart geometry for the evidence reports, drawn as inline SVG by templates/reports/_*.svg.j2
as the weekly report draws its charts (dtoa.reports.charts: no plotting library, the same bytes
for the same figures, labels that stay text): rates as bars with their 95% interval as a
whisker, the difference of two rates on an axis through zero, and monthly rates as lines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from dtoa.evidence.stats import Difference, Proportion

COLOURS = ("#1d4f91", "#b10e1e", "#2e8540", "#c77700", "#6f2c91")


def pct(value: float | None, places: int = 0) -> str:
    return "*" if value is None else f"{value * 100:.{places}f}%"


@dataclass(frozen=True)
class IntervalBar:
    label: str
    y: float
    width: float  # the bar, to the rate
    low: float  # the whisker's ends (x)
    high: float
    text: str  # "19% (14% to 26%), 30 of 157" or "*"
    shown: bool


def _scale_top(highs: Sequence[float]) -> float:
    """The axis' end: the largest interval end rounded up to a tenth (at least 10%)."""
    return max(0.1, math.ceil(max(highs, default=0.1) * 10 - 1e-9) / 10)


def interval_bars(rows: Sequence[tuple[str, Proportion | None]], *, width: float = 300,
                  step: float = 24) -> dict:
    """One bar per row for its rate with the Wilson interval as a whisker; a hidden or
    unknown rate has no bar and reads "*" or "no outcome known"."""
    top = _scale_top([p.high for _, p in rows if p is not None and p.high is not None])
    bars = []
    for i, (label, p) in enumerate(rows):
        if p is None or p.rate is None:
            text = "*" if p is None else "no outcome known"
            bars.append(IntervalBar(label, i * step, 0, 0, 0, text, False))
            continue
        x = lambda v: round(width * v / top, 1)  # noqa: E731
        bars.append(IntervalBar(label, i * step, x(p.rate), x(p.low), x(p.high),
                                f"{pct(p.rate)} ({pct(p.low)} to {pct(p.high)}), "
                                f"{p.count} of {p.total}", True))
    ticks = [(round(width * t / 4, 1), pct(top * t / 4)) for t in range(5)]
    return {"bars": bars, "ticks": ticks, "width": width, "height": len(rows) * step}


def difference_axis(difference: Difference, *, width: float = 300) -> dict | None:
    """Custody minus community on an axis symmetric about zero, in percentage points."""
    if difference.estimate is None:
        return None
    reach = _scale_top([abs(difference.low), abs(difference.high)])
    x = lambda v: round(width / 2 + width / 2 * v / reach, 1)  # noqa: E731
    return {"zero": x(0), "estimate": x(difference.estimate), "low": x(difference.low),
            "high": x(difference.high), "width": width,
            "ticks": [(x(v), f"{v * 100:+.0f}" if v else "0")
                      for v in (-reach, -reach / 2, 0, reach / 2, reach)]}


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: tuple[tuple[float, float], ...]  # hidden months break nothing: they are left out


def month_lines(months: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                *, width: float = 420, height: float = 150) -> dict:
    """A line per series over the months (rates 0..1), y from 0 to a round top."""
    top = _scale_top([v for _, values in series for v in values if v is not None])
    gap = width / max(len(months) - 1, 1)
    lines = [Line(label, COLOURS[i % len(COLOURS)],
                  tuple((round(j * gap, 1), round(height - height * v / top, 1))
                        for j, v in enumerate(values) if v is not None))
             for i, (label, values) in enumerate(series)]
    return {"lines": lines, "width": width, "height": height,
            "labels": [(round(j * gap, 1), m) for j, m in enumerate(months)],
            "ticks": [(round(height - height * t / 2, 1), pct(top * t / 2)) for t in range(3)]}
