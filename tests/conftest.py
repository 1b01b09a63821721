"""Fixtures: every database test runs on SQLite and on a real PostgreSQL server, each test on a
database of its own; a clock that stands still; settings whose folders live in tmp_path."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dtoa.cli import cli as dtoa_cli
from dtoa.clock import FixedClock
from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.ingest import ingest_file
from dtoa.notify.testing import API_KEY, notifications_config, notify_server, smtp_server
from dtoa.runtime import Runtime
from dtoa.store import make_engine, upgrade_schema
from dtoa.testing import postgres_server, write_csv

BACKENDS = [b for b in os.environ.get("DTOA_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_admin_url():
    with postgres_server() as url:
        engine = make_engine(url, isolation_level="AUTOCOMMIT")
        template = f"dtoa_template_{os.getpid()}"
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {template}"))
            connection.execute(sa.text(f"CREATE DATABASE {template}"))
        schema_engine = make_engine(_with_database(url, template))
        upgrade_schema(schema_engine)
        schema_engine.dispose()
        yield url, template, engine
        engine.dispose()


def _with_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty SQLite database at the schema's head revision, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "dtoa.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty database with the schema (made by the migrations), for one test."""
    if request.param == "sqlite":
        path = tmp_path / "dtoa.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url, template, admin = request.getfixturevalue("postgres_admin_url")
    name = f"dtoa_test_{os.getpid()}_{next(_counter)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield _with_database(url, name)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def clock():
    return FixedClock(datetime(2022, 12, 31, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings(DEFAULT_CONFIG, base_dir=tmp_path, database={"url": db_url})


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def runtime(settings, clock, engine):
    rt = Runtime(settings, clock)
    rt.__dict__["engine"] = engine
    return rt


@pytest.fixture
def config_file(tmp_path, db_url):
    """A copy of the shipped config.toml in tmp_path, pointing at this test's database."""
    text = Path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/dtoa.sqlite"', f'url = "{db_url}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def dtoa(config_file, monkeypatch):
    """Run the `dtoa` command as a user would type it in the working folder that holds this
    test's config.toml: dtoa("ingest", "detentions", path)."""
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.chdir(config_file.parent)
    runner = CliRunner()

    def invoke(*args: str, ok: bool | None = True):
        result = runner.invoke(dtoa_cli, [str(a) for a in args], catch_exceptions=False)
        if ok is True:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def load(engine, settings, clock, tmp_path):
    """Take in detentions and their tests as extracts, as a force sends them."""
    counter = iter(range(1000))

    def load(detentions: list[dict], tests: list[dict]) -> None:
        n = next(counter)
        for kind, rows in (("detentions", detentions), ("tests", tests)):
            if not rows:
                continue
            summary = ingest_file(engine, settings, clock, kind,
                                  write_csv(tmp_path / f"{kind}{n}.csv", rows))
            assert summary.rows_rejected == 0, summary.errors
    return load


@pytest.fixture
def servers(config_file, monkeypatch):
    """A real local SMTP server and a Notify-shaped HTTP server, named in the test's config:
    yields (mailbox, notify) to read what each received."""
    monkeypatch.setenv("DTOA_NOTIFY_API_KEY", API_KEY)
    with smtp_server() as mailbox, notify_server() as notify:
        with config_file.open("a", encoding="utf-8") as handle:
            handle.write(notifications_config(smtp_port=mailbox.port, notify_url=notify.url))
        yield mailbox, notify
