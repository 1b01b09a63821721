"""`dtoa init [DIR]` and which configuration a command reads: --config, else DTOA_CONFIG, else
config.toml in the current folder; named on stderr when it is not this folder's."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from dtoa.cli import cli
from dtoa.config import DEFAULT_CONFIG

FOLDERS = ("inbox/detentions", "inbox/tests", "inbox/attendance", "inbox/prosecutions",
           "outbox", "processed", "reports", "quarantine")


def dtoa(*args: object, input: str | None = None):  # noqa: A002
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_init_makes_a_working_folder_with_the_shipped_config_its_database_and_folders(
        tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = dtoa("init", "site")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "site"
    assert (folder / "config.toml").read_bytes() == DEFAULT_CONFIG.read_bytes()
    for name in FOLDERS:
        assert (folder / name).is_dir(), name
    database = folder / "var" / "dtoa.sqlite"
    assert {"detention", "drug_test", "referral", "job_run"} <= tables(f"sqlite:///{database}")
    assert result.stdout.splitlines() == [
        f"configuration: {folder / 'config.toml'} (new: the shipped default; edit it for your "
        "force)",
        f"database ready: sqlite:///{database}",
        "folders ready: inbox/, outbox/, processed/, reports/, quarantine/ "
        "(inbox/: detentions, tests, attendance, prosecutions)"]


def test_init_again_keeps_the_forces_own_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert dtoa("init").exit_code == 0
    edited = (tmp_path / "config.toml").read_text().replace("capacity = 3 }", "capacity = 5 }")
    (tmp_path / "config.toml").write_text(edited)
    again = dtoa("init")
    assert again.exit_code == 0 and "(kept)" in again.stdout
    assert (tmp_path / "config.toml").read_text() == edited


def test_init_on_a_shared_database_names_it_without_its_password(db_url, tmp_path,
                                                                  monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.setenv("DTOA_DATABASE_URL", db_url)
    result = dtoa("init", tmp_path / "site")
    assert result.exit_code == 0, result.output
    shown = sa.engine.make_url(db_url).render_as_string(hide_password=True)
    assert f"database ready: {shown}" in result.stdout
    assert {"detention", "referral"} <= tables(db_url)
    assert not (tmp_path / "site" / "var").exists()  # no SQLite file beside a shared database


def test_a_command_reads_the_current_folders_config_without_a_word(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    dtoa("init")
    listed = dtoa("referrals", "list")
    assert listed.exit_code == 0
    assert listed.stderr == "0 referrals\n"


def test_dtoa_config_is_read_from_anywhere_and_named_on_stderr(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    dtoa("init", tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("DTOA_CONFIG", str(tmp_path / "site" / "config.toml"))
    listed = dtoa("referrals", "list")
    assert listed.exit_code == 0
    assert listed.stderr.splitlines()[0] == (
        f"configuration: {tmp_path / 'site' / 'config.toml'} (from DTOA_CONFIG)")


def test_the_config_option_wins_over_dtoa_config(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DTOA_CONFIG", str(tmp_path / "missing.toml"))
    monkeypatch.chdir(tmp_path)
    assert dtoa("init", tmp_path / "site").exit_code == 0
    chosen = tmp_path / "site" / "config.toml"
    listed = dtoa("--config", chosen, "referrals", "list")
    assert listed.exit_code == 0
    assert f"configuration: {chosen} (from --config)" in listed.stderr


def test_without_a_configuration_a_command_says_to_run_dtoa_init_in_one_line(tmp_path,
                                                                            monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = dtoa("ingest", "detentions", DEFAULT_CONFIG)
    assert result.exit_code == 1
    assert result.output == (f"Error: no config.toml in {tmp_path}: run `dtoa init` to make a "
                             "working folder, or give --config PATH or DTOA_CONFIG\n")
    monkeypatch.setenv("DTOA_CONFIG", str(tmp_path / "gone.toml"))
    result = dtoa("referrals", "list")
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert f"configuration file {tmp_path / 'gone.toml'} (from DTOA_CONFIG) not found: run " \
           "`dtoa init`" in result.output


def test_help_needs_no_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    for args in (["--help"], ["ingest", "detentions", "--help"], ["init", "--help"]):
        result = dtoa(*args)
        assert result.exit_code == 0 and "Usage: " in result.output, args


def test_init_takes_a_folder_or_a_config_file_not_both(tmp_path):
    result = dtoa("--config", tmp_path / "a.toml", "init", tmp_path / "b")
    assert result.exit_code == 2 and "give a FOLDER or --config, not both" in result.output
    assert not (tmp_path / "b").exists()


def test_init_with_a_config_file_named_makes_it_there(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "etc" / "dtoa.toml"
    assert dtoa("--config", config, "init").exit_code == 0
    assert config.read_bytes() == DEFAULT_CONFIG.read_bytes()
    assert (tmp_path / "etc" / "inbox" / "tests").is_dir()
    assert not (tmp_path / "inbox").exists()


def test_init_warns_when_dtoa_config_points_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DTOA_CONFIG", str(tmp_path / "other.toml"))
    result = dtoa("init", tmp_path / "site")
    assert result.exit_code == 0
    assert (f"note: DTOA_CONFIG is set ({tmp_path / 'other.toml'}): commands will read that "
            "file") in result.stderr


def test_init_says_in_one_line_when_the_folder_cannot_be_made(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    (tmp_path / "a-file").write_text("")
    result = dtoa("init", tmp_path / "a-file" / "site")
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot make {tmp_path / 'a-file' / 'site'}: "
                             "Not a directory\n")


def test_init_says_in_one_line_when_the_database_cannot_be_reached(tmp_path, monkeypatch):
    monkeypatch.delenv("DTOA_CONFIG", raising=False)
    monkeypatch.setenv("DTOA_DATABASE_URL", "postgresql+psycopg://dtoa:s3cret@127.0.0.1:1/dtoa")
    result = dtoa("init", tmp_path / "site")
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith("Error: the database cannot be reached or made: "
                                    "OperationalError: ")
    assert "s3cret" not in result.output
