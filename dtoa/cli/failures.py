"""How a command ends when something goes wrong: one line and an exit code, never a traceback,
never personal data.

Exit codes (the README lists them):

- 0: done;
- 1: input refused: rows rejected, a file or a desk entry refused, a file that cannot be
  written or read (nothing else was done);
- 2: the command was mistyped (click's usage errors);
- 3: the database schema is not this version's (`dtoa db upgrade`);
- 4: busy: another dtoa process holds the lock this command needs (a nightly run in progress,
  an ingest of the same kind that did not finish in time); nothing was done;
- 5: an unexpected error: one line names where the log is; the log has the error's types and
  where in the code it happened, never its message (a database message can hold the statement's
  values: names, person references, birth dates).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from dtoa import log
from dtoa.faults import describe
from dtoa.store.locks import LockTimeout

EXIT_REFUSED, EXIT_USAGE, EXIT_SCHEMA, EXIT_BUSY, EXIT_UNEXPECTED = 1, 2, 3, 4, 5

_log = log.get_logger("dtoa.cli")


def one_line(message: str, exit_code: int) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = exit_code
    return error


def busy_message(exc: LockTimeout, tz: ZoneInfo, now: datetime | None = None) -> str:
    """"a nightly run is already in progress since 02:00:03; nothing done" and the like."""
    what = {"nightly": "a nightly run", "schema-upgrade": "a schema upgrade"}.get(exc.name)
    if what is None and exc.name.startswith("ingest-"):
        what = f"an ingest of {exc.name.removeprefix('ingest-')}"
    what = what or f"another dtoa process ({exc.name})"
    if exc.since is None:
        return f"{what} is already in progress; nothing done"
    since = exc.since.astimezone(tz)
    today = (now or datetime.now(tz)).astimezone(tz).date()
    shown = f"{since:%H:%M:%S}" if since.date() == today else f"{since:%Y-%m-%d %H:%M:%S}"
    return f"{what} is already in progress since {shown}; nothing done"


def as_click_error(exc: Exception, tz: ZoneInfo) -> click.ClickException:
    """The one line (and exit code) for an exception no command handled itself."""
    if isinstance(exc, LockTimeout):
        return one_line(busy_message(exc, tz), EXIT_BUSY)
    if isinstance(exc, OSError) and exc.filename is not None:
        return one_line(f"{exc.filename}: {exc.strerror or type(exc).__name__}", EXIT_REFUSED)
    _log.error("command.failed", **describe(exc))
    return one_line(f"unexpected error ({type(exc).__name__}); the details are in the log "
                    f"({log.destination()})", EXIT_UNEXPECTED)
