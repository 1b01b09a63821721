"""The nightly pipeline once (`dtoa run nightly`) and the weekly job's claim and failure."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from dtoa.models import JobRun
from dtoa.pipelines.ingest import INBOX_KINDS
from dtoa.pipelines.nightly import NIGHTLY_STEPS
from dtoa.scheduler import _weekly, fire


def test_the_nightly_steps_run_in_the_agreed_order():
    assert [s.__name__ for s in NIGHTLY_STEPS] == [
        "ingest_inbox", "eligibility", "referrals", "letters", "sweep", "notifications",
        "retention", "funnel", "statistics"]
    assert INBOX_KINDS == ("detentions", "tests", "attendance", "prosecutions")


def test_run_nightly_runs_every_step_once(dtoa):
    output = dtoa("run", "nightly", "--quiet").stdout
    assert [line.split(":")[0] for line in output.splitlines()] == [
        "ingest_inbox", "eligibility", "referrals", "letters", "sweep", "notifications",
        "retention", "funnel", "statistics"]


def test_the_weekly_job_writes_last_weeks_reports_once(runtime, engine, clock, settings):
    clock.set(datetime(2022, 10, 10, 6, 0, tzinfo=UTC))  # Monday 07:00 BST
    firing = clock.now()
    assert fire(runtime, "weekly", firing, _weekly) == "succeeded"
    assert fire(runtime, "weekly", firing, _weekly) == "skipped"  # the firing was claimed
    with Session(engine) as session:
        run = session.exec(select(JobRun)).one()
    assert (run.job_id, run.status, run.scheduled_for) == ("weekly", "succeeded", firing)
    week = settings.path("reports") / "2022-W40"
    assert sorted(p.name for p in week.glob("*.pdf")) == [
        "2022-W40-ALL.pdf", "2022-W40-BASINGSTOKE.pdf", "2022-W40-MILTON_KEYNES.pdf"]


def test_the_statistics_step_leaves_planner_statistics_for_the_detention_table(
        engine, settings, clock, tmp_path):
    from sqlalchemy import text

    from dtoa.ingest import ingest_file
    from dtoa.pipelines.statistics import statistics
    from dtoa.testing import detention_row, write_csv

    ingest_file(engine, settings, clock, "detentions", write_csv(
        tmp_path / "d.csv", [detention_row(custody_ref=f"R{i}") for i in range(50)]))
    statistics(engine, settings, clock)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            analysed = connection.execute(text(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'detention'")).scalar()
        else:
            analysed = connection.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'detention' "
                "AND last_analyze IS NOT NULL")).scalar()
    assert analysed >= 1


def test_a_table_is_analysed_when_it_never_was_or_a_tenth_of_it_changed_since():
    from dtoa.pipelines.statistics import needs_analyze

    assert needs_analyze(live_rows=0, modified_since=0, analysed=False)
    assert not needs_analyze(live_rows=1_000_000, modified_since=2_700, analysed=True)  # a night
    assert not needs_analyze(live_rows=1_000_000, modified_since=100_050, analysed=True)
    assert needs_analyze(live_rows=1_000_000, modified_since=100_051, analysed=True)
    assert needs_analyze(live_rows=0, modified_since=51, analysed=True)  # a first load


def test_on_postgresql_a_table_the_night_barely_changed_is_not_analysed_again(
        engine, settings, clock, tmp_path):
    import pytest
    from sqlalchemy import text

    from dtoa.ingest import ingest_file
    from dtoa.pipelines.statistics import statistics
    from dtoa.testing import detention_row, write_csv

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's ANALYZE is sampled by analysis_limit and always run")
    ingest_file(engine, settings, clock, "detentions", write_csv(
        tmp_path / "d.csv", [detention_row(custody_ref=f"R{i}") for i in range(50)]))
    last = text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'detention'")
    statistics(engine, settings, clock)
    with engine.connect() as connection:
        first = connection.execute(last).scalar()
    statistics(engine, settings, clock)
    with engine.connect() as connection:
        assert connection.execute(last).scalar() == first
