"""The raw baseline the ingest path is measured against: the same CSV rows, read with the csv
module and inserted with plain DBAPI `executemany` into the same tables, in one transaction,
with none of the checking (no eligibility, no audit, no rejects). It is the floor no
validating ingest can beat; the headline figure is the project's throughput over this one's.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

CHUNK = 5000
DETENTION_SQL = (
    "INSERT INTO detention (id, suite, custody_ref, person_ref, birth_date, arrested_at, "
    "arrest_date, offence_codes, inspector_authorised, authorising_inspector, home_area, "
    "in_scope, eligible, under_age, rules_version, row_hash, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 'baseline', '', ?)")
OFFENCE_SQL = ("INSERT INTO detention_offence (detention_id, position, code, is_trigger, finding) "
               "VALUES (?, ?, ?, 0, 'baseline')")
TEST_SQL = (
    "INSERT INTO drug_test (detention_id, tested_at, outcome, cocaine, opiates, result, "
    "not_tested_reason, officer_ref, disputed, row_hash, updated_at) "
    "SELECT id, ?, ?, ?, ?, ?, ?, ?, 0, '', ? FROM detention WHERE suite = ? AND custody_ref = ?")


def _flag(value: str) -> int | None:
    return None if not value else int(value == "positive")


def load_sqlite(database: Path, detentions: Path, tests: Path) -> tuple[int, int]:
    """Insert both extracts into an SQLite database that already has the schema."""
    now = datetime.now(UTC).isoformat(sep=" ")
    connection = sqlite3.connect(database)
    try:
        with connection:
            next_id = (connection.execute("SELECT max(id) FROM detention").fetchone()[0] or 0) + 1
            detention_count = test_count = 0
            with detentions.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                while chunk := list(islice(reader, CHUNK)):
                    rows, offences = [], []
                    for r in chunk:
                        rows.append((next_id, r["suite"], r["custody_ref"], r["person_ref"],
                                     r["birth_date"], r["arrested_at"], r["arrested_at"][:10],
                                     r["offence_codes"], r["inspector_authorised"] == "true",
                                     r["authorising_inspector"] or None, r["home_area"] or None,
                                     now))
                        offences.extend((next_id, i, code)
                                        for i, code in enumerate(r["offence_codes"].split(";")))
                        next_id += 1
                    connection.executemany(DETENTION_SQL, rows)
                    connection.executemany(OFFENCE_SQL, offences)
                    detention_count += len(rows)
            with tests.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                while chunk := list(islice(reader, CHUNK)):
                    connection.executemany(TEST_SQL, [
                        (r["tested_at"], r["outcome"], _flag(r["cocaine"]), _flag(r["opiates"]),
                         r["outcome"], r["not_tested_reason"] or None, r["officer_ref"] or None,
                         now, r["suite"], r["custody_ref"]) for r in chunk])
                    test_count += len(chunk)
    finally:
        connection.close()
    return detention_count, test_count
