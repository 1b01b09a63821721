"""The scheduled runs (APScheduler 3): the nightly pipeline and the weekly reports.

Jobs live in the project's database (SQLAlchemyJobStore on the same URL), so a restart finds
them; a firing missed while the scheduler was down runs once when it comes back (coalesce, and
a misfire grace of a week). Two schedulers started by mistake against one database both fire,
so each firing is first claimed by inserting a JobRun row whose (job_id, scheduled_for) is
unique: the process whose insert fails skips that firing. A job's arguments are the
configuration path and its time of day (plain data that the job store can keep); each firing
opens its own runtime.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time as timer
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from dtoa.clock import as_utc
from dtoa.config import WEEKDAYS
from dtoa.faults import describe
from dtoa.log import get_logger
from dtoa.models import JobRun
from dtoa.runtime import Runtime, open_runtime
from dtoa.store import session_scope
from dtoa.store.locks import LockTimeout, exclusive

log = get_logger("dtoa.scheduler")
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600
NIGHTLY, WEEKLY, NOTIFICATIONS = "nightly", "weekly", "notifications"
NIGHTLY_WAIT_S = 3600  # a firing waits this long for a `dtoa run nightly` already running


def last_firing(now: datetime, at: time, tz: ZoneInfo, weekday: int | None = None) -> datetime:
    """The latest firing of a daily (or, with `weekday`, weekly) local time at or before `now`,
    in UTC: the firing a run started at `now` stands for, the same in every process."""
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if weekday is not None:
        candidate -= timedelta(days=(local.weekday() - weekday) % 7)
    if candidate > now:
        candidate -= timedelta(days=1 if weekday is None else 7)
    return as_utc(candidate)


def claim(engine: Engine, job_id: str, scheduled_for: datetime, now: datetime) -> int | None:
    """Insert the JobRun for this firing; None when another process already has it."""
    try:
        with session_scope(engine) as session:
            run = JobRun(job_id=job_id, scheduled_for=scheduled_for, started_at=now)
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        return None


def _finish(engine: Engine, run_id: int, status: str, summary: object, now: datetime) -> None:
    with Session(engine) as session:
        run = session.get(JobRun, run_id)
        run.status, run.finished_at = status, now
        run.summary = json.dumps(summary, default=str, sort_keys=True)
        session.add(run)
        session.commit()


def fire(runtime: Runtime, job_id: str, scheduled_for: datetime,
         work: Callable[[Runtime], object]) -> str:
    """Run `work` for one firing if this process wins the claim: succeeded, failed or skipped."""
    engine, clock = runtime.engine, runtime.clock
    run_id = claim(engine, job_id, scheduled_for, as_utc(clock.now()))
    if run_id is None:
        log.info("job.skipped", job=job_id, scheduled_for=scheduled_for.isoformat(),
                 reason="claimed by another process")
        return "skipped"
    log.info("job.started", job=job_id, scheduled_for=scheduled_for.isoformat(), run_id=run_id)
    try:
        summary = work(runtime)
    except Exception as exc:  # noqa: BLE001  (kept in job_run; the scheduler goes on)
        _finish(engine, run_id, "failed", {"error": f"{type(exc).__name__}: {exc}"},
                as_utc(clock.now()))
        # The message can carry statement parameters (personal data): the log gets the types
        # and frames only (dtoa.faults.describe); the job_run row keeps the message.
        # Not raised on: APScheduler would print the traceback, message and all.
        log.error("job.failed", job=job_id, run_id=run_id, **describe(exc))
        return "failed"
    _finish(engine, run_id, "succeeded", summary, as_utc(clock.now()))
    log.info("job.succeeded", job=job_id, run_id=run_id)
    return "succeeded"


def _nightly(runtime: Runtime) -> object:
    from dtoa.pipelines.nightly import run_nightly

    return run_nightly(runtime.engine, runtime.settings, runtime.clock, progress=False)


def _weekly(runtime: Runtime) -> object:
    """Last ISO week's funnel reports, force-wide and per suite, for inspectors."""
    from dtoa.pipelines.reports import weekly_reports

    return weekly_reports(runtime.engine, runtime.settings, runtime.clock)


def _run_job(job_id: str, config: str | None, at: str, weekday: int | None,
             work: Callable[[Runtime], object], *, lock: str | None = None) -> str:
    """One firing: claimed, run and recorded by `fire`; with `lock`, only once that lock is
    held (a `dtoa run nightly` already running is waited for, up to NIGHTLY_WAIT_S)."""
    runtime = open_runtime(config)
    try:
        scheduled_for = last_firing(runtime.clock.now(), time.fromisoformat(at),
                                    runtime.settings.tz, weekday)
        if lock is None:
            return fire(runtime, job_id, scheduled_for, work)
        try:
            with exclusive(runtime.engine, lock, timeout_s=NIGHTLY_WAIT_S):
                return fire(runtime, job_id, scheduled_for, work)
        except LockTimeout as exc:
            log.warning("job.not_run", job=job_id, lock=exc.name,
                        holder_since=exc.since.isoformat() if exc.since else None)
            return "busy"
    finally:
        runtime.engine.dispose()


def nightly_job(config: str | None, at: str) -> str:
    """The job the store keeps for the nightly run (referenced by name, so it can be pickled)."""
    return _run_job(NIGHTLY, config, at, None, _nightly,
                    lock=NIGHTLY)  # the lock of dtoa.pipelines.nightly.one_night


def weekly_job(config: str | None, at: str, weekday: int) -> str:
    return _run_job(WEEKLY, config, at, weekday, _weekly)


def notifications_job(config: str | None) -> str:
    """Every `[notifications] send_every_minutes`, when a channel is on: queue and send what is
    due (reminders go at `reminder_at`, not at the nightly run's hour). The outbox has its own
    lock and claims, so it needs no JobRun."""
    from dtoa.pipelines.notifications import notifications

    runtime = open_runtime(config)
    try:
        notifications(runtime.engine, runtime.settings, runtime.clock)
        return "succeeded"
    except Exception as exc:
        log.error("job.failed", job=NOTIFICATIONS, error_type=type(exc).__name__)
        raise
    finally:
        runtime.engine.dispose()


def planned_jobs(runtime: Runtime, config: str | None, nightly_at: time | None = None) -> dict:
    """job id -> (function, trigger, args) from the settings (`nightly_at` overrides the
    configured time, e.g. for a one-off catch-up or a test)."""
    plan = runtime.settings.scheduler
    tz = runtime.settings.tz
    night = nightly_at or plan.nightly_at
    weekday = WEEKDAYS.index(plan.weekly_day)
    return {
        NIGHTLY: (nightly_job, CronTrigger(hour=night.hour, minute=night.minute,
                                           second=night.second, timezone=tz),
                  [config, night.isoformat()]),
        WEEKLY: (weekly_job, CronTrigger(day_of_week=plan.weekly_day, hour=plan.weekly_at.hour,
                                         minute=plan.weekly_at.minute,
                                         second=plan.weekly_at.second, timezone=tz),
                 [config, plan.weekly_at.isoformat(), weekday]),
    } | _notifications_plan(runtime, config)


def _notifications_plan(runtime: Runtime, config: str | None) -> dict:
    plan = runtime.settings.notifications
    if not (plan.email.enabled or plan.notify.enabled):
        return {}
    return {NOTIFICATIONS: (notifications_job, IntervalTrigger(
        minutes=plan.send_every_minutes, timezone=runtime.settings.tz), [config])}


def _job_store(engine: Engine) -> SQLAlchemyJobStore:
    """The job store on the project's engine; its table is created here, retrying when a
    second scheduler creates it at the same moment."""
    store = SQLAlchemyJobStore(engine=engine)
    for attempt in range(5):
        try:
            store.jobs_t.create(engine, checkfirst=True)
            break
        except SQLAlchemyError:
            if attempt == 4:
                raise
            timer.sleep(0.5 * (attempt + 1))
    return store


def _keep_or_replace(scheduler: BackgroundScheduler, job_id: str, func: Callable,
                     trigger: CronTrigger | IntervalTrigger, args: list) -> None:
    """Keep a stored job whose schedule is unchanged, so its pending (perhaps missed) firing
    survives a restart; replace it when the configuration changed."""
    stored = scheduler.get_job(job_id)
    if stored is not None and str(stored.trigger) == str(trigger) and list(stored.args) == args \
            and getattr(stored.trigger, "timezone", None) == trigger.timezone:
        log.info("scheduler.job_kept", job=job_id, next_run=str(stored.next_run_time))
        return
    job = scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id,
                            replace_existing=True)
    log.info("scheduler.job_added", job=job_id, next_run=str(getattr(job, "next_run_time", "")))


def run_scheduler(runtime: Runtime, config: str | None, *, nightly_at: time | None = None,
                  exit_after: float | None = None) -> None:
    """Run the scheduler until SIGINT/SIGTERM, or for `exit_after` seconds."""
    scheduler = BackgroundScheduler(
        jobstores={"default": _job_store(runtime.engine)}, timezone=runtime.settings.tz,
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                      "max_instances": 1})
    scheduler.start(paused=True)
    planned = planned_jobs(runtime, config, nightly_at)
    for job_id, (func, trigger, args) in planned.items():
        _keep_or_replace(scheduler, job_id, func, trigger, args)
    if NOTIFICATIONS not in planned and scheduler.get_job(NOTIFICATIONS) is not None:
        scheduler.remove_job(NOTIFICATIONS)  # every channel switched off since
    stop = _StopSignal()
    scheduler.resume()
    log.info("scheduler.started")
    try:
        stop.wait(exit_after)
    finally:
        scheduler.shutdown(wait=True)
        stop.close()
        log.info("scheduler.stopped")


class _StopSignal:
    """SIGINT or SIGTERM, waited for without a lock: the handler only writes a byte to a pipe
    and the main thread waits on the pipe. (A handler that sets a threading.Event deadlocks
    when the signal lands while the main thread holds the Event's own lock, as it does on its
    way into `wait`: the stop was then never seen.)"""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous = {signum: signal.signal(signum, self._handle)
                          for signum in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, _signum: int, _frame: object) -> None:
        with contextlib.suppress(BlockingIOError):  # the pipe is full: already signalled
            os.write(self._write, b"x")

    def wait(self, timeout: float | None) -> None:
        select.select([self._read], [], [], timeout)

    def close(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        os.close(self._read)
        os.close(self._write)
