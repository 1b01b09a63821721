"""Two of a command at once, as real processes on SQLite and PostgreSQL: no duplicate, no
traceback; the second waits for the first, or stops in one line with exit code 4.

Nothing here sleeps to line processes up. The test holds a lock the commands need
(dtoa.store.locks.exclusive) and waits until each process has logged that it is waiting for
it ("lock.waiting"), or has ended; only then does it let them go.
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from _hostile import Dtoa, assert_clean, messages

from dtoa.clock import as_utc
from dtoa.config import load_settings
from dtoa.models import Detention, IngestBatch, JobRun
from dtoa.scheduler import last_firing
from dtoa.store.locks import exclusive
from dtoa.testing import detention_row, write_csv

NIGHTLY_JOB = """
import sys
from dtoa import log
from dtoa.scheduler import nightly_job
log.configure()
print(nightly_job(sys.argv[1], sys.argv[2]))
"""


def count(engine, table) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def inbox_file(tmp_path, rows: int = 30):  # noqa: ANN001, ANN201
    folder = tmp_path / "inbox" / "detentions"
    folder.mkdir(parents=True)
    return write_csv(folder / "d.csv", [detention_row(custody_ref=f"BAS/{n}")
                                        for n in range(rows)])


def test_two_ingests_of_one_file_at_once_take_turns(config_file, tmp_path, engine):
    path = write_csv(tmp_path / "d.csv", [detention_row(custody_ref=f"BAS/{n}")
                                          for n in range(30)])
    with exclusive(engine, "ingest-detentions", timeout_s=0):
        both = [Dtoa(config_file, "ingest", "detentions", path, "--quiet") for _ in range(2)]
        for process in both:
            assert process.wait_for("lock.waiting", lock="ingest-detentions")
    results = [process.finish() for process in both]
    assert [code for code, _, _ in results] == [0, 0]
    said = sorted(stdout for _, stdout, _ in results)
    assert said == ["d.csv: already taken in (batch 1); nothing changed\n",
                    "d.csv: batch 1: 30 rows read, 30 new, 0 updated, 0 unchanged, 0 rejected\n"]
    for _, stdout, stderr in results:
        assert_clean(stdout, stderr)
        assert messages(stderr) == []
    assert count(engine, Detention) == 30 and count(engine, IngestBatch) == 1


def test_a_second_nightly_run_stops_in_one_line_while_the_first_goes_on(config_file, tmp_path,
                                                                        engine):
    inbox_file(tmp_path)
    with exclusive(engine, "ingest-detentions", timeout_s=0):
        # whichever process takes the nightly lock goes on to the inbox and waits for the
        # ingest lock this test holds; the other finds the night already running
        first, second = (Dtoa(config_file, "run", "nightly", "--quiet") for _ in range(2))
        if first.wait_for("lock.waiting", lock="ingest-detentions"):
            running, refused = first, second
        else:
            running, refused = second, first
        assert running.wait_for("lock.waiting", lock="ingest-detentions")
        code, stdout, stderr = refused.finish()
        assert running.process.poll() is None  # still waiting: the two really overlapped
    assert code == 4 and stdout == ""
    (line,) = messages(stderr)
    assert re.fullmatch(r"Error: a nightly run is already in progress since "
                        r"\d\d:\d\d:\d\d; nothing done", line), line
    assert_clean(stdout, stderr)
    code, stdout, stderr = running.finish()
    assert code == 0, stderr
    assert "ingest_inbox: files 1, rows_inserted 30" in stdout
    assert_clean(stdout, stderr)
    assert count(engine, Detention) == 30 and count(engine, IngestBatch) == 1
    assert count(engine, JobRun) == 1  # the refused run left no trace
    assert (tmp_path / "processed" / "detentions" / "d.csv").exists()


def test_two_firings_of_the_nightly_job_at_once_run_it_once(config_file, tmp_path, engine):
    """What two schedulers started together do when both fire: each waits for the night's
    lock; the first to hold it claims the firing (job_run) and runs it; the second then finds
    the firing claimed and skips it."""
    inbox_file(tmp_path)
    at = "02:00:00"
    with exclusive(engine, "nightly", timeout_s=0):
        both = [Dtoa(None, str(config_file), at, python=NIGHTLY_JOB) for _ in range(2)]
        for process in both:
            assert process.wait_for("lock.waiting", lock="nightly")
    results = [process.finish() for process in both]
    assert sorted((code, stdout) for code, stdout, _ in results) == [
        (0, "skipped\n"), (0, "succeeded\n")], results
    for _, stdout, stderr in results:
        assert_clean(stdout, stderr)
    tz = load_settings(config_file).tz
    firing = last_firing(datetime.now(tz), datetime.strptime(at, "%H:%M:%S").time(), tz)
    with engine.connect() as connection:
        runs = connection.execute(sa.select(JobRun.scheduled_for, JobRun.status)).all()
    assert [(as_utc(r.scheduled_for), r.status) for r in runs] == [(firing, "succeeded")]
    assert count(engine, IngestBatch) == 1


def test_sqlite_waits_on_a_busy_database_instead_of_failing(config_file, tmp_path, engine):
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL writers wait on row locks by design
    rows = write_csv(tmp_path / "d.csv", [detention_row()])
    writer = engine.connect()
    writer.exec_driver_sql("BEGIN IMMEDIATE")  # another process is writing, and goes on
    writer.exec_driver_sql("DELETE FROM detention WHERE id < 0")
    with exclusive(engine, "ingest-detentions", timeout_s=0):
        process = Dtoa(config_file, "ingest", "detentions", rows, "--quiet")
        assert process.wait_for("lock.waiting", lock="ingest-detentions")
    assert process.wait_for("lock.taken", lock="ingest-detentions")  # on to the busy database
    writer.rollback()
    writer.close()
    code, stdout, stderr = process.finish()
    assert code == 0, stderr
    assert_clean(stdout, stderr)
    assert count(engine, Detention) == 1


def test_an_ingest_that_waited_too_long_stops_in_one_line_having_done_nothing(
        dtoa, config_file, tmp_path, engine):
    config_file.write_text(config_file.read_text().replace("lock_wait_seconds = 600",
                                                           "lock_wait_seconds = 0"))
    path = write_csv(tmp_path / "d.csv", [detention_row()])
    with exclusive(engine, "ingest-detentions", timeout_s=0):
        result = dtoa("ingest", "detentions", path, ok=False)
    assert result.exit_code == 4
    (line,) = messages(result.stderr)
    assert re.fullmatch(r"Error: an ingest of detentions is already in progress since "
                        r"\d\d:\d\d:\d\d; nothing done", line), line
    assert_clean(result.stdout, result.stderr)
    assert count(engine, IngestBatch) == 0
    assert dtoa("ingest", "detentions", path).exit_code == 0  # and runs once it is free
