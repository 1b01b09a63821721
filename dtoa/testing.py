"""Testing helpers shipped with the library (as structlog ships structlog.testing): a throwaway
PostgreSQL server, row factories and a CSV writer, shared by the tests, the demo and the bench."""

from __future__ import annotations

import csv
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_URL_ENV = "DTOA_TEST_POSTGRES_URL"


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server for tests: $DTOA_TEST_POSTGRES_URL when set, else a
    new cluster started here on a loopback port (as the `postgres` user when run as root, since
    PostgreSQL refuses to run as root), stopped and removed afterwards."""
    if os.environ.get(POSTGRES_URL_ENV):
        yield os.environ[POSTGRES_URL_ENV]
        return
    bindir = _pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb); install postgresql or set "
                           f"{POSTGRES_URL_ENV}")
    folder = Path(tempfile.mkdtemp(prefix="dtoa-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run([*as_user, *args], check=True,  # noqa: E731
                                       capture_output=True, text=True)
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
        "--encoding=UTF8", "--locale=C")
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
        "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def write_csv(path: Path, rows: Iterable[dict], columns: Iterable[str] | None = None) -> Path:
    """Write dict rows as a UTF-8 CSV with a header (columns from the first row by default)."""
    rows = list(rows)
    columns = list(columns or (rows[0].keys() if rows else []))
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)


def detention_row(**values: str) -> dict:
    """A detention extract row for an eligible adult arrested for theft at Basingstoke."""
    row = {
        "suite": "BASINGSTOKE",
        "custody_ref": "BAS/22/0001",
        "person_ref": "P0001",
        "birth_date": "1990-05-17",
        "arrested_at": "2022-10-03T14:05:00",
        "offence_codes": "theft",
        "inspector_authorised": "",
        "authorising_inspector": "",
        "home_area": "Basingstoke",
    }
    row.update(values)
    return row


def sample_row(**values: str) -> dict:
    """A tests extract row: a sample positive for cocaine only, an hour after that arrest."""
    row = {
        "suite": "BASINGSTOKE",
        "custody_ref": "BAS/22/0001",
        "tested_at": "2022-10-03T15:05:00",
        "outcome": "tested",
        "cocaine": "positive",
        "opiates": "negative",
        "not_tested_reason": "",
        "officer_ref": "PC 1234",
    }
    row.update(values)
    return row


def make_referral(session, *, reference: str = "BAS-2022-000001",  # noqa: ANN001
                  custody_ref: str = "BAS/22/0001", suite: str = "BASINGSTOKE",
                  provider: str = "NHRS", appointment_at=None, kind: str = "initial",  # noqa: ANN001
                  location: str = "12 Church Street, Basingstoke RG21 7QE"):
    """A requirement served at the desk, with its detention, positive test and one booked
    appointment, written straight to the tables (for tests of what happens after booking).
    `appointment_at` is aware; the test and referral are dated two days before it, the
    requirement served a quarter of an hour after the test. Returns (referral, appointment)."""
    from datetime import UTC, date, datetime, timedelta

    from dtoa.models import Appointment, Detention, DrugTest, Referral, SampleResult

    at = appointment_at or datetime(2022, 10, 6, 9, 0, tzinfo=UTC)
    tested = at - timedelta(days=2)
    detention = Detention(
        suite=suite, custody_ref=custody_ref, person_ref="P" + custody_ref,
        birth_date=date(1990, 5, 17), arrested_at=tested - timedelta(hours=1),
        arrest_date=tested.date(), offence_codes="theft", in_scope=True, eligible=True,
        route="trigger", trigger_offence="theft", rules_version="test", row_hash=custody_ref,
        updated_at=tested)
    session.add(detention)
    session.flush()
    test = DrugTest(detention_id=detention.id, tested_at=tested, outcome="tested",
                    condition="arrest", result="positive", positive_specified=True,
                    row_hash=custody_ref, updated_at=tested)
    session.add(test)
    session.flush()
    session.add_all([SampleResult(drug_test_id=test.id, drug="cocaine", positive=True),
                     SampleResult(drug_test_id=test.id, drug="opiates", positive=False)])
    referral = Referral(reference=reference, detention_id=detention.id, drug_test_id=test.id,
                        suite=suite, provider=provider, deadline_at=at + timedelta(days=3),
                        served_at=tested + timedelta(minutes=15), served_by="PC 1234",
                        created_at=tested, updated_at=tested)
    session.add(referral)
    session.flush()
    appointment = Appointment(referral_id=referral.id, kind=kind, provider=provider,
                              scheduled_at=at, location=location, created_at=tested,
                              updated_at=tested)
    session.add(appointment)
    session.flush()
    return referral, appointment


def attendance_row(**values: str) -> dict:
    """An attendance CSV row: BAS-2022-000001 attended its initial assessment, no follow-up."""
    row = {
        "reference": "BAS-2022-000001",
        "assessment": "initial",
        "outcome": "attended",
        "outcome_at": "2022-10-06T10:00:00",
        "new_appointment_at": "",
        "follow_up_required": "false",
    }
    row.update(values)
    return row


def with_2026_act(config_text: str, from_date: str) -> str:
    """The shipped config.toml as a force would edit it once the Crime and Policing Act 2026's
    drug-testing sections and its regulations are in force from `from_date` (YYYY-MM-DD):
    cannabis on the panel and specified (Class B), a further sample allowed, and the Act's
    additional trigger offences in force. For tests of the switch."""
    marker = "# further_sample_from = 2027-01-01"
    if marker not in config_text:
        raise ValueError("the config no longer has the further_sample_from example line")
    text = config_text.replace(marker, f"further_sample_from = {from_date}")
    text = text.replace("commenced = false", f"from = {from_date}")
    return text + f"""
[[law.panel]]
drug = "cannabis"
detects = "cannabis"
from = {from_date}

[[law.specified]]
class = "B"
drugs = ["cannabis"]
from = {from_date}
source = "Regulations under the Crime and Policing Act 2026 (test configuration)"
"""


def settings_from_text(config_text: str, base_dir: Path | None = None, **overrides: object):
    """Settings from configuration text (written to a temporary file and loaded as usual)."""
    from dtoa.config import load_settings

    folder = Path(tempfile.mkdtemp(prefix="dtoa-config-"))
    path = folder / "config.toml"
    path.write_text(config_text, encoding="utf-8")
    try:
        return load_settings(path, **({"base_dir": base_dir} if base_dir else {}), **overrides)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
