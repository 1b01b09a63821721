"""The raw baseline the ingest path is measured against: the same CSV rows, read with the csv
module and inserted with plain DBAPI `executemany` (sqlite3, or psycopg on PostgreSQL) into the
same tables, in one transaction,
with none of the checking (no eligibility, no audit, no rejects). It is the floor no
validating ingest can beat; the headline figure is the project's throughput over this one's.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

CHUNK = 5000
DETENTION_SQL = (
    "INSERT INTO detention (id, suite, custody_ref, person_ref, birth_date, arrested_at, "
    "arrest_date, offence_codes, inspector_authorised, authorising_inspector, home_area, "
    "in_scope, eligible, under_age, rules_version, row_hash, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, FALSE, FALSE, 'baseline', '', ?)")
OFFENCE_SQL = ("INSERT INTO detention_offence (detention_id, position, code, is_trigger, finding) "
               "VALUES (?, ?, ?, FALSE, 'not_in_catalogue')")
TEST_SQL = (
    "INSERT INTO drug_test (detention_id, tested_at, outcome, result, "
    "not_tested_reason, officer_ref, disputed, row_hash, updated_at) "
    "SELECT id, ?, ?, ?, ?, ?, FALSE, '', ? FROM detention "
    "WHERE suite = ? AND custody_ref = ?")
RESULT_SQL = (
    "INSERT INTO sample_result (drug_test_id, drug, positive) "
    "SELECT t.id, ?, ? FROM drug_test t JOIN detention d ON d.id = t.detention_id "
    "WHERE d.suite = ? AND d.custody_ref = ?")
PANEL = ("cocaine", "opiates")


def _result(row: dict) -> str:
    if row["outcome"] != "tested":
        return row["outcome"]
    return "positive" if "positive" in (row["cocaine"], row["opiates"]) else "negative"


def load(url: str, detentions: Path, tests: Path) -> tuple[int, int]:
    """Insert both extracts into a database that already has the schema: `sqlite3` for an
    SQLite URL, plain `psycopg` `executemany` for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database)
        mark = "?"
    else:
        connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(
            hide_password=False))
        mark = "%s"
    try:
        with connection:
            return _load(connection.cursor(), mark, detentions, tests)
    finally:
        connection.close()


def _load(cursor, mark: str, detentions: Path, tests: Path) -> tuple[int, int]:  # noqa: ANN001
    now = datetime.now(UTC).isoformat(sep=" ")
    sql = {name: text.replace("?", mark) for name, text in
           (("detention", DETENTION_SQL), ("offence", OFFENCE_SQL), ("test", TEST_SQL),
            ("result", RESULT_SQL))}
    cursor.execute("SELECT max(id) FROM detention")
    next_id = (cursor.fetchone()[0] or 0) + 1
    detention_count = test_count = 0
    with detentions.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        while chunk := list(islice(reader, CHUNK)):
            rows, offences = [], []
            for r in chunk:
                rows.append((next_id, r["suite"], r["custody_ref"], r["person_ref"],
                             r["birth_date"], r["arrested_at"], r["arrested_at"][:10],
                             r["offence_codes"], r["inspector_authorised"] == "true",
                             r["authorising_inspector"] or None, r["home_area"] or None, now))
                offences.extend((next_id, i, code)
                                for i, code in enumerate(r["offence_codes"].split(";")))
                next_id += 1
            cursor.executemany(sql["detention"], rows)
            cursor.executemany(sql["offence"], offences)
            detention_count += len(rows)
    with tests.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        while chunk := list(islice(reader, CHUNK)):
            cursor.executemany(sql["test"], [
                (r["tested_at"], r["outcome"], _result(r), r["not_tested_reason"] or None,
                 r["officer_ref"] or None, now, r["suite"], r["custody_ref"]) for r in chunk])
            cursor.executemany(sql["result"], [
                (drug, r[drug] == "positive", r["suite"], r["custody_ref"])
                for r in chunk for drug in PANEL if r[drug]])
            test_count += len(chunk)
    return detention_count, test_count
