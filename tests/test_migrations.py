"""The schema moves by migration: the models and the migrations agree, a database made before
migrations (commit a67dc29) upgrades with its data and then runs the night, a database behind
the code stops every command in one line, and two upgrades at once are safe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from dtoa.store import make_engine
from dtoa.store.schema import BASELINE, head_revision, schema_state
from dtoa.testing import _pg_bindir

FIXTURES = Path(__file__).parent / "fixtures" / "a67dc29"
ROOT = Path(__file__).resolve().parent.parent
FOREIGN_TABLES = {"apscheduler_jobs"}


def _empty_database(db_url: str, postgres_admin=None) -> str:  # noqa: ANN001
    """A database with no tables at all, on the test's backend."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink()
        return db_url
    _, _, admin = postgres_admin
    name = url.database + "_empty"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    return url.set(database=name).render_as_string(hide_password=False)


def _database_made_by_a67dc29(db_url: str, request) -> str:  # noqa: ANN001
    """The fixture database a67dc29's CLI filled (see fixtures/a67dc29/make_fixture.sh)."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(FIXTURES / "dtoa.sqlite", url.database)
        return db_url
    target = _empty_database(db_url, request.getfixturevalue("postgres_admin_url"))
    parsed = sa.engine.make_url(target)
    subprocess.run([str(_pg_bindir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
                    "-h", parsed.host, "-p", str(parsed.port), "-U", parsed.username,
                    "-d", parsed.database, "-f", str(FIXTURES / "postgresql.sql")],
                   check=True, capture_output=True, text=True)
    return target


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("detention", "drug_test", "referral", "appointment", "letter",
                                  "prosecution_case", "web_user", "rejected_row")}
    finally:
        engine.dispose()


def test_the_models_and_the_migrations_describe_the_same_schema(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(
            connection, opts={"compare_type": True}), SQLModel.metadata)
    differences = [d for d in differences
                   if not (d[0] == "remove_table" and d[1].name in FOREIGN_TABLES)]
    assert differences == []


def test_db_current_on_a_current_database_prints_its_revision_and_exits_0(dtoa, engine):
    result = dtoa("db", "current")
    assert result.exit_code == 0
    head = head_revision()
    assert schema_state(engine).current == head
    assert result.output.splitlines() == [f"database: {head}", f"this version: {head}"]
    assert "dtoa db upgrade" not in result.output


def test_a_new_database_is_made_at_the_latest_revision_by_init(dtoa, config_file, db_url,
                                                               request):
    url = _empty_database(db_url, request.getfixturevalue("postgres_admin_url")
                          if db_url.startswith("postgresql") else None)
    config_file.write_text(config_file.read_text().replace(db_url, url))
    assert "database ready" in dtoa("init").output
    assert schema_state(make_engine(url)).current == head_revision()


def test_a_database_made_by_a67dc29_upgrades_with_its_data_then_runs_the_night(
        dtoa, config_file, db_url, request):
    url = _database_made_by_a67dc29(db_url, request)
    config_file.write_text(config_file.read_text().replace(db_url, url))
    before = _counts(url)
    assert before["referral"] == 3 and before["prosecution_case"] == 1

    refused = dtoa("run", "nightly", ok=False)
    assert refused.exit_code == 3
    assert "made before migrations" in refused.output and "dtoa db upgrade" in refused.output
    assert "Traceback" not in refused.output

    upgraded = dtoa("db", "upgrade")
    assert f"to {head_revision()}" in upgraded.output
    assert _counts(url) == before
    engine = make_engine(url)
    with engine.connect() as connection:  # one cocaine/opiates pair per tested sample became rows
        results = connection.execute(sa.text(
            "SELECT d.custody_ref, r.drug, r.positive FROM sample_result r JOIN drug_test t "
            "ON t.id = r.drug_test_id JOIN detention d ON d.id = t.detention_id")).all()
        samples = connection.execute(sa.text(
            "SELECT result, positive_specified, condition, sample FROM drug_test")).all()
        adults = connection.execute(sa.text(
            "SELECT count(*) FROM drug_test WHERE adult_at_sample")).scalar()
    engine.dispose()
    assert sorted((ref, drug, bool(p)) for ref, drug, p in results if p) == [
        ("BAS/26/0001", "cocaine", True), ("BAS/26/0002", "cocaine", True),
        ("BAS/26/0002", "opiates", True), ("BAS/26/0005", "opiates", True)]
    assert len(results) == 8
    assert sorted((r, bool(p), c, n) for r, p, c, n in samples) == [
        ("negative", False, "arrest", 1), ("positive", True, "arrest", 1),
        ("positive", True, "arrest", 1), ("positive", True, "arrest", 1),
        ("refused", False, "arrest", 1)]
    assert adults == 5  # every person in the fixture was over 18
    night = dtoa("run", "nightly")
    assert "sweep:" in night.output
    assert dtoa("db", "upgrade").output.startswith(f"schema already at {head_revision()}")


def test_a_database_behind_the_code_stops_every_command_in_one_line(dtoa, config_file, db_url,
                                                                   request):
    url = _database_made_by_a67dc29(db_url, request)
    config_file.write_text(config_file.read_text().replace(db_url, url))
    engine = make_engine(url)
    from dtoa.store.schema import upgrade

    upgrade(engine)
    with engine.begin() as connection:  # as if this build were one revision older than the code
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :v"),
                           {"v": BASELINE})
    engine.dispose()
    for command in (("run", "nightly"), ("referrals", "list"), ("sweep",),
                    ("report", "funnel", "--from", "2026-10-01", "--to", "2026-10-31")):
        result = dtoa(*command, ok=False)
        assert result.exit_code == 3, (command, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "dtoa db upgrade" in lines[0], (command, result.output)
    current = dtoa("db", "current", ok=False)
    assert current.exit_code == 3 and BASELINE in current.output


@pytest.mark.skipif(head_revision() == BASELINE, reason="needs a migration after the baseline")
def test_two_upgrades_started_together_apply_each_migration_once(config_file, db_url, request):
    url = _empty_database(db_url, request.getfixturevalue("postgres_admin_url")
                          if db_url.startswith("postgresql") else None)
    config_file.write_text(config_file.read_text().replace(db_url, url))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DTOA_DATABASE_URL", None)
    command = [sys.executable, "-m", "dtoa", "--config", str(config_file), "db", "upgrade"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    said = sorted(out.strip() for out, _ in outputs)
    assert said == [f"schema already at {head_revision()}; nothing to do",
                    f"schema upgraded from an empty database to {head_revision()}"], outputs
    assert all("Traceback" not in err for _, err in outputs)
    assert schema_state(make_engine(url)).up_to_date


@pytest.mark.parametrize("table, column", [("referral", "state"), ("appointment", "state"),
                                           ("prosecution_case", "state"), ("web_user", "role"),
                                           ("drug_test", "outcome")])
def test_a_state_outside_its_enum_is_refused_by_the_database_itself(dtoa, config_file, db_url,
                                                                     request, table, column):
    url = _database_made_by_a67dc29(db_url, request)
    config_file.write_text(config_file.read_text().replace(db_url, url))
    dtoa("db", "upgrade")
    engine = make_engine(url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = 'awaiting_assesment'"))
    finally:
        engine.dispose()
