"""structlog set up once: JSON lines, to the log file by default. Log counts and codes, never
personal data.

A command's terminal shows the human lines (what it did, what it refused); the JSON lines go
to `[paths] log` (default `dtoa.log` beside the config), and `dtoa --verbose` copies them to
stderr as well.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

import structlog

PERSONAL_KEYS = frozenset({"birth_date", "person_ref", "person_name", "name", "home_area",
                           "mobile", "phone_number", "email_address"})
_open_file: TextIO | None = None  # the log file this process writes, closed on reconfigure


def drop_personal_data(_logger: object, _method: str, event_dict: dict) -> dict:
    """Last line of defence: a key that names personal data never reaches a log line."""
    for key in PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "[withheld]"
    return event_dict


class _Tee:
    """Each line to every stream (the log file and, with --verbose, stderr)."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> None:
        for stream in self.streams:
            stream.write(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


class _Nowhere:
    """Where log lines go when there is no log file yet and nobody asked to see them."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


NOWHERE = _Nowhere()


def configure(level: int = logging.INFO, stream: TextIO | _Nowhere | None = None, *,
              path: Path | None = None, echo: bool = False) -> None:
    """JSON lines appended to the file at `path` (and to stderr too when `echo`); without a
    path, to `stream` (default stderr)."""
    global _open_file
    if _open_file is not None:
        _open_file.close()
        _open_file = None
    if path is None:
        target: TextIO | _Tee | _Nowhere = stream or sys.stderr
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        _open_file = path.open("a", encoding="utf-8", buffering=1)
        target = _Tee(_open_file, sys.stderr) if echo else _open_file
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_personal_data,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=target),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)


def destination() -> str:
    """Where the log lines go (the log file, or stderr), for messages that point to them."""
    return _open_file.name if _open_file is not None else "stderr"
