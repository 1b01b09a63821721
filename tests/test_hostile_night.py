"""The night goes on: files in the inbox that cannot be read at all are set aside in quarantine
with their reason, and everything else (the good files beside them, referrals, letters, the
sweep) runs, as `dtoa run nightly` is started by cron; SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import date, timedelta

import sqlalchemy as sa
from _hostile import SECRET_BIRTH, SECRET_NAME, SECRET_REF, Dtoa, assert_clean, messages

from dtoa.config import load_settings
from dtoa.ingest.quarantine import quarantined
from dtoa.models import Detention, DrugTest
from dtoa.pipelines.nightly import NIGHTLY_STEPS
from dtoa.testing import detention_row, sample_row, write_csv

# `dtoa run nightly` runs on the real clock, retention included: arrests of a few days ago, so
# that nothing is past its retention period whenever this test runs.
RECENT = (date.today() - timedelta(days=3)).isoformat()


def person(custody_ref: str, **values: str) -> dict:
    return detention_row(**{"custody_ref": custody_ref, "person_ref": SECRET_REF,
                            "birth_date": SECRET_BIRTH, "person_name": SECRET_NAME,
                            "arrested_at": f"{RECENT}T10:00:00", **values})


def test_unreadable_inbox_files_are_quarantined_and_the_rest_of_the_night_runs(
        config_file, tmp_path, engine):
    inbox = tmp_path / "inbox"
    detentions, tests = inbox / "detentions", inbox / "tests"
    detentions.mkdir(parents=True)
    tests.mkdir(parents=True)
    write_csv(detentions / "a-good.csv", [person("BAS/1")])
    latin1 = write_csv(detentions / "b-latin1.csv", [person("BAS/2"), person("BAS/3")])
    latin1.write_bytes(latin1.read_bytes().replace(b"Jane", b"Jos\xe9", 1))  # one row is bad
    (detentions / "c-binary.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    duplicate = write_csv(detentions / "d-twice.csv", [person("BAS/4")])
    duplicate.write_text(duplicate.read_text().replace("home_area", "birth_date"))
    os.mkfifo(tests / "a-pipe.csv")
    write_csv(tests / "b-tests.csv", [sample_row(custody_ref="BAS/1",
                                                 tested_at=f"{RECENT}T11:00:00")])

    code, stdout, stderr = Dtoa(config_file, "run", "nightly", "--quiet").finish(timeout=300)

    assert code == 0, stderr
    assert_clean(stdout, stderr)
    assert messages(stderr) == []
    assert "ingest_inbox: files 6, rows_inserted 3, rows_updated 0, rows_rejected 1, " \
           "already_ingested 0, quarantined 3" in stdout
    steps = [line.split(":")[0] for line in stdout.splitlines()]
    assert steps == [step.__name__ for step in NIGHTLY_STEPS]  # every step after the inbox ran
    with engine.connect() as connection:
        refs = sorted(connection.execute(sa.select(Detention.custody_ref)).scalars())
        tested = connection.execute(sa.select(sa.func.count()).select_from(DrugTest))
        assert refs == ["BAS/1", "BAS/3"] and tested.scalar_one() == 1
    processed = sorted(p.name for p in (tmp_path / "processed").rglob("*") if p.is_file())
    assert processed == ["a-good.csv", "b-latin1.csv", "b-latin1.rejects.csv", "b-tests.csv"]

    waiting = quarantined(load_settings(config_file))
    assert [(q.kind, q.name) for q in waiting] == [
        ("detentions", "c-binary.csv"), ("detentions", "d-twice.csv"), ("tests", "a-pipe.csv")]
    assert [q.reason for q in waiting] == [
        "the header row cannot be read (column 1: a NUL byte (0x00) is not allowed)",
        "the header row names birth_date twice (columns 4 and 9): which one is meant is unclear",
        "not a regular file (a named pipe)"]
    for q in waiting:
        assert q.path.exists() or q.path.is_fifo()
        note = q.path.with_name(q.path.name + ".reason.txt").read_text()
        assert not any(value in note for value in (SECRET_NAME, SECRET_REF, SECRET_BIRTH))
    assert not any(inbox.rglob("*.csv"))  # nothing left to trip the next night
    code, stdout, _ = Dtoa(config_file, "status").finish()
    assert "quarantine: 3 files" in stdout.splitlines()
