"""The arithmetic of the evaluation report: proportions with Wilson score intervals, the
difference of two proportions with Newcombe's interval, medians and percentiles. Pure: numbers
in, numbers out; no library needed (scipy would bring numpy for five lines of algebra).

- Wilson (1927) score interval at 95%: centre (p + z²/2n) / (1 + z²/n), half-width
  z / (1 + z²/n) · √(p(1-p)/n + z²/4n²), with z = 1.959964 (the 97.5th normal percentile). It
  stays inside 0..1 and behaves at 0 and n, where the textbook p ± z√(p(1-p)/n) does not.
- Newcombe (1998, method 10, the "hybrid score" interval) for p₁ - p₂, from each proportion's
  Wilson limits (l, u): lower d - √((p₁-l₁)² + (u₂-p₂)²), upper d + √((u₁-p₁)² + (p₂-l₂)²).
- median: the middle value, or the mean of the two middle values; percentile: nearest rank
  (the ⌈q·n⌉-th smallest value), so every reported value is one that occurred.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """`count` of `total`, with its rate and 95% Wilson interval (None when total is 0)."""

    count: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Difference:
    """p₁ - p₂ with Newcombe's 95% interval (None when either proportion is unknown)."""

    estimate: float | None
    low: float | None
    high: float | None


def wilson(count: int, total: int, z: float = Z95) -> Proportion:
    """`count` of `total` with the Wilson score interval."""
    if total <= 0:
        return Proportion(count, total, None, None, None)
    if not 0 <= count <= total:
        raise ValueError(f"{count} of {total} is not a proportion")
    p = count / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return Proportion(count, total, p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe(first: Proportion, second: Proportion) -> Difference:
    """The difference first - second with Newcombe's hybrid score interval."""
    if first.rate is None or second.rate is None:
        return Difference(None, None, None)
    p1, l1, u1 = first.rate, first.low, first.high
    p2, l2, u2 = second.rate, second.low, second.high
    d = p1 - p2
    return Difference(d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                      d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    return float(ordered[middle]) if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank `q` percentile (0 < q <= 100): the ⌈q/100·n⌉-th smallest value."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
