"""Retention step: delete or anonymise what is past its retention period (DPA 2018 s.39), one
transaction per kind of record, each audited with counts only (`dtoa.privacy.retention`).
Self-contained: it reads nothing the other steps return, and finds nothing more on a re-run."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dtoa.clock import Clock
from dtoa.config import Settings
from dtoa.privacy.retention import apply_retention, totals

ACTOR = "pipeline:retention"


def retention(engine: Engine, settings: Settings, clock: Clock) -> dict:
    """Per kind of record, how many were past the period and went (counts only)."""
    return totals(apply_retention(engine, settings, clock, actor=ACTOR))
