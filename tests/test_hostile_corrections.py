"""Corrections always land, and a provider's redundant column is not a contradiction; through
the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from _hostile import assert_clean

from dtoa.models import Appointment, AuditEvent, DrugTest, RejectedRow
from dtoa.store import session_scope
from dtoa.testing import attendance_row, detention_row, make_referral, sample_row, write_csv

DESK = ("record-test", "--suite", "BASINGSTOKE", "--custody-ref", "BAS/22/0001", "--outcome",
        "tested", "--result", "opiates=negative", "--tested-at", "2022-10-03T15:05:00",
        "--officer", "PC 1234")


def stored_result(engine) -> str:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(sa.select(DrugTest.result)).scalar_one()


def drug_test_changes(engine) -> list[tuple[str, dict]]:  # noqa: ANN001
    with engine.connect() as connection:
        return [(r.action, json.loads(r.changes)) for r in connection.execute(
            sa.select(AuditEvent).where(AuditEvent.entity == "drug_test")
            .order_by(AuditEvent.id))]


def test_a_desk_correction_back_to_an_earlier_value_lands_and_is_audited(dtoa, tmp_path,
                                                                        engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row()]))
    said = [dtoa(*DESK, "--result", f"cocaine={result}").stdout.strip()
            for result in ("positive", "negative", "positive")]
    assert said == ["test recorded", "test corrected; the change is in the audit trail",
                    "test corrected; the change is in the audit trail"]
    assert stored_result(engine) == "positive"
    changes = drug_test_changes(engine)
    assert [action for action, _ in changes] == ["created", "updated", "updated"]
    assert changes[1][1]["result"] == ["positive", "negative"]
    assert changes[2][1]["result"] == ["negative", "positive"]
    again = dtoa(*DESK, "--result", "cocaine=positive")
    assert again.stdout.strip() == "already recorded; nothing changed"
    assert len(drug_test_changes(engine)) == 3


def test_an_extract_sent_again_after_a_correction_corrects_it_back(dtoa, tmp_path, engine):
    dtoa("ingest", "detentions", write_csv(tmp_path / "d.csv", [detention_row()]))
    monday = write_csv(tmp_path / "monday.csv", [sample_row(cocaine="positive")])
    dtoa("ingest", "tests", monday)
    dtoa("ingest", "tests", write_csv(tmp_path / "tuesday.csv", [sample_row(cocaine="negative")]))
    resent = dtoa("ingest", "tests", monday)
    assert "1 updated" in resent.stdout and "already taken in" not in resent.stdout
    assert stored_result(engine) == "positive"
    assert [a for a, _ in drug_test_changes(engine)] == ["updated", "updated"]
    # and once nothing has changed since, the same file is a no-op again
    assert "already taken in" in dtoa("ingest", "tests", monday).stdout


def test_a_provider_file_filling_follow_up_required_on_every_row_loses_no_failure(
        dtoa, tmp_path, engine):
    with session_scope(engine) as session:
        for n in (1, 2, 3):
            make_referral(session, reference=f"BAS-2022-00000{n}", custody_ref=f"BAS/22/000{n}",
                          appointment_at=datetime(2022, 10, 6, 9, 0, tzinfo=UTC))
    path = write_csv(tmp_path / "nhrs.csv", [
        attendance_row(reference="BAS-2022-000001", outcome="failed_to_attend",
                       outcome_at="2022-10-06T11:00:00", follow_up_required="false"),
        attendance_row(reference="BAS-2022-000002", outcome="failed_to_remain",
                       outcome_at="2022-10-06T09:20:00", follow_up_required="false"),
        attendance_row(reference="BAS-2022-000003", outcome="failed_to_attend",
                       outcome_at="2022-10-06T11:00:00", follow_up_required="true"),
    ])
    result = dtoa("attendance", "ingest", path, ok=False)
    assert result.exit_code == 1
    assert_clean(result.stdout, result.stderr)
    with engine.connect() as connection:
        states = sorted(connection.execute(sa.select(Appointment.state)).scalars())
        kept = connection.execute(sa.select(RejectedRow.line, RejectedRow.column,
                                            RejectedRow.reason)).all()
    assert states == ["booked", "failed_to_attend", "failed_to_remain"]
    assert [tuple(k) for k in kept] == [(4, "follow_up_required", "follow_up_required=true "
                                                                  "only goes with an attended "
                                                                  "initial assessment")]
