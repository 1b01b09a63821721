"""Named locks that hold across processes: one schema upgrade, one nightly run, one ingest of
each kind at a time.

PostgreSQL: a session-level advisory lock (held by its own connection, so it covers processes
on any machine sharing the database). SQLite: an exclusive `flock` on a small file beside the
database (a SQLite database is only ever shared by processes on one machine). Never a lock
on the database file itself: closing another descriptor of that file would drop SQLite's own
POSIX locks.

A caller that gives up waiting gets LockTimeout with the time the holder took the lock
(`since`, UTC, None when it cannot be told), so a person can be told "a nightly run is already
in progress since 02:00:03". PostgreSQL tells it from `pg_stat_activity` (the holder's
connection ran nothing after taking the lock); the lock file holds it on SQLite.
"""

from __future__ import annotations

import fcntl
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from dtoa.log import get_logger

POLL_S = 0.1
log = get_logger("dtoa.locks")


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than the caller would wait."""

    def __init__(self, name: str, since: datetime | None = None) -> None:
        super().__init__(f"another dtoa process holds the {name} lock")
        self.name, self.since = name, since


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


def _wait(try_once: Callable[[], bool], name: str, timeout_s: float,
          since: Callable[[], datetime | None] = lambda: None) -> None:
    deadline = time.monotonic() + timeout_s
    if try_once():
        return
    if timeout_s > 0:
        log.info("lock.waiting", lock=name, timeout_s=timeout_s)
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(name, since())
        time.sleep(POLL_S)
    log.info("lock.taken", lock=name)


@contextmanager
def _advisory(engine: Engine, name: str, timeout_s: float) -> Iterator[None]:
    key = _key(name)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        _wait(lambda: connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": key}).scalar(), name, timeout_s,
              lambda: connection.execute(_HOLDER_SINCE, {"k": key}).scalar())
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


_HOLDER_SINCE = text(
    "SELECT a.query_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :k "
    "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
    "WHERE datname = current_database())")


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

        _wait(try_once, name, timeout_s, lambda: _written_since(descriptor))
        os.pwrite(descriptor, datetime.now(UTC).isoformat(timespec="microseconds").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)  # empty whenever nobody holds it: never a stale time
    finally:
        os.close(descriptor)  # releases the flock


def _written_since(descriptor: int, attempts: int = 50) -> datetime | None:
    """The holder's time, read from the lock file. The holder writes it just after taking the
    lock, so an empty file is read again a little later (for up to about a second)."""
    for _ in range(attempts):
        try:
            written = os.pread(descriptor, 64, 0).decode()
        except OSError:
            return None
        if written:
            try:
                return datetime.fromisoformat(written)
            except ValueError:
                return None
        time.sleep(0.02)
    return None
