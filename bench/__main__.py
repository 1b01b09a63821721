"""`python -m bench`: ingest against a raw baseline, one night's pipeline on a year of history,
the weekly funnel on five years, the same night on one and on five years of history, the web
pages' latency, `dtoa --help`'s start time, and each step's peak memory, in one run, as a table.

    python -m bench                       # national size on SQLite (takes a while)
    python -m bench --scale 0.01          # a smoke run in seconds
    python -m bench --database postgresql # the same on a throwaway PostgreSQL server
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import scale as history_scale
from bench.report import render
from dtoa.testing import postgres_server

YEAR = 1_000_000  # detentions a year, nationally (the issue: 700,000 to 1,000,000)
HISTORY_START, NIGHT = date(2023, 1, 1), date(2024, 1, 1)
FUNNEL_START, FUNNEL_WEEK = date(2019, 1, 1), date(2023, 6, 5)  # a Monday


def main(argv: list[str] | None = None) -> dict:
    options = _options(argv)
    workdir = Path(options.workdir or tempfile.mkdtemp(prefix="dtoa-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        databases = _Databases(workdir, stack if options.database == "postgresql" else None)
        results = run(workdir, databases, options.scale, options.skip_funnel,
                      save=lambda so_far: _save(options.json, so_far),
                      skip_nightly=options.skip_nightly, skip_scale=options.skip_scale)
    results["database"], results["scale"] = options.database, options.scale
    print(render(results))
    _save(options.json, results)
    if not options.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _save(path: str | None, results: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(results, indent=2, default=str))


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of national size (1.0 = 1,000,000 detentions a year)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workdir", help="keep extracts and databases here (default: a "
                                          "temporary folder, removed afterwards)")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--skip-funnel", action="store_true",
                        help="leave out the five-year funnel history (the longest step)")
    parser.add_argument("--skip-nightly", action="store_true",
                        help="leave out the night's pipeline (and its history setup)")
    parser.add_argument("--skip-scale", action="store_true",
                        help="leave out the same night on one and five years, the web pages' "
                             "latency and the start time (bench/scale.py)")
    return parser.parse_args(argv)


class _Databases:
    """A fresh database per step: an SQLite file, or a new database on one PostgreSQL server."""

    def __init__(self, workdir: Path, stack: ExitStack | None) -> None:
        self.workdir, self.server = workdir, None
        if stack is not None:
            self.server = stack.enter_context(postgres_server())

    def fresh(self, name: str) -> str:
        if self.server is None:
            path = self.workdir / f"{name}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return f"sqlite:///{path}"
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS bench_{name} WITH (FORCE)"))
            connection.execute(sa.text(f"CREATE DATABASE bench_{name}"))
        admin.dispose()
        return sa.engine.make_url(self.server).set(database=f"bench_{name}").render_as_string(
            hide_password=False)


def step(name: str, **args: object) -> dict:
    """Run one step in a process of its own; its peak memory is then its own."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]))
    env.pop("DTOA_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.steps", name, json.dumps(args,
                          default=str)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"bench step {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(workdir: Path, databases: _Databases, scale: float, skip_funnel: bool,
        save: Callable[[dict], None] = lambda results: None, skip_nightly: bool = False,
        skip_scale: bool = False) -> dict:
    """Every section in turn; `save` gets the results so far after each step (a long run
    that is stopped still leaves what it measured)."""
    rows = max(int(YEAR * scale), 400)
    results: dict = {"rows": rows}

    def measure(key: str, name: str, **args: object) -> None:
        results[key] = step(name, **args)
        save(results)

    extracts = workdir / "year"
    measure("generate_year", "generate", folder=extracts, rows=rows, start=HISTORY_START,
            end=NIGHT)
    year_db = databases.fresh("year")
    measure("ingest", "ingest", folder=extracts, url=year_db)
    measure("baseline", "baseline", folder=extracts, url=databases.fresh("baseline"))
    if not skip_funnel:
        history = workdir / "five_years"
        measure("generate_five_years", "generate", folder=history, rows=rows * 5,
                start=FUNNEL_START, end=NIGHT)
        five_db = databases.fresh("five_years")
        measure("history_ingest", "ingest", folder=history, url=five_db)
        measure("funnel", "funnel", folder=history, url=five_db, week=FUNNEL_WEEK)
    if skip_nightly:
        return results
    night = workdir / "night"
    measure("generate_night", "generate", folder=night / "extract", rows=max(rows // 365, 10),
            start=NIGHT, end=NIGHT + timedelta(days=1))
    for kind in ("detentions", "tests"):
        (night / "inbox" / kind).mkdir(parents=True, exist_ok=True)
        shutil.move(night / "extract" / f"{kind}.csv", night / "inbox" / kind / f"{kind}.csv")
    measure("nightly", "nightly", folder=night, url=year_db)
    if not skip_funnel and not skip_scale:  # the same night on one and on five years
        scale_year = databases.fresh("scale_year")
        measure("scale_year_ingest", "ingest", folder=extracts, url=scale_year)
        history_scale.measure(workdir, {"one_year": scale_year, "five_years": five_db},
                      max(rows // 365, 10), FUNNEL_WEEK, step,
                      save=lambda key, value: (results.__setitem__(key, value), save(results)))
    return results


if __name__ == "__main__":
    main()
