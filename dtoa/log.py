"""structlog set up once: JSON lines to stderr. Log counts and codes, never personal data."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

PERSONAL_KEYS = frozenset({"birth_date", "person_ref", "person_name", "name", "home_area"})
_destination = "stderr"


def drop_personal_data(_logger: object, _method: str, event_dict: dict) -> dict:
    """Last line of defence: a key that names personal data never reaches a log line."""
    for key in PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "[withheld]"
    return event_dict


def configure(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """JSON lines to `stream` (default stderr): a long run (the demo) sends them to a file so the
    terminal shows its progress and result."""
    global _destination
    _destination = getattr(stream, "name", None) or "stderr" if stream is not None else "stderr"
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_personal_data,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)


def destination() -> str:
    """Where the log lines go (a file name, or stderr), for messages that point to them."""
    return _destination
