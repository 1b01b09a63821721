"""The funnel kept per custody suite and ISO week, so the inspector's page reads a few hundred
counted weeks instead of counting every arrest of its eight weeks again (issue 13: 1.3 s at
national size).

Counts are never trusted blindly. Triggers mark every (suite, arrest date) whose detention,
sample, referral, appointment, notification or prosecution case changed (migration 0012);
`weekly_counts` counts a marked week live, from the same query, and takes the rest from
`funnel_week`, so the page is exact whatever has happened since the last refresh. `refresh`
(the nightly `funnel` step) clears marked days and recounts their weeks, a few weeks per
transaction.

Why a refresh cannot lose a change: it deletes the marked days first and counts afterwards,
in a later statement of the same transaction. SQLite has one writer, so nothing commits
between. PostgreSQL writers add marks of their own (never an upsert): the delete removes only
the marks committed before it, whose changes the later count sees; a writer still in flight
keeps its mark for the next refresh. One refresh runs at a time (`REFRESH_LOCK`): two could
otherwise store their counts of the same week in the opposite order to their snapshots.

A week counted by another definition of the funnel (a new release, or a panel drug added in
configuration) is counted live until `refresh` counts the whole history again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from hashlib import sha256

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from dtoa.config import Settings
from dtoa.models import Detention, FunnelStaleDay, FunnelWeek
from dtoa.rules import funnel as stages
from dtoa.store.funnel import check_suite, funnel_query, plan_settings, stage_keys
from dtoa.store.locks import exclusive

WEEK = FunnelWeek.__table__
STALE = FunnelStaleDay.__table__
DETENTION = Detention.__table__
REFRESH_LOCK = "funnel-refresh"
REFRESH_WAIT_S = 600  # a nightly refresh waits this long behind one run by hand
WEEKS_PER_PASS = 4  # weeks recounted per transaction: a national month is ~80,000 arrests
Cell = tuple[str, date]  # (suite, Monday)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=16)
def definition(panel: tuple[str, ...], dialect: str) -> str:
    """A fingerprint of what a count means: the funnel query's SQL, its stages and its panel.
    Any change to them makes every stored week another definition's."""
    names = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}
    sql = str(funnel_query([(date(2001, 1, 1), date(2001, 1, 7))], None, panel, by_suite=True)
              .compile(dialect=names.get(dialect, sqlite.dialect())))
    return sha256("\n".join([sql, *panel, *stage_keys(panel)]).encode()).hexdigest()[:32]


def funnel_by_week(engine: Engine, settings: Settings, mondays: Sequence[date],
                   suite: str | None = None) -> list[dict]:
    """`dtoa.store.funnel.funnel` for each ISO week starting on `mondays` (the inspector's
    week and its trend), from the stored weeks."""
    if any(week.weekday() != 0 for week in mondays):
        raise ValueError("a week starts on a Monday")
    check_suite(settings, suite)
    panel = tuple(p.drug for p in settings.law.panel)
    return [stages.with_rates(counts)
            for counts in weekly_counts(engine, mondays, suite, panel)]


def weekly_counts(engine: Engine, mondays: Sequence[date], suite: str | None,
                  panel: tuple[str, ...]) -> list[dict[str, int]]:
    """The funnel counts of the ISO weeks starting on `mondays`, at `suite` or all suites:
    counted weeks from `funnel_week`, marked or differently defined ones counted live."""
    keys = stage_keys(panel)
    totals = {week: dict.fromkeys(keys, 0) for week in mondays}
    current = definition(panel, engine.dialect.name)
    with engine.connect() as connection:
        stale = _marked(connection, mondays, suite)
        for row in connection.execute(_cells(mondays, suite)):
            cell = (row.suite, row.week_start)
            if cell in stale:
                continue
            if row.definition != current:
                stale.add(cell)
                continue
            _add(totals[row.week_start], json.loads(row.counts))
        if stale:
            plan_settings(connection)
            for cell, counts in _count(connection, stale, panel).items():
                _add(totals[cell[1]], counts)
    return [totals[week] for week in mondays]


def refresh(engine: Engine, panel: tuple[str, ...], now: datetime) -> dict:
    """Recount every week with a marked day and clear its marks; a definition other than the
    stored weeks' recounts the whole history. Re-running with nothing marked does nothing."""
    with exclusive(engine, REFRESH_LOCK, timeout_s=REFRESH_WAIT_S):
        rebuilt = _redefine(engine, panel)
        passes = weeks = 0
        while (first := _first_marked(engine)) is not None:
            weeks += _recount_pass(engine, panel, monday(first), now)
            passes += 1
    return {"weeks_counted": weeks, "passes": passes, "recounted_history": rebuilt}


def _recount_pass(engine: Engine, panel: tuple[str, ...], start: date, now: datetime) -> int:
    """Clear the marks of WEEKS_PER_PASS weeks from `start` and recount their marked cells,
    in one transaction; returns how many cells."""
    with engine.begin() as connection:
        days = connection.execute(
            delete(STALE).where(STALE.c.arrest_date >= start,
                                STALE.c.arrest_date < start + timedelta(weeks=WEEKS_PER_PASS))
            .returning(STALE.c.suite, STALE.c.arrest_date)).all()
        cells = {(suite, monday(day)) for suite, day in days}
        plan_settings(connection)
        _store(connection, cells, _count(connection, cells, panel),
               definition(panel, engine.dialect.name), now)
    return len(cells)


def _marked(connection: Connection, mondays: Sequence[date], suite: str | None) -> set[Cell]:
    query = select(STALE.c.suite, STALE.c.arrest_date).where(
        STALE.c.arrest_date >= min(mondays),
        STALE.c.arrest_date <= max(mondays) + timedelta(days=6))
    if suite is not None:
        query = query.where(STALE.c.suite == suite.upper())
    wanted = set(mondays)
    return {cell for s, day in connection.execute(query)
            if (cell := (s, monday(day)))[1] in wanted}


def _cells(mondays: Sequence[date], suite: str | None):  # noqa: ANN202
    query = select(WEEK.c.suite, WEEK.c.week_start, WEEK.c.definition, WEEK.c.counts).where(
        WEEK.c.week_start.in_(sorted(set(mondays))))
    return query if suite is None else query.where(WEEK.c.suite == suite.upper())


def _count(connection: Connection, cells: Iterable[Cell], panel: tuple[str, ...]
           ) -> dict[Cell, dict[str, int]]:
    """The live counts of `cells`, in one grouped query over their weeks and suites; a cell
    with no arrests is absent."""
    cells = set(cells)
    if not cells:
        return {}
    weeks = sorted({week for _, week in cells})
    query = funnel_query([(week, week + timedelta(days=6)) for week in weeks], None, panel,
                         suites={suite for suite, _ in cells}, by_suite=True)
    keys = stage_keys(panel)
    out = {}
    for row in connection.execute(query).mappings():
        cell = (row["suite"], weeks[row["period"]])
        if cell in cells:
            out[cell] = {k: int(row[k] or 0) for k in keys}
    return out


def _store(connection: Connection, cells: set[Cell], counts: dict[Cell, dict[str, int]],
           defined_as: str, now: datetime) -> None:
    """Replace the stored counts of `cells`; a cell left with no arrests is removed."""
    if not cells:
        return
    connection.execute(delete(WEEK).where(
        tuple_(WEEK.c.suite, WEEK.c.week_start).in_(sorted(cells))))
    if counts:
        connection.execute(insert(WEEK), [
            {"suite": suite, "week_start": week, "definition": defined_as,
             "counts": json.dumps(figures, separators=(",", ":")), "computed_at": now}
            for (suite, week), figures in sorted(counts.items())])


def _first_marked(engine: Engine) -> date | None:
    """Read before the pass's own transaction, whose first statement must be its delete (on
    SQLite a transaction that read first cannot write once another has committed)."""
    with engine.connect() as connection:
        return connection.execute(select(func.min(STALE.c.arrest_date))).scalar()


def _redefine(engine: Engine, panel: tuple[str, ...]) -> bool:
    """If any stored week was counted by another definition, forget every stored week and mark
    every day with arrests, so the passes that follow count the whole history once."""
    current = definition(panel, engine.dialect.name)
    with engine.connect() as connection:
        other = connection.execute(select(WEEK.c.suite).where(WEEK.c.definition != current)
                                   .limit(1)).first()
    if other is None:
        return False
    with engine.begin() as connection:
        connection.execute(delete(WEEK))
        connection.execute(insert(STALE).from_select(
            ["suite", "arrest_date"],
            select(DETENTION.c.suite, DETENTION.c.arrest_date).distinct()))
    return True


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for key in total:
        total[key] += counts.get(key, 0)
