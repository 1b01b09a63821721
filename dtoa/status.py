"""How an installation is doing, for `dtoa status` (an operator at a terminal) and the web's
`GET /healthz` (a load balancer): is the database there, is its schema this version's, how
did the last nightly and weekly runs end, and what is waiting in the inbox or quarantine.

Read-only, and it works on a database whose schema is behind (that is when it is needed):
runs are read from `job_run` only when the table is there. Nothing here holds personal data:
counts, revisions, times, the runs' own summaries (counts by step), and the names of the files
in quarantine with the reasons written beside them (which name columns, never values); never
a file's contents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from dtoa.clock import as_utc
from dtoa.config import Settings
from dtoa.ingest.quarantine import REASON_SUFFIX, Quarantined, quarantined
from dtoa.models import JobRun
from dtoa.pipelines.ingest import INBOX_KINDS
from dtoa.scheduler import NIGHTLY, WEEKLY
from dtoa.store.schema import schema_state


@dataclass(frozen=True)
class Health:
    """What a load balancer needs: the database answers, and its schema is this version's."""

    database: str  # ok | unreachable
    schema: str  # current | behind | empty | unknown (database unreachable)
    current: str | None = None  # the database's revision
    head: str | None = None  # this version's
    error: str | None = None  # why the database is unreachable (for the operator only)

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.schema == "current"


@dataclass(frozen=True)
class LastRun:
    job: str
    started_at: datetime  # UTC
    finished_at: datetime | None
    status: str  # running | succeeded | failed
    summary: object  # the run's summary as the job returned it (or its error)


@dataclass(frozen=True)
class Status:
    database: str  # the URL without its password
    health: Health
    runs: dict[str, LastRun | None]  # nightly, weekly
    inbox: dict[str, int]  # kind -> CSV files waiting
    inbox_other: dict[str, int]  # kind -> other files the nightly run will not take in
    quarantine: list[Quarantined]  # oldest first


def health(engine: Engine) -> Health:
    try:
        state = schema_state(engine)
    except SQLAlchemyError as exc:
        return Health("unreachable", "unknown", error=unreachable_reason(exc))
    if state.up_to_date:
        schema = "current"
    elif state.current is None and not state.legacy:
        schema = "empty"
    else:
        schema = "behind"
    current = state.current or ("made before migrations" if state.legacy else None)
    return Health("ok", schema, current, state.head)


def unreachable_reason(exc: SQLAlchemyError) -> str:
    """The error's type and the first line of the driver's message (which names the host and
    port, never the password, and holds no statement parameters)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def last_runs(engine: Engine) -> dict[str, LastRun | None]:
    """The latest run of each scheduled job, whether the scheduler or `dtoa run nightly`
    started it."""
    runs: dict[str, LastRun | None] = {NIGHTLY: None, WEEKLY: None}
    with engine.connect() as connection:
        if not inspect(connection).has_table(JobRun.__tablename__):
            return runs
        table = JobRun.__table__
        for job in runs:
            row = connection.execute(select(table).where(table.c.job_id == job)
                                     .order_by(table.c.started_at.desc(), table.c.id.desc())
                                     .limit(1)).first()
            if row is not None:
                runs[job] = LastRun(job, as_utc(_aware(row.started_at)),
                                    as_utc(_aware(row.finished_at)) if row.finished_at else None,
                                    row.status, json.loads(row.summary) if row.summary else None)
    return runs


def _aware(moment: datetime) -> datetime:
    """SQLite gives instants back naive (stored in UTC); PostgreSQL gives them aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def waiting(settings: Settings) -> tuple[dict[str, int], dict[str, int], list[Quarantined]]:
    """(CSV files waiting per inbox kind, other files per kind, files in quarantine)."""
    inbox, other = {}, {}
    for kind in INBOX_KINDS:
        files = [f for f in _files(settings.path("inbox") / kind, recursive=False)
                 if not f.name.endswith(".rejects.csv")]  # a run's own output, not input
        csvs = [f for f in files if f.suffix == ".csv"]
        inbox[kind] = len(csvs)
        other[kind] = len(files) - len(csvs)
    return inbox, other, in_quarantine(settings)


NO_REASON = "no reason recorded (not set aside by the nightly run)"


def in_quarantine(settings: Settings) -> list[Quarantined]:
    """Every file waiting in quarantine with when and why it was set aside, oldest first (the
    issue's "nothing lost": each is listed by `dtoa status` and on the admin page). A file put
    there by hand has no reason note: it is listed too, last, with NO_REASON. Names and reasons
    are made printable; `path` is the file itself."""
    paths = set(_set_aside(settings.path("quarantine")))
    noted = [q for q in quarantined(settings) if q.path in paths]
    by_hand = sorted(paths - {q.path for q in noted}, key=lambda p: (p.parent.name, p.name))
    listed = noted + [Quarantined(p.parent.name, p.name, p, NO_REASON, None) for p in by_hand]
    return [replace(q, kind=_printable(q.kind), name=_printable(q.name),
                    reason=_printable(q.reason)) for q in listed]


def _printable(text: str) -> str:
    """As shown to a person: a character a terminal would act on, or a byte of a file name that
    is not UTF-8, becomes '?' (`path` keeps the real name)."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _set_aside(folder: Path) -> list[Path]:
    """What waits in quarantine/<kind>/: any file, pipe or folder moved there, not the notes
    written beside it (reasons, rejects)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.glob("*/*") if not p.name.startswith(".")
            and not p.name.endswith((REASON_SUFFIX, ".rejects.csv"))]


def _files(folder: Path, *, recursive: bool) -> list[Path]:
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return [f for f in found if f.is_file() and not f.name.startswith(".")]


def gather(settings: Settings, engine: Engine) -> Status:
    state = health(engine)
    runs = last_runs(engine) if state.database == "ok" else {NIGHTLY: None, WEEKLY: None}
    inbox, other, set_aside = waiting(settings)
    return Status(engine.url.render_as_string(hide_password=True), state, runs, inbox, other,
                  set_aside)
