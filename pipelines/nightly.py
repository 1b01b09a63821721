"""The nightly run: take in the inbox, re-check eligibility, make referrals and letters, sweep.

One list of steps serves the scheduler (`dtoa scheduler`) and cron users (`dtoa run nightly`).
"""

from __future__ import annotations

import importlib

from sqlalchemy.engine import Engine
from tqdm import tqdm

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.log import get_logger
from pipelines import Step, run_steps
from pipelines.eligibility import eligibility
from pipelines.ingest import ingest_inbox
from pipelines.sweep import sweep

log = get_logger("dtoa.pipeline")


def _step_from(module: str, name: str) -> Step:
    """A step imported when it runs, so this module loads before the referral steps exist and
    a missing one fails the run loudly at its turn instead of being skipped."""

    def step(engine: Engine, settings: Settings, clock: Clock) -> dict:
        return getattr(importlib.import_module(module), name)(engine, settings, clock)

    step.__name__ = name
    return step


NIGHTLY_STEPS: tuple[Step, ...] = (
    ingest_inbox,
    eligibility,
    _step_from("pipelines.referrals", "referrals"),
    _step_from("pipelines.letters", "letters"),
    sweep,
)


def run_nightly(engine: Engine, settings: Settings, clock: Clock,
                *, progress: bool | None = None) -> list[tuple[str, dict]]:
    """Run NIGHTLY_STEPS once, in order, with a progress bar on a terminal (`progress=None`
    shows it only when stderr is a terminal)."""
    results: list[tuple[str, dict]] = []
    disable = None if progress is None else not progress
    with tqdm(NIGHTLY_STEPS, desc="nightly", unit="step", disable=disable, leave=False) as bar:
        for step in bar:
            bar.set_postfix_str(step.__name__)
            results.extend(run_steps([step], engine, settings, clock, name="nightly"))
    log.info("run.done", run="nightly", steps=len(results))
    return results
