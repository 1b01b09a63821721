"""Funnel step: recount the suites' weeks whose arrests changed since the last run, so the
inspector's page reads counted weeks (`dtoa.store.funnel_rollup`). After retention, whose
anonymising marks the weeks it touches, and before the statistics step, which then sees the
counted weeks. Only the night's marked weeks are read: the step does not grow with history.
A re-run finds nothing marked and does nothing."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.store.funnel_rollup import refresh


def funnel(engine: Engine, settings: Settings, clock: Clock) -> dict:
    """How many (suite, week)s were recounted, in how many transactions."""
    return refresh(engine, tuple(p.drug for p in settings.law.panel), clock.now())
