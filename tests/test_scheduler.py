"""The scheduler as it runs in production: real `dtoa scheduler` processes against one database.

Each test sets the nightly job a few seconds ahead (`--nightly-at HH:MM:SS`) and lets the
processes stop themselves (`--exit-after`), so nothing here depends on the time of day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from dtoa.models import IngestBatch, JobRun
from dtoa.scheduler import last_firing
from dtoa.store import make_engine
from dtoa.testing import detention_row, write_csv

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")


def start_scheduler(config_file: Path, nightly_at: str, exit_after: float | None = None
                    ) -> subprocess.Popen:
    args = [sys.executable, "-m", "dtoa", "--verbose", "--config", str(config_file), "scheduler",
            "--nightly-at", nightly_at]
    if exit_after is not None:
        args += ["--exit-after", str(exit_after)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DTOA_DATABASE_URL", None)
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def events(stderr: str) -> list[str]:
    found = []
    for line in stderr.splitlines():
        try:
            found.append(json.loads(line)["event"])
        except (ValueError, KeyError):
            continue
    return found


def local_time_in(seconds: float) -> tuple[str, datetime]:
    moment = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    return moment.astimezone(LONDON).strftime("%H:%M:%S"), moment


def nightly_runs(config_file: Path, db_url: str) -> list[JobRun]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(JobRun).where(JobRun.job_id == "nightly")))
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


def test_two_schedulers_started_by_mistake_run_the_nightly_job_once(config_file, db_url):
    inbox_file(config_file)
    at, moment = local_time_in(15)
    first = start_scheduler(config_file, at, exit_after=25)
    second = start_scheduler(config_file, at, exit_after=25)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    seen = [e for _, err in outputs for e in events(err)]
    assert seen.count("job.started") == 1, outputs
    assert seen.count("job.skipped") == 1, outputs
    runs = nightly_runs(config_file, db_url)
    assert [(r.scheduled_for, r.status) for r in runs] == [(moment, "succeeded")]
    assert ingested_batches(db_url) == 1
    assert (config_file.parent / "processed" / "detentions" / "d.csv").exists()


def test_a_nightly_run_missed_while_stopped_is_caught_up_once_on_restart(config_file, db_url):
    inbox_file(config_file)
    at, moment = local_time_in(12)
    stopped = start_scheduler(config_file, at)
    deadline = time.monotonic() + 60
    while not nightly_runs_table_has_job(db_url) and time.monotonic() < deadline:
        time.sleep(0.3)
    stopped.terminate()  # SIGTERM: stops cleanly, before the firing
    _, err = stopped.communicate(timeout=60)
    assert "scheduler.stopped" in events(err)
    assert nightly_runs(config_file, db_url) == []
    while datetime.now(UTC) < moment + timedelta(seconds=2):
        time.sleep(0.3)
    restarted = start_scheduler(config_file, at, exit_after=8)
    _, err = restarted.communicate(timeout=120)
    assert events(err).count("job.started") == 1, err
    assert "scheduler.job_kept" in events(err)
    runs = nightly_runs(config_file, db_url)
    assert [(r.scheduled_for, r.status) for r in runs] == [(moment, "succeeded")]
    assert ingested_batches(db_url) == 1
    # a third start finds the firing done: the next is tomorrow, nothing runs again
    again = start_scheduler(config_file, at, exit_after=4)
    _, err = again.communicate(timeout=120)
    assert "job.started" not in events(err)
    assert len(nightly_runs(config_file, db_url)) == 1


def nightly_runs_table_has_job(db_url: str) -> bool:
    import sqlalchemy as sa

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                "SELECT count(*) FROM apscheduler_jobs WHERE id = 'nightly'")).scalar() == 1
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


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
