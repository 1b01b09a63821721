"""The nightly run: take in the inbox, re-check eligibility, make referrals and letters, sweep,
send notifications, remove what is past its retention period, recount the funnel's changed
weeks, and refresh the query planner's statistics.

One list of steps serves the scheduler (`dtoa scheduler`) and cron users (`dtoa run nightly`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from tqdm import tqdm

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.log import get_logger
from dtoa.pipelines import Step, run_steps
from dtoa.pipelines.eligibility import eligibility
from dtoa.pipelines.funnel import funnel
from dtoa.pipelines.ingest import ingest_inbox
from dtoa.pipelines.letters import letters
from dtoa.pipelines.notifications import notifications
from dtoa.pipelines.referrals import referrals
from dtoa.pipelines.retention import retention
from dtoa.pipelines.statistics import statistics
from dtoa.pipelines.sweep import sweep
from dtoa.store.locks import exclusive

log = get_logger("dtoa.pipeline")
NIGHTLY_LOCK = "nightly"


NIGHTLY_STEPS: tuple[Step, ...] = (
    ingest_inbox,
    eligibility,
    referrals,
    letters,
    sweep,
    notifications,
    retention,
    funnel,
    statistics,
)


def run_nightly(engine: Engine, settings: Settings, clock: Clock,
                *, progress: bool | None = None) -> list[tuple[str, dict]]:
    """Run NIGHTLY_STEPS once, in order, with a progress bar on a terminal (`progress=None`
    shows it only when stderr is a terminal). Callers that may race (cron, the scheduler) run
    it inside `one_night`."""
    results: list[tuple[str, dict]] = []
    disable = None if progress is None else not progress
    with tqdm(NIGHTLY_STEPS, desc="nightly", unit="step", disable=disable, leave=False) as bar:
        for step in bar:
            bar.set_postfix_str(step.__name__)
            results.extend(run_steps([step], engine, settings, clock, name="nightly"))
    log.info("run.done", run="nightly", steps=len(results))
    return results


@contextmanager
def one_night(engine: Engine, wait_s: float = 0) -> Iterator[None]:
    """One nightly run at a time, across processes and machines (dtoa.store.locks): a second
    waits `wait_s` seconds for the first, then raises LockTimeout (which says since when the
    other has been running) having done nothing."""
    with exclusive(engine, NIGHTLY_LOCK, timeout_s=wait_s):
        yield
