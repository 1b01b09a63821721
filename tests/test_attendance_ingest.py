"""Provider attendance files and prosecution decision files: every bad row reported with line,
column and reason, good rows kept, the same file twice a no-op."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from dtoa.ingest import ingest_file
from dtoa.models import Appointment, ProsecutionCase, RejectedRow
from dtoa.pipelines.sweep import sweep
from dtoa.store import session_scope
from dtoa.testing import attendance_row, make_referral, write_csv


@pytest.fixture
def three_referrals(engine, clock):
    with session_scope(engine) as session:
        for n in (1, 2, 3):
            make_referral(session, reference=f"BAS-2022-00000{n}", custody_ref=f"BAS/22/000{n}",
                          appointment_at=datetime(2022, 10, 6, 9, 0, tzinfo=UTC))
    clock.set(datetime(2022, 10, 10, 12, 0, tzinfo=UTC))


def test_bad_attendance_rows_are_reported_and_good_rows_kept(
        engine, settings, clock, three_referrals, tmp_path):
    rows = [
        attendance_row(reference="BAS-2022-000001"),                                 # line 2
        attendance_row(reference="BAS-2099-999999"),                                 # line 3
        attendance_row(reference="BAS-2022-000001", outcome="failed_to_attend",
                       follow_up_required=""),                                       # line 4
        attendance_row(reference="BAS-2022-000002", outcome="rescheduled",
                       follow_up_required=""),                                       # line 5
        attendance_row(reference="", suite="BASINGSTOKE", custody_ref="BAS/22/0003",
                       outcome="failed_to_remain", outcome_at="2022-10-06T10:20:00",
                       follow_up_required=""),                                       # line 6
        attendance_row(reference="BAS-2022-000002", assessment="follow_up",
                       follow_up_required=""),                                       # line 7
        attendance_row(reference="BAS-2022-000002", outcome="attended",
                       outcome_at="2022-10-11T10:00:00"),                            # line 8
        attendance_row(reference="BAS-2022-000002", outcome="maybe"),                # line 9
    ]
    columns = ["reference", "suite", "custody_ref", "assessment", "outcome", "outcome_at",
               "new_appointment_at", "follow_up_required"]
    path = write_csv(tmp_path / "nhrs.csv", rows, columns)
    summary = ingest_file(engine, settings, clock, "attendance", path)
    assert (summary.rows_read, summary.rows_inserted, summary.rows_rejected) == (8, 2, 6)
    got = {e.line: (e.column, e.reason) for e in summary.errors}
    assert got == {
        3: ("reference", "no referral BAS-2099-999999"),
        4: ("outcome", "the appointment is already attended; failed_to_attend cannot follow it"),
        5: ("new_appointment_at", "a rescheduled assessment needs new_appointment_at"),
        7: ("assessment", "no follow_up assessment is booked for BAS-2022-000002"),
        8: ("outcome_at", "outcome time is in the future"),
        9: ("outcome", "expected one of attended, failed_to_attend, failed_to_remain, "
                       "rescheduled, good_cause"),
    }
    with Session(engine) as session:
        kept = session.exec(select(RejectedRow).order_by(RejectedRow.line)).all()
        states = sorted(a.state for a in session.exec(select(Appointment)))
    assert [r.line for r in kept] == [3, 4, 5, 7, 8, 9]
    assert states == ["attended", "booked", "failed_to_remain"]
    with open(summary.rejects_path, encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["line"] for r in rejects] == ["3", "4", "5", "7", "8", "9"]
    assert rejects[0]["raw"].startswith("BAS-2099-999999,")

    again = ingest_file(engine, settings, clock, "attendance", path)
    assert again.already_ingested
    # the same good rows in another file change nothing
    copy = write_csv(tmp_path / "resent.csv", [rows[0], rows[4]], columns)
    resent = ingest_file(engine, settings, clock, "attendance", copy)
    assert (resent.rows_unchanged, resent.rows_inserted, resent.rows_rejected) == (2, 0, 0)


def test_a_reschedule_and_its_outcome_can_share_a_file(engine, settings, clock,
                                                       three_referrals, tmp_path):
    path = write_csv(tmp_path / "nhrs.csv", [
        attendance_row(outcome="rescheduled", outcome_at="2022-10-05T09:00:00",
                       new_appointment_at="2022-10-07T10:00:00", follow_up_required=""),
        attendance_row(outcome="attended", outcome_at="2022-10-07T10:00:00"),
    ])
    summary = ingest_file(engine, settings, clock, "attendance", path)
    assert (summary.rows_inserted, summary.rows_rejected) == (2, 0)
    with Session(engine) as session:
        first, second = session.exec(select(Appointment).where(
            Appointment.referral_id == 1).order_by(Appointment.id)).all()
    assert (first.state, second.state, second.replaces_id) == ("rescheduled", "attended",
                                                               first.id)


def test_prosecution_decisions_file(engine, settings, clock, three_referrals, tmp_path):
    failures = write_csv(tmp_path / "failures.csv", [
        attendance_row(reference=f"BAS-2022-00000{n}", outcome="failed_to_attend",
                       outcome_at="2022-10-06T11:00:00", follow_up_required="")
        for n in (1, 2)])
    ingest_file(engine, settings, clock, "attendance", failures)
    assert sweep(engine, settings, clock)["cases_opened"] == 2
    decisions = write_csv(tmp_path / "cps.csv", [
        {"reference": "BAS-2022-000001", "decision": "summonsed",
         "decided_at": "2022-11-01T10:00:00"},
        {"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0002", "decision": "charged",
         "decided_at": "2022-11-01T10:00:00"},
        {"reference": "BAS-2022-000003", "decision": "charged",
         "decided_at": "2022-11-01T10:00:00"},
        {"reference": "BAS-2022-000001", "decision": "charged",
         "decided_at": "2022-11-02T10:00:00"},
        {"reference": "BAS-2022-000002", "decision": "dropped",
         "decided_at": "2022-11-02T10:00:00"},
    ], ["reference", "suite", "custody_ref", "decision", "decided_at"])
    clock.set(datetime(2022, 11, 3, 12, 0, tzinfo=UTC))
    summary = ingest_file(engine, settings, clock, "prosecutions", decisions)
    assert summary.rows_inserted == 2
    assert {e.line: e.reason for e in summary.errors} == {
        4: "no prosecution case for BAS-2022-000003",
        5: "the prosecution case is already decided: summonsed",
        6: "expected one of charged, summonsed, no_further_action, good_cause_accepted",
    }
    with Session(engine) as session:
        assert sorted(c.state for c in session.exec(select(ProsecutionCase))) == [
            "charged", "summonsed"]
