"""Batch steps. Each step takes (engine, settings, clock), is idempotent, commits its own work
whole, and returns a summary dict that is logged. A run is a list of steps."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.log import get_logger

Step = Callable[[Engine, Settings, Clock], dict]
log = get_logger("dtoa.pipeline")


def run_steps(steps: Sequence[Step], engine: Engine, settings: Settings, clock: Clock,
              *, name: str = "run") -> list[tuple[str, dict]]:
    """Run steps in order; a failing step stops the run (what earlier steps committed stays,
    and re-running resumes safely because every step is idempotent)."""
    results = []
    for step in steps:
        step_name = getattr(step, "__name__", repr(step))
        started = time.perf_counter()
        summary = step(engine, settings, clock)
        log.info("step.done", run=name, step=step_name,
                 duration_s=round(time.perf_counter() - started, 3), **summary)
        results.append((step_name, summary))
    return results
