"""`dtoa status` for an operator and `GET /healthz` for a load balancer: the database, its
schema revision, the last scheduled runs and what waits in the inbox and in quarantine."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient

from dtoa.clock import FixedClock
from dtoa.runtime import Runtime
from dtoa.scheduler import WEEKLY, fire
from dtoa.store.schema import BASELINE, head_revision
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app

HEAD = head_revision()


def dead_database_url() -> str:
    """A PostgreSQL URL (with a password) on a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+psycopg://dtoa:s3cret@127.0.0.1:{port}/dtoa"


def set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :v"),
                           {"v": revision})
    engine.dispose()


def test_status_of_a_new_folder_names_its_database_and_schema_and_no_runs(dtoa, db_url,
                                                                          config_file):
    result = dtoa("status")
    shown = sa.engine.make_url(db_url).render_as_string(hide_password=True)
    assert result.stdout.splitlines() == [
        f"configuration: {config_file}",
        f"database: {shown} (reachable)",
        f"schema: {HEAD}; this version: {HEAD} (current)",
        "last nightly run: none recorded",
        "last weekly run: none recorded",
        "inbox: detentions 0, tests 0, attendance 0, prosecutions 0 files waiting",
        "quarantine: 0 files"]


def test_status_counts_the_files_waiting_in_each_inbox_folder_and_in_quarantine(
        dtoa, config_file):
    folder = config_file.parent
    dtoa("init")
    for name in ("a.csv", "b.csv", "b.rejects.csv"):
        (folder / "inbox" / "tests" / name).write_text("suite\n")
    (folder / "inbox" / "detentions" / "extract.xlsx").write_bytes(b"PK")
    (folder / "quarantine" / "detentions").mkdir()
    (folder / "quarantine" / "detentions" / "broken.csv").write_bytes(b"\xff\xfe")
    lines = dtoa("status").stdout.splitlines()
    assert ("inbox: detentions 0 (+1 not .csv), tests 2, attendance 0, prosecutions 0 files "
            "waiting") in lines
    assert "quarantine: 1 files" in lines


def test_status_shows_the_last_nightly_and_weekly_runs_and_how_they_ended(
        dtoa, config_file, settings, tmp_path):
    inbox = config_file.parent / "inbox" / "detentions"
    inbox.mkdir(parents=True)
    write_csv(inbox / "d.csv", [detention_row()])
    dtoa("run", "nightly", "--quiet")
    runtime = Runtime(settings, FixedClock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC)))

    def failing(_runtime: Runtime) -> object:
        raise RuntimeError("the reports folder is full")

    assert fire(runtime, WEEKLY, datetime(2026, 11, 23, 7, 0, tzinfo=UTC), failing) == "failed"
    lines = dtoa("status").stdout.splitlines()
    nightly = lines.index(next(line for line in lines if line.startswith("last nightly run")))
    assert lines[nightly].startswith("last nightly run: succeeded, started ")
    assert lines[nightly + 1].startswith("  ingest_inbox: already_ingested 0, files 1, "
                                         "quarantined 0, rows_inserted 1")
    assert lines[nightly + 3].startswith("  referrals: ")
    assert ("last weekly run: failed, started 2026-11-23 07:00 (Europe/London), took 0.0 s"
            in lines)
    assert "  error: RuntimeError: the reports folder is full" in lines


def test_status_says_when_the_schema_is_behind_and_exits_3(dtoa, db_url):
    set_revision(db_url, BASELINE)
    result = dtoa("status", ok=False)
    assert result.exit_code == 3
    assert f"schema: {BASELINE}; this version: {HEAD} (behind)" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "run `dtoa db upgrade`"


def test_status_of_an_unreachable_database_hides_its_password_and_exits_1(dtoa, monkeypatch):
    monkeypatch.setenv("DTOA_DATABASE_URL", dead_database_url())
    result = dtoa("status", ok=False)
    assert result.exit_code == 1
    assert "s3cret" not in result.output
    database, schema = result.stdout.splitlines()[1:3]
    assert database.startswith("database: postgresql+psycopg://dtoa:***@127.0.0.1:")
    assert "unreachable (OperationalError: " in database
    assert schema == "schema: unknown (the database cannot be reached)"
    assert "Traceback" not in result.output


def test_healthz_answers_a_load_balancer_without_sign_in(runtime):
    client = TestClient(create_app(runtime))
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"database": "ok",
                                                              "schema": "current"})
    assert "set-cookie" not in response.headers


def test_healthz_is_503_when_the_schema_is_behind(runtime, db_url):
    set_revision(db_url, BASELINE)
    response = TestClient(create_app(runtime)).get("/healthz")
    assert (response.status_code, response.json()) == (503, {"database": "ok",
                                                              "schema": "behind"})


def test_healthz_is_503_when_the_database_cannot_be_reached(settings, clock):
    unreachable = settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": dead_database_url()})})
    response = TestClient(create_app(Runtime(unreachable, clock))).get(
        "/healthz")
    assert (response.status_code, response.json()) == (503, {"database": "unreachable",
                                                              "schema": "unknown"})
