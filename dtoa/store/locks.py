"""Named locks that hold across processes: one schema upgrade, one nightly run at a time.

PostgreSQL: a session-level advisory lock (held by its own connection, so it covers processes
on any machine sharing the database). SQLite: an exclusive `flock` on a small file beside the
database (a SQLite database is only ever shared by processes on one machine). Never a lock
on the database file itself: closing another descriptor of that file would drop SQLite's own
POSIX locks.
"""

from __future__ import annotations

import fcntl
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

POLL_S = 0.1


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than the caller would wait."""


def _key(name: str) -> int:
    return zlib.crc32(f"dtoa:{name}".encode())


@contextmanager
def exclusive(engine: Engine, name: str, *, timeout_s: float) -> Iterator[None]:
    """Hold the lock `name` for the block; wait up to `timeout_s` for it (0: do not wait)."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name, timeout_s):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # one process, one connection: nothing to share
        return
    with _file_lock(Path(f"{database}.{name}.lock"), name, timeout_s):
        yield


def _wait(try_once, name: str, timeout_s: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(f"another dtoa process holds the {name} lock")
        time.sleep(POLL_S)


@contextmanager
def _advisory(engine: Engine, name: str, timeout_s: float) -> Iterator[None]:
    key = _key(name)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        _wait(lambda: connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": key}).scalar(), name, timeout_s)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextmanager
def _file_lock(path: Path, name: str, timeout_s: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        def try_once() -> bool:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(try_once, name, timeout_s)
        yield
    finally:
        os.close(descriptor)  # releases the flock
