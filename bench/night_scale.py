"""Does the nightly run grow with history? The same night on one and on five years of history,
each nightly step in a process of its own (so its peak memory is its own), and `dtoa --help`'s
start time. Run as `python -m bench.night_scale NAME JSON`, like `bench.steps`.

The history is brought to the state a live one would be in (`bench.served`: requirements
served, assessments attended or failed; then the night before's eligibility, referrals, sweep
and retention, and the letters already sent, untimed); the night measured then takes in its
extracts from the inbox and runs every step once.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import national
from bench.history import letters_already_sent
from bench.served import serve_history
from dtoa import log
from dtoa.clock import FixedClock
from dtoa.store import make_engine, upgrade_schema

NIGHT = date(2024, 1, 1)  # the night measured (bench.steps.NIGHT); history runs up to it
HISTORY_SETUP = ("eligibility", "referrals", "sweep", "retention", "funnel")
HELP_RUNS = 7


def night_clock() -> FixedClock:
    """02:00 UTC the morning after the night's arrests, as `bench.steps.nightly` runs it."""
    return FixedClock(datetime(NIGHT.year, NIGHT.month, NIGHT.day, 2, tzinfo=UTC)
                      + timedelta(days=1))


def _open(args: dict):  # noqa: ANN202
    engine = make_engine(args["url"])
    upgrade_schema(engine)
    return engine, national.national_settings(Path(args["folder"]), args["url"])


def _steps() -> dict:
    from dtoa.pipelines.nightly import NIGHTLY_STEPS

    return {step.__name__: step for step in NIGHTLY_STEPS}


def prepare(args: dict) -> dict:
    """Untimed: serve the history's requirements, run the night before, record its letters."""
    engine, settings = _open(args)
    before = FixedClock(night_clock().now() - timedelta(days=1))
    started = time.perf_counter()
    served = serve_history(engine, before.now())
    setup = {name: _jsonable(_steps()[name](engine, settings, before)) for name in HISTORY_SETUP}
    setup["letters_recorded_unrendered"] = letters_already_sent(engine, settings,
                                                                night_clock().now())
    return {"seconds": time.perf_counter() - started, "served": served, "setup": setup}


def night_step(args: dict) -> dict:
    """One nightly step of the night measured, timed."""
    engine, settings = _open(args)
    step = _steps()[args["step"]]
    started = time.perf_counter()
    summary = step(engine, settings, night_clock())
    return {"seconds": time.perf_counter() - started, "summary": _jsonable(summary)}


def help_start(args: dict) -> dict:
    """Wall time of `dtoa --help` in a fresh process, as a user starts it."""
    script = Path(sys.executable).with_name("dtoa")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "dtoa"]
    times = []
    for _ in range(HELP_RUNS):
        started = time.perf_counter()
        subprocess.run([*command, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "best_s": min(times), "runs": len(times),
            "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _jsonable(summary: object) -> object:
    return json.loads(json.dumps(summary, default=str))


def run(name: str, **args: object) -> dict:
    """Run one of this module's steps in a process of its own; its JSON result."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    env.pop("DTOA_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.night_scale", name,
                           json.dumps(args, default=str)], capture_output=True, text=True,
                          env=env)
    if done.returncode != 0:
        raise RuntimeError(f"bench step {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_night(folder: Path, url: str) -> dict:
    """Prepare the history in `url`, then run the night (extracts already in `folder`/inbox)
    step by step, each in its own process."""
    out = {"prepare": run("prepare", folder=folder, url=url), "steps": {}}
    for name in _steps():
        out["steps"][name] = run("night_step", folder=folder, url=url, step=name)
    out["seconds"] = sum(s["seconds"] for s in out["steps"].values())
    out["peak_mb"] = max(s["peak_mb"] for s in out["steps"].values())
    return out


STEPS = {f.__name__: f for f in (prepare, night_step, help_start)}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    log.configure(logging.WARNING)
    if name == "serve":
        from bench.pages import serve

        serve(args)
        return
    result = STEPS[name](args)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
