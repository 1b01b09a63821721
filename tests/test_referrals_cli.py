"""The referral commands as a user types them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from dtoa.clock import FixedClock
from dtoa.testing import detention_row, sample_row, write_csv


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch):
    """The CLI's clock, fixed: 30 December 2022 at noon (the commands read it, tests set it)."""
    clock = FixedClock(datetime(2022, 12, 30, 12, 0, tzinfo=UTC))
    monkeypatch.setattr("dtoa.runtime.SystemClock", lambda: clock)
    return clock


def test_serve_list_render_and_export_as_a_user_runs_them(dtoa, tmp_path, config_file):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [
        detention_row(custody_ref="A1", arrested_at="2022-12-30T09:00:00",
                      home_area="Andover"),
        detention_row(custody_ref="B1", arrested_at="2022-12-30T09:00:00")]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [
        sample_row(custody_ref="A1", tested_at="2022-12-30T10:00:00", disputed=""),
        sample_row(custody_ref="B1", tested_at="2022-12-30T10:00:00", disputed="true")]))
    for ref in ("A1", "B1"):
        assert "requirement served" in dtoa("require-assessment", "--suite", "BASINGSTOKE",
                                            "--custody-ref", ref, "--officer", "PC 1").output
    listed = dtoa("referrals", "list", "--provider", "tvrs").output
    assert "BAS-2022-000001\tBASINGSTOKE\tA1\tTVRS\tawaiting_assessment" in listed
    assert "B1" not in listed
    assert "2 letters issued (0 amended)" in dtoa("letters", "render").output
    assert "0 letters issued" in dtoa("letters", "render").output
    assert (tmp_path / "outbox" / "TVRS").is_dir()

    out = tmp_path / "referrals.csv"
    dtoa("export", "referrals", out)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["reference", "suite", "custody_ref", "provider", "state",
                             "no_capacity", "appointment_at", "deadline_at", "setting",
                             "custody_suite", "served_at", "served_by"]
    assert rows[0]["served_by"] == "PC 1" and rows[0]["served_at"].endswith("+00:00")
    assert rows[0]["no_capacity"] == "false"
    assert (rows[0]["setting"], rows[0]["custody_suite"]) == ("community", "")
    # A1: Friday 30 December 2022 10:00; Tue 3 January 2023 at 11:00 at TVRS
    assert rows[0]["appointment_at"] == "2023-01-03T11:00:00+00:00"
    assert rows[0]["deadline_at"] == "2023-01-09T23:59:59+00:00"

    result = dtoa("tests", "lab-result", "--suite", "BASINGSTOKE", "--custody-ref", "B1",
                  "--not-confirmed", "--by", "lab clerk")
    assert "referral BAS-2022-000002 is withdrawn" in result.output
    withdrawn = dtoa("referrals", "list", "--state", "withdrawn").output
    assert "B1\tNHRS\twithdrawn (lab_not_confirmed)\t-" in withdrawn
    dtoa("export", "detentions", tmp_path / "detentions.csv")  # still there


def test_a_lab_result_for_an_undisputed_test_is_refused(dtoa, tmp_path):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row()]))
    dtoa("ingest", "tests", write_csv(tmp_path / "t.csv", [sample_row()]))
    result = dtoa("tests", "lab-result", "--suite", "BASINGSTOKE", "--custody-ref",
                  "BAS/22/0001", "--confirmed", "--by", "lab clerk", ok=False)
    assert result.exit_code == 1 and "the test was not disputed" in result.output


def test_list_no_capacity_shows_only_the_referrals_waiting_for_a_place(dtoa, tmp_path,
                                                                       engine):
    from dtoa.store import session_scope
    from dtoa.testing import make_referral

    with session_scope(engine) as session:  # an attended initial; no follow-up place found
        full, _ = make_referral(session, custody_ref="FULL", reference="BAS-2022-000001")
        full.no_capacity = True
        make_referral(session, custody_ref="BOOKED", reference="BAS-2022-000002")
    listed = dtoa("referrals", "list", "--no-capacity").output
    assert "BAS-2022-000001" in listed and "NO CAPACITY" in listed
    assert "BAS-2022-000002" not in listed
