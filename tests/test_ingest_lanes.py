"""The vectorised lane of a detentions file changes nothing but the speed: the same files taken
in by it and by the per-row path leave the same rows in every table, the same rejects (line,
column, value, reason, raw), the same audit events and the same batch counts, with bad rows,
repeats and corrections placed across the boundaries of small blocks."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from dtoa.clock import FixedClock
from dtoa.config import DEFAULT_CONFIG, load_settings
from dtoa.ingest import batch, ingest_file, vectorised
from dtoa.ingest.detentions import INPUT_FIELDS
from dtoa.ingest.reader import FileRefused
from dtoa.store import make_engine
from dtoa.testing import detention_row, sample_row, write_csv

BLOCK = 7  # rows per chunk and per block: bad rows fall on both sides of many boundaries


@pytest.fixture
def second_url(db_url, request, tmp_path):
    """A second fresh database on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        path = tmp_path / "second.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url, template, admin = request.getfixturevalue("postgres_admin_url")
    name = f"dtoa_lanes_{os.getpid()}_{id(request)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _first_extract() -> list[dict]:
    rows = []
    for n in range(40):
        row = detention_row(custody_ref=f"BAS/{n:03d}", person_ref=f"P{n:03d}",
                            birth_date=f"{1960 + n}-0{1 + n % 9}-1{n % 10}",
                            arrested_at=f"2023-{1 + n % 12:02d}-0{1 + n % 9}T1{n % 10}:05:00")
        if n % 3 == 0:
            row.update(offence_codes="ASSAULT", inspector_authorised="true",
                       authorising_inspector="Insp 9" if n % 2 else "")
        if n % 4 == 1:
            row.update(suite="MILTON_KEYNES", charged_at=row["arrested_at"][:11] + "23:00:00")
        if n % 5 == 2:
            row.update(offence_codes="theft;ASSAULT;shoplifting", birth_date="2006-02-28")
        rows.append(row)
    odd = {
        3: {"person_name": "Zoë Brontë"},  # not ASCII: read by the one reader
        6: {"birth_date": "1990-13-01"},  # bad date, last row of the first block
        7: {"suite": "NOWHERE"},  # unknown suite, first row of the second block
        13: {"arrested_at": "2031-01-01T10:00:00"},  # in the future
        14: {"charged_at": "2023-01-01T00:00:00"},  # charged before the arrest
        20: {"arrested_at": "2022-10-30T01:30:00"},  # the clocks go back: flagged per row
        21: {"arrested_at": "2022-03-27T01:30:00"},  # a time that never happened
        22: {"arrested_at": "2023-06-01T10:00:00Z", "charged_at": "2023-06-01T12:00"},
        23: {"suite": " basingstoke ", "inspector_authorised": "YES"},
        24: {"arrested_at": "2023-03-01T23:30:00-02:00"},  # the next day in London
        25: {"arrested_at": "2023-07-01T00:30:00+05:30", "charged_at": "2023-06-30T21:00:00Z"},
        27: {"birth_date": "1890-01-01"},  # over 120
        28: {"birth_date": "2023-12-01"},  # born after the arrest
        29: {"inspector_authorised": "maybe"},
        34: {"custody_ref": ""},
        35: {"home_area": "Basing\tstoke", "offence_codes": "  theft ;  "},
        36: {"arrested_at": "2022-10-03 14:05:00"},  # a space for the T: the reader decides
        37: {"authorised_at": "9999-12-31T23:00:00-05:00"},  # past year 9999 in UTC
    }
    for n, change in odd.items():
        rows[n].update(change)
    rows.insert(9, dict(rows[2]))  # an identical repeat, in the next block
    rows.insert(16, dict(rows[4], offence_codes="ASSAULT"))  # a different repeat
    rows.append(dict(rows[30], birth_date="1999-09-09"))  # a different repeat, last line
    for n in range(700, 704):  # 17 at the arrest, 18 at the sample: judged again at it
        rows.append(detention_row(custody_ref=f"BAS/{n}", person_ref=f"Q{n}",
                                  birth_date="2005-06-02", arrested_at="2023-06-01T23:00:00"))
    return rows


def _write_first(folder: Path) -> Path:
    path = write_csv(folder / "detentions.csv", _first_extract(), INPUT_FIELDS)
    lines = path.read_bytes().split(b"\n")
    lines[12] = lines[12].replace(b"P", b"P\x00", 1)  # a NUL byte
    lines[18] = lines[18].replace(b"Basingstoke", b"Basingstok\xe9", 1)  # not UTF-8
    lines.insert(25, b"")  # a blank line
    lines.insert(26, b",,,,,,,,,,,,,")  # a row of empty fields
    lines.insert(31, b"BASINGSTOKE,BAS/999,P999")  # too few fields
    path.write_bytes(b"\n".join(lines))
    return path


def _corrections(folder: Path) -> Path:
    """A later extract: some records corrected, some unchanged, some new."""
    rows = [dict(r) for r in _first_extract()[:20]]
    rows[1]["birth_date"] = "2007-01-01"
    rows[4]["offence_codes"] = "burglary"
    rows[8]["charged_at"] = "2023-09-09T23:30:00"
    rows[10]["birth_date"] = "2006-05-05"  # a detention with a sample: judged again at it
    rows += [detention_row(custody_ref=f"BAS/{n}", person_ref=f"N{n}") for n in range(500, 512)]
    return write_csv(folder / "detentions.csv", rows, INPUT_FIELDS)


SAMPLE_COLUMNS = ("suite", "custody_ref", "tested_at", "outcome", "cocaine", "opiates",
                  "sample", "further_sample_reason", "not_tested_reason", "officer_ref",
                  "appropriate_adult", "disputed", "declared_medication",
                  "requirement_served_at", "assessment_at", "assessment_provider",
                  "assessment_setting")


def _sample(n: int, **values: str) -> dict:
    row = dict.fromkeys(SAMPLE_COLUMNS, "")
    row.update(sample_row(custody_ref=f"BAS/{n:03d}", suite="MILTON_KEYNES" if n % 4 == 1
                          else "BASINGSTOKE",
                          tested_at=f"2023-{1 + n % 12:02d}-0{1 + n % 9}T2{n % 4}:30:00"))
    if n % 5 == 0:
        row.update(outcome="refused", cocaine="", opiates="")
    if n % 7 == 3:
        row.update(outcome="not_tested", cocaine="", opiates="", not_tested_reason="unfit")
    if n % 6 == 4:
        row.update(cocaine="negative")
    row.update(values)
    return row


def _sample_rows() -> list[dict]:
    rows = [_sample(n) for n in range(40)]
    odd = {
        12: {"disputed": "true"}, 14: {"disputed": "yes", "cocaine": "negative"},
        17: {"requirement_served_at": "2023-06-09T23:00:00", "assessment_at": "",
             "assessment_provider": "X"},
        18: {"outcome": " TESTED ", "suite": "basingstoke"},
        19: {"tested_at": "2023-08-01T00:10:00"},  # before the arrest
        20: {"tested_at": "2023-10-29T01:30:00"},  # the clocks go back
        21: {"officer_ref": "PC Zoë"}, 22: {"cocaine": "maybe"},
        23: {"opiates": ""},  # a tested sample needs every panel drug
        25: {"outcome": "not_tested", "cocaine": "", "opiates": "", "not_tested_reason": ""},
        26: {"assessment_setting": "custody"},  # a setting without a requirement
        27: {"appropriate_adult": "true"}, 29: {"custody_ref": "BAS/404"},  # no such detention
        31: {"sample": "01", "declared_medication": "methadone"},
    }
    for n, change in odd.items():
        rows[n].update(change)
    rows.insert(6, _sample(16, sample="2", further_sample_reason="insufficient",
                           tested_at="2023-05-08T23:50:00"))  # before its first, a block earlier
    rows.insert(30, dict(rows[2], officer_ref="PC 9"))  # the same sample again, different
    rows.append(dict(rows[3]))  # the same sample again, identical
    rows += [_sample(n, custody_ref=f"BAS/{n}", suite="BASINGSTOKE",
                     tested_at="2023-06-02T00:30:00") for n in range(700, 704)]
    return rows


def _samples(folder: Path) -> Path:
    return write_csv(folder / "tests.csv", _sample_rows(), SAMPLE_COLUMNS)


def _sample_corrections(folder: Path) -> Path:
    """Samples corrected, unchanged and new (for detentions the corrections brought in)."""
    rows = _sample_rows()[:20]
    rows[1].update(outcome="refused", cocaine="", opiates="")
    rows[4].update(opiates="positive")
    rows += [_sample(n, custody_ref=f"BAS/{n}", suite="BASINGSTOKE",
                     tested_at="2022-10-03T20:00:00") for n in range(500, 506)]
    return write_csv(folder / "tests.csv", rows, SAMPLE_COLUMNS)


def _quoted(folder: Path) -> Path:
    """A file with a quoted field: not read line by line, so wholly per row."""
    rows = [detention_row(custody_ref=f"Q{n}", home_area="Basingstoke, Hants" if n == 2 else "")
            for n in range(10)]
    return write_csv(folder / "detentions.csv", rows, INPUT_FIELDS)


def _crlf(folder: Path) -> Path:
    path = write_csv(folder / "detentions.csv",
                     [detention_row(custody_ref=f"W{n}") for n in range(9)], INPUT_FIELDS)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return path


STEPS = [("detentions", _write_first), ("tests", _samples), ("detentions", _corrections),
         ("tests", _sample_corrections), ("detentions", _write_first),
         ("detentions", _write_first), ("tests", _samples), ("detentions", _quoted),
         ("detentions", _crlf)]


def _run(url: str, folder: Path, *, lane: bool) -> list:
    settings = load_settings(DEFAULT_CONFIG, base_dir=folder, database={"url": url})
    engine = make_engine(url)
    clock = FixedClock(datetime(2024, 1, 1, tzinfo=UTC))
    outcomes = []
    try:
        for step, (kind, make) in enumerate(STEPS):
            where = folder / f"step{step}"
            where.mkdir(parents=True)
            path = make(where)
            try:
                summary = ingest_file(engine, settings, clock, kind, path, vectorised=lane)
            except FileRefused as refused:
                outcomes.append(("refused", refused.reason))
                continue
            rejects = path.with_name(path.stem + ".rejects.csv")
            counts = summary.as_log()
            counts.pop("rejects_path")  # each run has a folder of its own
            outcomes.append((counts, summary.errors,
                             rejects.read_text("utf-8") if rejects.exists() else None))
        return outcomes + [_tables(engine)]
    finally:
        engine.dispose()


def _tables(engine) -> dict:  # noqa: ANN001
    """Every table's rows, surrogate ids of detentions and samples replaced by natural keys."""
    with engine.connect() as connection:
        detentions = {r.id: (r.suite, r.custody_ref) for r in connection.execute(
            sa.text("SELECT id, suite, custody_ref FROM detention"))}
        samples = {r.id: (*detentions[r.detention_id], r.sample) for r in connection.execute(
            sa.text("SELECT id, detention_id, sample FROM drug_test"))}
        tables = {}
        for table in _reflected(connection):
            rows = []
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")).mappings():
                row = dict(row)
                if table in ("detention", "detention_offence", "drug_test", "sample_result"):
                    row.pop("id")
                for column, keys in (("detention_id", detentions), ("drug_test_id", samples)):
                    if column in row:
                        row[column] = keys.get(row[column])
                if table == "audit_event":
                    row.pop("id")
                    keys = {"detention": detentions, "drug_test": samples}.get(row["entity"])
                    if keys is not None:
                        row["entity_id"] = keys[row["entity_id"]]
                    row["changes"] = json.loads(row["changes"])
                rows.append(row)
            if table == "funnel_stale_day":  # the days marked, however many statements did it
                days = {(r["suite"], r["arrest_date"]) for r in rows}
                rows = [{"suite": suite, "arrest_date": day} for suite, day in days]
            tables[table] = sorted(rows, key=repr)
    return tables


def _reflected(connection) -> list[str]:  # noqa: ANN001
    return sorted(sa.inspect(connection).get_table_names())


def _counted(write, counts: list):  # noqa: ANN001, ANN202
    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        counts.append(write(*args, **kwargs))
        return counts[-1]

    return counted


def test_the_vectorised_lane_leaves_every_table_as_the_per_row_path_does(
        db_url, second_url, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", BLOCK)
    written = {"detentions": [], "tests": []}
    for kind, frames in vectorised.FRAMES.items():
        monkeypatch.setattr(frames, "write", _counted(frames.write, written[kind]))
    by_row = _run(db_url, tmp_path / "by_row", lane=False)
    assert written == {"detentions": [], "tests": []}
    by_lane = _run(second_url, tmp_path / "by_lane", lane=True)
    assert sum(written["detentions"]) > 40, "the lane vouched for the plain new detentions"
    assert sum(written["tests"]) > 10, "the lane vouched for the plain first samples"
    for step, (row_outcome, lane_outcome) in enumerate(zip(by_row[:-1], by_lane[:-1],
                                                           strict=True)):
        assert lane_outcome == row_outcome, f"step {step}: {STEPS[step][1].__name__}"
    row_tables, lane_tables = by_row[-1], by_lane[-1]
    assert lane_tables.keys() == row_tables.keys()
    for table in row_tables:
        assert lane_tables[table] == row_tables[table], table
    counts = [outcome[0] for outcome in by_row[:-1]]
    assert (counts[0]["rows_rejected"], counts[0]["rows_inserted"]) == (13, 34)
    assert (counts[1]["rows_inserted"], counts[1]["rows_rejected"]) == (22, 24)
    assert counts[2]["rows_updated"] == 4 and counts[3]["rows_updated"] == 1
    assert counts[4]["rows_updated"] == 4 and counts[5]["already_ingested"] is True
    actions = {(e["entity"], e["action"]) for e in row_tables["audit_event"]}
    assert actions == {("detention", "updated"), ("detention", "eligibility_changed"),
                       ("drug_test", "updated")}
