"""The scheduler as it runs in production: real `dtoa scheduler` processes against one database.

Nothing here waits for a time of day or sleeps to line processes up: the stored nightly job is
made due (as a scheduler stopped before its firing leaves it) and each test waits for the
processes' own log events ("job.succeeded", ...) before stopping them with SIGTERM.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

from _hostile import Dtoa, log_events
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from dtoa.clock import as_utc
from dtoa.models import IngestBatch, JobRun
from dtoa.runtime import open_runtime
from dtoa.scheduler import (
    MISFIRE_GRACE_SECONDS,
    NIGHTLY,
    _job_store,
    last_firing,
    planned_jobs,
)
from dtoa.store import make_engine
from dtoa.testing import detention_row, write_csv

LONDON = ZoneInfo("Europe/London")


def events(stderr: str) -> list[str]:
    return [e["event"] for e in log_events(stderr)]


def nightly_runs(db_url: str) -> list[tuple[datetime, str]]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return [(as_utc(r.scheduled_for), r.status) for r in session.exec(
                select(JobRun).where(JobRun.job_id == "nightly"))]
    finally:
        engine.dispose()


def inbox_file(config_file: Path) -> Path:
    folder = config_file.parent / "inbox" / "detentions"
    folder.mkdir(parents=True)
    return write_csv(folder / "d.csv", [detention_row()])


def ingested_batches(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(IngestBatch)).all())
    finally:
        engine.dispose()


def far_from_now() -> tuple[str, datetime]:
    """A nightly time twelve hours away (it will not come round during the test) and the
    firing it last had, which a run started now stands for."""
    at = (datetime.now(LONDON) + timedelta(hours=12)).time().replace(microsecond=0)
    return at.isoformat(), last_firing(datetime.now(UTC), at, LONDON)


def due_now(config_file: Path, at: str, firing: datetime) -> None:
    """The stored nightly job as a scheduler stopped before `firing` leaves it: due, waiting
    (written to the job store directly: a scheduler started here would run it)."""
    runtime = open_runtime(config_file)
    try:
        func, trigger, args = planned_jobs(runtime, str(config_file),
                                           time.fromisoformat(at))[NIGHTLY]
        job = Job(BackgroundScheduler(timezone=LONDON), id=NIGHTLY, func=func, trigger=trigger,
                  args=args, kwargs={}, name=NIGHTLY, executor="default",
                  misfire_grace_time=MISFIRE_GRACE_SECONDS, coalesce=True, max_instances=1,
                  next_run_time=firing)
        store = _job_store(runtime.engine)
        if store.lookup_job(NIGHTLY) is None:
            store.add_job(job)
        else:
            store.update_job(job)
    finally:
        runtime.engine.dispose()


def first_to_log(event: str, processes: list[Dtoa], timeout: float = 300) -> Dtoa:
    """The process that logs `event`, waiting in turns of a second on each (the timeout only
    bounds a broken run)."""
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        for process in processes:
            if process.wait_for(event, timeout=1):
                return process
    raise AssertionError(f"no process logged {event}")


def stop(*schedulers: Dtoa) -> list[tuple[int, str, str]]:
    for scheduler in schedulers:
        scheduler.process.terminate()  # SIGTERM: a clean stop
    return [scheduler.finish() for scheduler in schedulers]


def test_two_schedulers_started_by_mistake_run_the_nightly_job_once(config_file, db_url):
    inbox_file(config_file)
    at, firing = far_from_now()
    due_now(config_file, at, firing)
    both = [Dtoa(config_file, "scheduler", "--nightly-at", at) for _ in range(2)]
    for scheduler in both:
        assert scheduler.wait_for("scheduler.started")
    ran = first_to_log("job.started", both)
    assert ran.wait_for("job.succeeded")
    outputs = stop(*both)
    assert [code for code, _, _ in outputs] == [0, 0], outputs
    seen = [e for s in both for e in s.events()]
    assert seen.count("job.started") == 1, outputs
    assert seen.count("job.skipped") <= 1  # the other one skipped it, or found it done
    for _, stdout, stderr in outputs:
        assert "Traceback" not in stdout + stderr
    assert nightly_runs(db_url) == [(firing, "succeeded")]
    assert ingested_batches(db_url) == 1
    assert (config_file.parent / "processed" / "detentions" / "d.csv").exists()


def test_a_nightly_run_missed_while_stopped_is_caught_up_once_on_restart(config_file, db_url):
    inbox_file(config_file)
    at, firing = far_from_now()
    stopped = Dtoa(config_file, "scheduler", "--nightly-at", at)
    assert stopped.wait_for("scheduler.started")
    (_, _, err), = stop(stopped)
    assert "scheduler.stopped" in events(err)
    assert nightly_runs(db_url) == []
    due_now(config_file, at, firing)  # the firing time came while it was stopped
    restarted = Dtoa(config_file, "scheduler", "--nightly-at", at)
    assert restarted.wait_for("job.succeeded")
    (_, _, err), = stop(restarted)
    assert events(err).count("job.started") == 1, err
    assert "scheduler.job_kept" in events(err)
    assert nightly_runs(db_url) == [(firing, "succeeded")]
    assert ingested_batches(db_url) == 1
    # a third start finds the firing done: the next is tomorrow, nothing runs again
    again = Dtoa(config_file, "scheduler", "--nightly-at", at, "--exit-after", "4")
    _, _, err = again.finish()
    assert "job.started" not in events(err)
    assert len(nightly_runs(db_url)) == 1


def test_last_firing_is_the_same_instant_in_every_process():
    two = datetime.strptime("02:00", "%H:%M").time()
    # 30 October 2022: the clocks went back at 02:00 BST (01:00 UTC); 01:59 UTC is 01:59 GMT,
    # so the last 02:00 firing was the day before, at 02:00 BST
    assert last_firing(datetime(2022, 10, 30, 1, 59, tzinfo=UTC), two, LONDON) == (
        datetime(2022, 10, 29, 1, 0, tzinfo=UTC))
    assert last_firing(datetime(2022, 10, 30, 2, 0, tzinfo=UTC), two, LONDON) == (
        datetime(2022, 10, 30, 2, 0, tzinfo=UTC))
    monday = datetime(2022, 10, 10, 6, 0, tzinfo=UTC)  # 07:00 BST on a Monday
    assert last_firing(monday, datetime.strptime("07:00", "%H:%M").time(), LONDON, 0) == monday
    assert last_firing(monday - timedelta(seconds=1),
                       datetime.strptime("07:00", "%H:%M").time(), LONDON, 0) == (
        monday - timedelta(days=7))
