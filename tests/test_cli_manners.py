"""What the terminal shows: human lines on the terminal, JSON log lines in the log file (and
on stderr with --verbose); exports and reports that say what they hold; refusals that say
which value is wrong."""

from __future__ import annotations

import csv
import json

from dtoa.testing import detention_row, sample_row, write_csv

HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"


def json_lines(text: str) -> list[dict]:
    found = []
    for line in text.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def test_log_lines_go_to_the_log_file_and_the_terminal_shows_what_happened(dtoa, tmp_path):
    path = write_csv(tmp_path / "d.csv", [detention_row(person_ref="PERSON-XYZ",
                                                        birth_date="1977-07-07")])
    result = dtoa("ingest", "detentions", path)
    assert result.stdout.startswith("d.csv: batch 1: 1 rows read, 1 new")
    assert json_lines(result.output) == []
    logged = (tmp_path / "dtoa.log").read_text(encoding="utf-8")
    assert "batch.committed" in [line["event"] for line in json_lines(logged)]
    assert "PERSON-XYZ" not in logged and "1977-07-07" not in logged


def test_verbose_shows_the_log_lines_on_stderr_too(dtoa, tmp_path):
    path = write_csv(tmp_path / "d.csv", [detention_row()])
    result = dtoa("--verbose", "ingest", "detentions", path)
    assert "batch.committed" in [line["event"] for line in json_lines(result.stderr)]
    assert json_lines(result.stdout) == []
    assert "batch.committed" in (tmp_path / "dtoa.log").read_text(encoding="utf-8")


def test_the_referrals_export_says_which_referrals_have_no_capacity(dtoa, tmp_path):
    # Served at the desk a quarter of an hour after the sample (recorded later, with --at):
    # booked on Wednesday 5 October 2022 at 14:00, so nothing lacks a place.
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row()]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [sample_row()]))
    assert "requirement served: BAS-2022-000001" in dtoa(
        "require-assessment", "--suite", "BASINGSTOKE", "--custody-ref", "BAS/22/0001",
        "--officer", "PC 1234", "--at", "2022-10-03T15:20").stdout
    dtoa("export", "referrals", tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["reference"], row["no_capacity"], row["appointment_at"]) == (
        "BAS-2022-000001", "false", "2022-10-05T13:00:00+00:00")


def test_users_add_names_the_unknown_force_and_the_configured_ones(dtoa):
    result = dtoa("users", "add", "pc1", "--role", "custody", "--force", "Kent Police",
                  "--password-stdin", ok=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: unknown force 'Kent Police'; configured: {HAMPSHIRE}; Thames Valley Police")


def test_users_add_says_when_the_force_is_missing(dtoa):
    result = dtoa("users", "add", "pc1", "--role", "custody", "--password-stdin", ok=False)
    assert result.exit_code == 1
    assert "a custody user needs a force (--force), one of: " in result.stderr
