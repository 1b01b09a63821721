"""The registry's vocabulary: a kind of record, what a retention run judges it against, and what
removing it took.

A `Kind` is everything retention needs to know about one kind of record: the `[retention]` key
that sets its period, its default and where that default comes from, how to find the records
past the period (`find`, returning keys: row ids, or file paths for files), and how to remove
them (`remove`: delete, or anonymise where figures must survive), with the files that go with
them. Kinds are applied in the order of `dtoa.privacy.catalogue.KINDS`, each in one
transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlmodel import Session

from dtoa.rules.retention import Period, latest_arrest_date, parse_period

if TYPE_CHECKING:
    from dtoa.config import Settings


@dataclass(frozen=True)
class Window:
    """What a run judges records against: the moment, the local date, the settings and every
    kind's period (a kind may need another's: a case file goes only when all its cases have)."""

    now: datetime
    today: date
    settings: Settings
    periods: Mapping[str, Period]

    def cutoff(self, kind: str) -> datetime:
        """Records timed before this instant are past `kind`'s period."""
        return self.periods[kind].cutoff(self.now)

    def cutoff_date(self, kind: str) -> date:
        """Records dated (local date) before this are past `kind`'s period."""
        return self.periods[kind].cutoff_date(self.today)

    def arrested_by(self, kind: str) -> date:
        """The latest arrest date of a file with anything recorded before `kind`'s cutoff."""
        return latest_arrest_date(self.cutoff(kind), self.settings.tz)


@dataclass
class Removal:
    """What removing some records took: rows deleted and rows anonymised, per table, and the
    files that went with them (deleted by the run before its transaction commits)."""

    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def delete(self, table: str, count: int) -> None:
        if count:
            self.deleted[table] = self.deleted.get(table, 0) + count

    def anonymise(self, table: str, count: int) -> None:
        if count:
            self.anonymised[table] = self.anonymised.get(table, 0) + count

    def counts(self) -> dict[str, int]:
        """{"anonymised <table>" | "deleted <table>": count}: counts, nothing else."""
        out = {f"anonymised {t}": n for t, n in sorted(self.anonymised.items())}
        out.update({f"deleted {t}": n for t, n in sorted(self.deleted.items())})
        return out


Finder = Callable[[Session, Window], Sequence[Hashable]]
Remover = Callable[[Session, Sequence[Hashable], Window], Removal]


@dataclass(frozen=True)
class Kind:
    """One kind of record and its retention. `name` is its key in `[retention]`; `default` a
    period ("1 year"); `source` the law or guidance that sets it, or "local policy: why";
    `floor` the shortest period the law allows, when one does (a shorter setting is refused)."""

    name: str
    what: str
    default: str
    source: str
    action: Literal["delete", "anonymise"]
    find: Finder
    remove: Remover
    floor: str | None = None

    def period(self, settings: Settings) -> Period:
        return parse_period(settings.retention.get(self.name, self.default))


@dataclass(frozen=True)
class Section:
    """Personal data of one person held in a table of your own, for subject access: `gather`
    returns its rows as plain dicts (JSON-ready), given the person reference, the suites of
    their force, and the ids of their detentions (not anonymised) at those suites."""

    name: str  # the JSON key and the PDF's heading, e.g. "contact_details"
    gather: Callable[[Session, str, frozenset[str], Sequence[int]], list[dict]]


def check_periods(values: Mapping[str, str], kinds: Sequence[Kind]) -> None:
    """Every `[retention]` key names a kind, every value is a period, none under its floor.
    Raises ValueError saying which."""
    from dtoa.rules.retention import at_least

    known = {kind.name: kind for kind in kinds}
    for name, text in values.items():
        if name not in known:
            raise ValueError(f"[retention] {name}: not a kind of record; known: "
                             + ", ".join(known))
        try:
            period = parse_period(text)
        except ValueError as exc:
            raise ValueError(f"[retention] {name}: {exc}") from None
        floor = known[name].floor
        if floor and not at_least(period, parse_period(floor), date(2001, 1, 1)):
            raise ValueError(f"[retention] {name}: {period} is shorter than the law allows "
                             f"({floor}: {known[name].source})")
