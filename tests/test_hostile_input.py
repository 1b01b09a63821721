"""Hostile input files, typed at the CLI as a user would, on SQLite and PostgreSQL.

The promise (README, "Bad input loses nothing"): a bad row is kept with its line, column and
reason and the rows around it still go in, for every kind of file; a file that cannot be read
as such a CSV at all is refused whole with one message and kept in its rejects file; never a
traceback, never personal data on the terminal.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from _hostile import SECRET_BIRTH, SECRET_NAME, SECRET_REF, Dtoa, assert_clean, messages

from dtoa.ingest import ingest_file
from dtoa.models import Detention, IngestBatch, RejectedRow
from dtoa.store import session_scope
from dtoa.testing import attendance_row, detention_row, make_referral, sample_row, write_csv

LONG = 40_000  # over the shipped [ingest] max_field_chars (32,768)


def csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode()


def person(custody_ref: str, **values: str) -> dict:
    return detention_row(custody_ref=custody_ref, person_ref=SECRET_REF,
                         birth_date=SECRET_BIRTH, person_name=SECRET_NAME, **values)


def count(engine, table) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def kept(engine) -> list[tuple[int, str]]:  # noqa: ANN001
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            sa.select(RejectedRow.line, RejectedRow.column).order_by(RejectedRow.line))]


# --- the unterminated quote: never two rows merged into one ---------------------------------

def test_an_unterminated_quote_at_the_end_of_a_row_swallows_nothing(dtoa, tmp_path, engine):
    rows = [list(person(f"BAS/{n}").values()) for n in range(1, 5)]
    bas2 = b",".join(v.encode() for v in rows[1][:-1]) + b',"Jo Smith\n'  # opened, not closed
    lines = [csv_line(list(person("X"))), csv_line(rows[0]), bas2, csv_line(rows[2]),
             csv_line(rows[3])]
    path = tmp_path / "d.csv"
    path.write_bytes(b"".join(lines))
    result = dtoa("ingest", "detentions", path, ok=False)
    assert result.exit_code == 1
    assert "d.csv: batch 1: 4 rows read, 3 new, 0 updated, 0 unchanged, 1 rejected" \
        in result.stdout
    assert "rejected line 3, column person_name: a quote opened in this field is never " \
           "closed (the lines after it are read as rows of their own)" in messages(result.stderr)[0]
    assert_clean(result.stdout, result.stderr)
    with engine.connect() as connection:
        refs = connection.execute(sa.select(Detention.custody_ref, Detention.person_name)
                                  .order_by(Detention.custody_ref)).all()
    assert [tuple(r) for r in refs] == [("BAS/1", SECRET_NAME), ("BAS/3", SECRET_NAME),
                                        ("BAS/4", SECRET_NAME)]
    assert kept(engine) == [(3, "person_name")]
    rejects = list(csv.DictReader((tmp_path / "d.rejects.csv").open(encoding="utf-8")))
    assert rejects[0]["raw"].endswith('"Jo Smith') and "BAS/2" in rejects[0]["raw"]


def test_an_unterminated_quote_closed_by_a_later_row_loses_none_of_the_rows_between(
        dtoa, tmp_path, engine):
    rows = [person(f"BAS/{n}") for n in range(1, 6)]
    lines = [csv_line(list(rows[0])), *(csv_line(list(r.values())) for r in rows)]
    lines[2] = lines[2].replace(b",theft,", b',"theft,')  # BAS/2: opened, never closed
    lines[4] = lines[4].replace(SECRET_NAME.encode(), b'"Smith, Jo"')  # BAS/4: a quoted field
    path = tmp_path / "d.csv"
    path.write_bytes(b"".join(lines))
    result = dtoa("ingest", "detentions", path, ok=False)
    assert "5 rows read, 4 new, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert kept(engine) == [(3, "offence_codes")]
    with engine.connect() as connection:
        names = {r.custody_ref: r.person_name for r in connection.execute(
            sa.select(Detention.custody_ref, Detention.person_name))}
    assert names == {"BAS/1": SECRET_NAME, "BAS/3": SECRET_NAME, "BAS/4": "Smith, Jo",
                     "BAS/5": SECRET_NAME}
    assert_clean(result.stdout, result.stderr)


# --- every kind: each bad row kept with line, column and reason; the good rows go in ---------

def _detentions(engine, tmp_path, dtoa) -> tuple[list[str], list[list[str]], str]:  # noqa: ANN001
    good = [person("BAS/1"), person("BAS/2")]
    return list(good[0]), [list(r.values()) for r in good], "person_name"


def _tests(engine, tmp_path, dtoa) -> tuple[list[str], list[list[str]], str]:  # noqa: ANN001
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [person("BAS/1"),
                                                                  person("BAS/2")]))
    good = [sample_row(custody_ref="BAS/1", declared_medication="none"),
            sample_row(custody_ref="BAS/2", declared_medication="none")]
    return list(good[0]), [list(r.values()) for r in good], "officer_ref"


def _referrals(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        for n in (1, 2):
            make_referral(session, reference=f"BAS-2022-00000{n}", custody_ref=f"BAS/22/000{n}",
                          appointment_at=datetime(2022, 10, 6, 9, 0, tzinfo=UTC))


def _attendance(engine, tmp_path, dtoa) -> tuple[list[str], list[list[str]], str]:  # noqa: ANN001
    _referrals(engine)
    good = [attendance_row(reference=f"BAS-2022-00000{n}") for n in (1, 2)]
    return list(good[0]), [list(r.values()) for r in good], "reference"


def _prosecutions(engine, tmp_path, dtoa) -> tuple[list[str], list[list[str]], str]:  # noqa: ANN001
    _referrals(engine)
    dtoa("attendance", "ingest", write_csv(tmp_path / "fta.csv", [
        attendance_row(reference=f"BAS-2022-00000{n}", outcome="failed_to_attend",
                       outcome_at="2022-10-06T11:00:00", follow_up_required="")
        for n in (1, 2)]))
    dtoa("sweep")
    good = [{"reference": f"BAS-2022-00000{n}", "decision": "charged",
             "decided_at": "2022-11-01T10:00:00"} for n in (1, 2)]
    return list(good[0]), [list(r.values()) for r in good], "reference"


KINDS = {"detentions": (("ingest", "detentions"), _detentions),
         "tests": (("ingest", "tests"), _tests),
         "attendance": (("attendance", "ingest"), _attendance),
         "prosecutions": (("prosecutions", "ingest"), _prosecutions)}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_file_keeps_each_unreadable_row_and_takes_in_the_rest(
        kind, dtoa, tmp_path, engine):
    command, setup = KINDS[kind]
    columns, (good1, good2), free = setup(engine, tmp_path, dtoa)
    at = columns.index(free)

    def with_free(value: bytes) -> bytes:
        fields = [v.encode() for v in good1]
        fields[at] = value
        return b",".join(fields) + b"\n"

    lines = [
        csv_line(columns),                                                   # 1
        csv_line(good1),                                                     # 2
        with_free(b"Jos\xe9"),                                               # 3 Latin-1
        with_free(b"A\x00B"),                                                # 4 NUL
        csv_line([*good1, "extra"]),                                         # 5 a field too many
        csv_line(good1[:-1]),                                                # 6 one too few
        with_free(b"x" * LONG),                                              # 7 over the limit
        b",".join(v.encode() for v in good1[:-1]) + b',"never closed\n',     # 8 quote left open
        csv_line(good2),                                                     # 9
    ]
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(b"".join(lines))
    result = dtoa(*command, path, ok=False)
    assert result.exit_code == 1, result.output
    assert "9 rows read" not in result.stdout and "8 rows read, 2 new" in result.stdout, \
        result.stdout
    last = columns[-1]
    assert kept(engine) == [(3, free), (4, free), (5, ""), (6, ""), (7, free), (8, last)]
    shown = messages(result.stderr)
    assert shown[:6] == [
        f"  rejected line 3, column {free}: byte 0xE9 is not UTF-8: save the file as UTF-8",
        f"  rejected line 4, column {free}: a NUL byte (0x00) is not allowed",
        f"  rejected line 5, column : the row has {len(columns) + 1} fields; the header has "
        f"{len(columns)}",
        f"  rejected line 6, column : the row has {len(columns) - 1} fields; the header has "
        f"{len(columns)}",
        f"  rejected line 7, column {free}: the field is longer than 32768 characters "
        "([ingest] max_field_chars)",
        f"  rejected line 8, column {last}: a quote opened in this field is never closed (the "
        "lines after it are read as rows of their own)"]
    assert_clean(result.stdout, result.stderr)
    rejects = list(csv.DictReader((tmp_path / f"{kind}.rejects.csv").open(encoding="utf-8")))
    assert [r["line"] for r in rejects] == ["3", "4", "5", "6", "7", "8"]
    assert "Jos\\xe9" in rejects[0]["raw"] and "A\\x00B" in rejects[1]["raw"]
    assert len(rejects[4]["raw"]) > LONG  # the raw row is kept whole


# --- longer than Python's own csv limit (131,072) and than the reader's line limit -----------

CSV_DEFAULT_LIMIT = 131_072  # csv.field_size_limit() in a fresh process
HUGE = 200_000  # over it: once "field larger than field limit", a crash
LINE_LIMIT = 32_768 * 16  # the reader's physical line limit: max_field_chars * LINE_FIELDS


def with_good_rows_around(tmp_path, bad_line: bytes):  # noqa: ANN001, ANN201
    good = [list(person(f"BAS/{n}").values()) for n in (1, 2)]
    path = tmp_path / "d.csv"
    path.write_bytes(csv_line(list(person("X"))) + csv_line(good[0]) + bad_line
                     + csv_line(good[1]))
    return path


def over_limit(value: bytes) -> bytes:
    fields = [v.encode() for v in person("BAS/9").values()]
    fields[list(person("X")).index("person_name")] = value
    return b",".join(fields) + b"\n"


@pytest.mark.parametrize("field", [b"x" * HUGE, b'"' + b"x" * HUGE + b'"'],
                         ids=["plain", "quoted"])
def test_a_field_over_pythons_csv_limit_rejects_its_row_and_the_rows_around_go_in(
        config_file, tmp_path, engine, field):
    assert HUGE > CSV_DEFAULT_LIMIT
    path = with_good_rows_around(tmp_path, over_limit(field))
    code, stdout, stderr = Dtoa(config_file, "ingest", "detentions", path).finish()
    assert code == 1, stderr
    assert "3 rows read, 2 new, 0 updated, 0 unchanged, 1 rejected" in stdout
    assert messages(stderr) == [
        "  rejected line 3, column person_name: the field is longer than 32768 characters "
        "([ingest] max_field_chars)", f"  rejected rows kept in {tmp_path / 'd.rejects.csv'}"]
    assert_clean(stdout, stderr)
    with engine.connect() as connection:
        refs = connection.execute(sa.select(Detention.custody_ref)
                                  .order_by(Detention.custody_ref)).scalars().all()
    assert refs == ["BAS/1", "BAS/2"]
    assert kept(engine) == [(3, "person_name")]
    assert "x" * HUGE in (tmp_path / "d.rejects.csv").read_text(encoding="utf-8")  # kept whole


def test_a_line_longer_than_the_readers_line_limit_rejects_its_row_and_the_rest_go_in(
        config_file, tmp_path, engine):
    path = with_good_rows_around(tmp_path, over_limit(b"x" * (LINE_LIMIT + 10_000)))
    code, stdout, stderr = Dtoa(config_file, "ingest", "detentions", path).finish()
    assert code == 1, stderr
    assert "3 rows read, 2 new, 0 updated, 0 unchanged, 1 rejected" in stdout
    assert messages(stderr) == [
        f"  rejected line 3, column : the line is longer than {LINE_LIMIT} characters",
        f"  rejected rows kept in {tmp_path / 'd.rejects.csv'}"]
    assert_clean(stdout, stderr)
    assert count(engine, Detention) == 2
    assert kept(engine) == [(3, "")]


# --- files that cannot be read as a CSV at all ----------------------------------------------

def refused(result, path) -> str:  # noqa: ANN001
    assert result.exit_code == 1, result.output
    assert_clean(result.stdout, result.stderr)
    (line,) = messages(result.stderr)
    assert line.startswith(f"Error: {path.name}: refused: ")
    return line.removeprefix(f"Error: {path.name}: refused: ")


def test_a_header_naming_a_column_twice_is_refused_whole(dtoa, tmp_path, engine):
    row = person("BAS/1")
    path = tmp_path / "d.csv"
    path.write_bytes(csv_line([*row, "birth_date"]) + csv_line([*row.values(), "2010-01-01"]))
    assert refused(dtoa("ingest", "detentions", path, ok=False), path) == (
        "the header row names birth_date twice (columns 4 and 11): which one is meant is "
        f"unclear; nothing taken in (kept in {tmp_path / 'd.rejects.csv'})")
    assert count(engine, Detention) == 0 and count(engine, IngestBatch) == 0
    rejects = list(csv.DictReader((tmp_path / "d.rejects.csv").open(encoding="utf-8")))
    assert [(r["line"], r["column"]) for r in rejects] == [("1", "birth_date")]


def test_a_header_with_a_column_without_a_name_is_refused_whole(dtoa, tmp_path, engine):
    row = person("BAS/1")
    path = tmp_path / "d.csv"
    path.write_bytes(csv_line([*row, ""]) + csv_line([*row.values(), ""]))
    assert refused(dtoa("ingest", "detentions", path, ok=False), path).startswith(
        "column 11 of the header row has no name; nothing taken in")
    assert count(engine, Detention) == 0


def test_a_binary_file_is_refused_whole_with_one_line(dtoa, tmp_path, engine):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    assert refused(dtoa("ingest", "detentions", path, ok=False), path).startswith(
        "the header row cannot be read (column 1: byte 0x89 is not UTF-8")
    assert count(engine, IngestBatch) == 0 and (tmp_path / "photo.rejects.csv").exists()


def test_an_empty_file_is_refused(dtoa, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert refused(dtoa("ingest", "tests", path, ok=False), path).startswith(
        "the file is empty: no header row")


@pytest.mark.parametrize("what", ["device", "folder", "named pipe"])
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(what, config_file, tmp_path,
                                                              engine):
    if what == "device":
        path = "/dev/zero"
    elif what == "folder":
        path = tmp_path / "folder.csv"
        path.mkdir()
    else:
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
    code, stdout, stderr = Dtoa(config_file, "ingest", "detentions", path).finish(timeout=120)
    assert code == 1
    assert messages(stderr) == [
        f"Error: {os.path.basename(path)}: refused: not a regular file (a {what}); nothing "
        "taken in"]
    assert_clean(stdout, stderr)
    assert count(engine, IngestBatch) == 0


def test_a_missing_file_is_refused_in_one_line(dtoa, tmp_path):
    result = dtoa("ingest", "detentions", tmp_path / "nowhere.csv", ok=False)
    assert result.exit_code == 1
    assert messages(result.stderr) == ["Error: nowhere.csv: refused: no such file; nothing "
                                       "taken in"]


def test_the_library_refuses_the_same_way(settings, clock, engine, tmp_path):
    from dtoa.ingest.reader import FileRefused

    path = write_csv(tmp_path / "t.csv", [{"suite": "BASINGSTOKE"}])
    with pytest.raises(FileRefused, match="the header row has no custody_ref, tested_at, "
                                          "outcome columns"):
        ingest_file(engine, settings, clock, "tests", path)


def test_an_instant_with_no_utc_equivalent_rejects_its_row_and_the_others_go_in(
        dtoa, tmp_path, engine):
    path = write_csv(tmp_path / "d.csv", [
        person("BAS/1"), person("BAS/2", arrested_at="0001-01-01T00:00:00+14:00"),
        person("BAS/3", arrested_at="9999-12-31T23:59:00-12:00")])
    dtoa("ingest", "detentions", path, ok=False)
    assert count(engine, Detention) == 1
    assert kept(engine) == [(3, "arrested_at"), (4, "arrested_at")]
    rejects = list(csv.DictReader((tmp_path / "d.rejects.csv").open(encoding="utf-8")))
    assert {r["reason"] for r in rejects} == {
        "a date and time outside the years 1 to 9999 once taken to UTC"}
