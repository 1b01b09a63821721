"""The measured steps. Each runs in a process of its own (`python -m bench.steps NAME JSON`) so
its peak memory (ru_maxrss) is its own, and prints one JSON line with what it measured."""

from __future__ import annotations

import importlib
import json
import logging
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench import national
from bench.baseline import load as load_baseline
from bench.funnel_sql import hand_written_funnel
from bench.history import letters_already_sent
from dtoa import log
from dtoa.clock import FixedClock
from dtoa.ingest import ingest_file
from dtoa.store import make_engine, upgrade_schema

NIGHT = date(2024, 1, 1)  # the night measured; history runs up to it
# Run over the history the night before, untimed, so the night measured has only its own new
# positives to refer, letters to render and funnel weeks to recount (see bench/history.py).
HISTORY_SETUP = ("eligibility", "referrals", "sweep", "funnel")


def _engine(args: dict):  # noqa: ANN202
    engine = make_engine(args["url"])
    upgrade_schema(engine)
    return engine


def _settings(args: dict):  # noqa: ANN202
    return national.national_settings(Path(args["folder"]), args["url"])


def generate(args: dict) -> dict:
    """Write the extracts a later step reads (not a measured figure, but its memory is)."""
    span = national.Span(date.fromisoformat(args["start"]), date.fromisoformat(args["end"]))
    detentions, _, tests = national.write_extracts(Path(args["folder"]), args["rows"], span,
                                                   seed=args.get("seed", 2024))
    return {"detentions": _lines(detentions) - 1, "tests": tests}


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def ingest(args: dict) -> dict:
    """The project's ingest of both extracts, as `dtoa ingest` runs it."""
    engine, settings = _engine(args), _settings(args)
    clock = FixedClock(datetime(2030, 1, 1, tzinfo=UTC))
    folder = Path(args["folder"])
    started = time.perf_counter()
    detentions = ingest_file(engine, settings, clock, "detentions", folder / "detentions.csv")
    tests = ingest_file(engine, settings, clock, "tests", folder / "tests.csv")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": detentions.rows_read + tests.rows_read,
            "inserted": detentions.rows_inserted + tests.rows_inserted,
            "rejected": detentions.rows_rejected + tests.rows_rejected}


def baseline(args: dict) -> dict:
    _engine(args).dispose()
    folder = Path(args["folder"])
    started = time.perf_counter()
    detentions, tests = load_baseline(args["url"], folder / "detentions.csv", folder / "tests.csv")
    return {"seconds": time.perf_counter() - started, "rows": detentions + tests,
            "inserted": detentions + tests, "rejected": 0}


def nightly(args: dict) -> dict:
    """One night's pipeline on top of the history already in the database: the night's extracts
    wait in the inbox; every nightly step there is runs once, timed."""
    engine, settings = _engine(args), _settings(args)
    clock = FixedClock(datetime(NIGHT.year, NIGHT.month, NIGHT.day, 2, tzinfo=UTC)
                       + timedelta(days=1))
    steps, pending = nightly_steps()
    setup = {}
    for step in steps:
        if step.__name__ in HISTORY_SETUP:
            started = time.perf_counter()
            summary = step(engine, settings, FixedClock(clock.now() - timedelta(days=1)))
            setup[step.__name__] = {"seconds": time.perf_counter() - started,
                                    "summary": _plain(summary)}
    setup["letters_recorded_unrendered"] = letters_already_sent(engine, settings, clock.now())
    timings = {}
    for step in steps:
        started = time.perf_counter()
        summary = step(engine, settings, clock)
        timings[step.__name__] = {"seconds": time.perf_counter() - started,
                                  "summary": _plain(summary)}
    return {"seconds": sum(t["seconds"] for t in timings.values()), "steps": timings,
            "pending": pending, "history_setup": setup}


def nightly_steps() -> tuple[list, list[str]]:
    """The nightly steps that exist in this checkout, and the names of those still missing."""
    try:
        return list(importlib.import_module("dtoa.pipelines.nightly").NIGHTLY_STEPS), []
    except ImportError:
        pass
    wanted = [("dtoa.pipelines.ingest", "ingest_inbox"),
              ("dtoa.pipelines.eligibility", "eligibility"),
              ("dtoa.pipelines.referrals", "referrals"), ("dtoa.pipelines.letters", "letters"),
              ("dtoa.pipelines.sweep", "sweep")]
    found, pending = [], []
    for module, name in wanted:
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            pending.append(name)
    return found, pending


def funnel(args: dict) -> dict:
    """The weekly funnel, one suite and all suites, by the library and by one hand-written
    query; the figures must agree."""
    engine, settings = _engine(args), _settings(args)
    start = date.fromisoformat(args["week"])
    end = start + timedelta(days=6)
    suite = national.suite_code(7)
    out: dict = {}
    for label, which in (("one_suite", suite), ("all_suites", None)):
        started = time.perf_counter()
        raw = hand_written_funnel(engine, start, end, which)
        out[f"sql_{label}_seconds"] = time.perf_counter() - started
        out[f"sql_{label}"] = raw
        try:
            library = importlib.import_module("dtoa.store.funnel").funnel
        except ImportError:
            out["library"] = "pending"
            continue
        started = time.perf_counter()
        figures = library(engine, settings, start, end, which)
        out[f"lib_{label}_seconds"] = time.perf_counter() - started
        out[f"lib_{label}"] = figures
        out[f"agree_{label}"] = all(figures.get(k) == v for k, v in raw.items())
    with engine.connect() as connection:
        out["history_detentions"] = connection.execute(
            text("SELECT count(*) FROM detention")).scalar()
    return out


def _plain(summary: object) -> object:
    return json.loads(json.dumps(summary, default=str))


STEPS = {f.__name__: f for f in (generate, ingest, baseline, nightly, funnel)}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    log.configure(logging.WARNING)
    result = STEPS[name](args)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
