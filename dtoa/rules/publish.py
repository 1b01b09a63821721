"""Statistical disclosure control for figures that leave the police.

Counts of 1 to 4 could identify a person (a drug result is special category health data: Data
Protection Act 2018 Part 3, "sensitive processing"), so they are suppressed (primary
suppression). A suppressed count must not be recoverable by subtraction: in an additive group
(a total and its parts) where exactly one cell is suppressed, the smallest other unsuppressed
cell of the group is suppressed too (secondary suppression); and where two or more parts are
suppressed under a total that is shown, their sum (the total less the parts shown) must not be
small either (two hidden parts summing to 2 are 1 and 1), else the next smallest part goes
too; repeated until no group gives a cell away. A rate whose numerator or denominator is
suppressed is suppressed.

Zero is published: it is not a person. Suppressed values come back as None, shown as "*".
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from dtoa.rules import funnel as stages

K = TypeVar("K", bound=Hashable)
SMALLEST_SHOWN = 5
MARK = "*"


def is_small(count: int | None) -> bool:
    """Primary suppression: a count from 1 to 4."""
    return count is not None and 0 < count < SMALLEST_SHOWN


def suppress(cells: Mapping[K, int], groups: Iterable[tuple[K, Sequence[K]]]
             ) -> dict[K, int | None]:
    """Cells with primary and secondary suppression applied (suppressed -> None).

    `groups` are (total, parts): the total equals (or bounds) the sum of the parts. A group
    leaks a cell when exactly one of its cells (total or part) is suppressed: that cell is then
    total minus the others, or the sum of the parts. The next cell to hide is the smallest
    unsuppressed part, or the total when every part is hidden.
    """
    hidden = {key for key, value in cells.items() if is_small(value)}
    groups = [(total, tuple(parts)) for total, parts in groups]
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            members = (total, *parts)
            if _small_remainder(cells, hidden, total, parts):
                pick = _smallest_shown(cells, hidden, parts)
                if pick is not None:
                    hidden.add(pick)
                    changed = True
                continue
            if sum(m in hidden for m in members) != 1:
                continue
            candidates = [p for p in parts if p not in hidden and cells[p] > 0]
            if not candidates and hidden.isdisjoint(parts):
                continue  # only the total is hidden and every part is 0: nothing to recover
            pick = min(candidates, key=lambda p: (cells[p], str(p))) if candidates else total
            if pick in hidden:
                continue
            hidden.add(pick)
            changed = True
    return {key: (None if key in hidden else value) for key, value in cells.items()}


def _small_remainder(cells: Mapping[K, int], hidden: set[K], total: K,
                     parts: Sequence[K]) -> bool:
    """Two or more parts hidden under a total that is shown: their sum is the total less the
    parts shown, and a small sum gives them away (two hidden parts summing to 2 are 1 and 1,
    since a hidden count is at least 1)."""
    hidden_parts = [p for p in parts if p in hidden]
    return (total not in hidden and len(hidden_parts) >= 2
            and is_small(sum(cells[p] for p in hidden_parts)))


def _smallest_shown(cells: Mapping[K, int], hidden: set[K], parts: Sequence[K]) -> K | None:
    candidates = [p for p in parts if p not in hidden and cells[p] > 0]
    return min(candidates, key=lambda p: (cells[p], str(p))) if candidates else None


def publish_funnel(funnel: Mapping[str, int | float | None]) -> dict[str, int | float | None]:
    """One funnel made safe to publish: counts suppressed, then rates recomputed from what is
    left (a rate of a suppressed count is suppressed)."""
    safe = suppress({k: funnel[k] for k in stages.COUNTS}, stages.GROUPS)
    return stages.with_rates({**safe, **_drug_counts(funnel, safe)})


def _drug_counts(raw: Mapping[str, int | float | None], safe: Mapping[str, int | None]
                 ) -> dict[str, int | None]:
    """Positives per panel drug, made safe: a small count is hidden, and so is a count that is
    the sum of published parts one of which is hidden (positives for cocaine = cocaine only +
    both), since it would give that part away."""
    out = {}
    for key, parts in stages.drug_parts(raw).items():
        value = raw[key]
        out[key] = None if is_small(value) or any(safe.get(p) is None for p in parts) \
            else value
    return out


def publish_table(rows: Mapping[str, Mapping[str, int | float | None]], total: str
                  ) -> dict[str, dict[str, int | float | None]]:
    """Funnels side by side (one per suite, and `total` for the force): suppression protects
    each funnel's own groups and the column sums, so a suite's hidden figure cannot be found
    from the force total less the other suites."""
    names = list(rows)
    parts = [n for n in names if n != total]
    cells = {(n, k): rows[n][k] for n in names for k in stages.COUNTS}
    groups: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    for name in names:
        groups += [((name, t), [(name, p) for p in ps]) for t, ps in stages.GROUPS]
    if total in rows and parts:
        groups += [((total, k), [(n, k) for n in parts]) for k in stages.COUNTS]
    safe = suppress(cells, groups)
    out = {}
    for n in names:
        base = {k: safe[(n, k)] for k in stages.COUNTS}
        out[n] = stages.with_rates({**base, **_drug_counts(rows[n], base)})
    return out


def shown(value: int | float | None) -> str | int | float:
    """A published value as printed: a suppressed figure is "*"."""
    return MARK if value is None else value
