"""A referral's life, driven by a clock that stands still until moved: booked, outcome overdue,
failed to attend, prosecution case, warned, decided; and attended with a follow-up."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from dtoa.cli import cli as dtoa_cli
from dtoa.models import Appointment, AuditEvent, ProsecutionCase, Referral
from dtoa.store import session_scope
from dtoa.testing import attendance_row, make_referral, write_csv

BOOKED_AT = datetime(2022, 10, 6, 9, 0, tzinfo=UTC)  # Thursday 10:00 BST, an NHRS session


@pytest.fixture
def desk(runtime):
    """Run a `dtoa` command as typed, on this test's runtime (its FixedClock and database)."""
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        command = dtoa_cli.get_command(None, args[0])
        result = runner.invoke(command, [str(a) for a in args[1:]], obj=runtime,
                               catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def booked(engine, clock):
    clock.set(datetime(2022, 10, 4, 9, 0, tzinfo=UTC))
    with session_scope(engine) as session:
        referral, appointment = make_referral(session, appointment_at=BOOKED_AT)
    return referral.id, appointment.id


def state_of(engine, model, row_id):
    with Session(engine) as session:
        return session.get(model, row_id)


def audit(engine, entity, entity_id):
    with Session(engine) as session:
        return [(e.actor, e.action, json.loads(e.changes)) for e in session.exec(
            select(AuditEvent).where(AuditEvent.entity == entity,
                                     AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id))]


def test_a_missed_assessment_becomes_a_prosecution_case_warned_then_decided(
        desk, engine, clock, booked, tmp_path):
    referral_id, appointment_id = booked
    clock.set(datetime(2022, 10, 8, 8, 59, tzinfo=UTC))  # 47h59 after the appointment
    assert "outcome overdue: 0" in desk("sweep").output
    assert "no outcomes overdue" in desk("chase-list").output

    clock.set(datetime(2022, 10, 8, 9, 0, tzinfo=UTC))  # appointment + 48 hours' grace
    assert "outcome overdue: 1" in desk("sweep").output
    assert state_of(engine, Appointment, appointment_id).state == "outcome_overdue"
    assert "NHRS\tBAS-2022-000001\tinitial\t2022-10-06 10:00" in desk("chase-list").output
    assert "no outcomes overdue" in desk("chase-list", "--provider", "TVRS").output

    clock.set(datetime(2022, 10, 10, 9, 0, tzinfo=UTC))
    report = write_csv(tmp_path / "nhrs.csv", [attendance_row(
        outcome="failed_to_attend", outcome_at="2022-10-06T10:30:00", follow_up_required="")])
    assert "1 new" in desk("attendance", "ingest", report, "--quiet").output
    assert state_of(engine, Appointment, appointment_id).state == "failed_to_attend"
    assert state_of(engine, Referral, referral_id).state == "failed_to_attend"

    assert "cases opened: 1" in desk("sweep").output
    assert "cases opened: 0" in desk("sweep").output  # one case per failed appointment
    with Session(engine) as session:
        case = session.exec(select(ProsecutionCase)).one()
    assert case.offence == "Drugs Act 2005 s.12"
    assert (case.failure_on, case.time_limit_on, case.warn_from) == (
        date(2022, 10, 6), date(2023, 4, 6), date(2023, 3, 9))
    assert "no prosecution cases due" in desk("prosecutions", "list").output
    assert "BAS-2022-000001" in desk("prosecutions", "list", "--due-within", "178").output
    assert "no prosecution cases due" in desk("prosecutions", "list", "--due-within",
                                              "177").output

    clock.set(datetime(2023, 3, 8, 12, 0, tzinfo=UTC))
    assert "cases warned: 0" in desk("sweep").output
    clock.set(datetime(2023, 3, 9, 12, 0, tzinfo=UTC))
    assert "cases warned: 1" in desk("sweep").output
    assert "cases warned: 0" in desk("sweep").output
    assert ("BAS-2022-000001\tDrugs Act 2005 s.12\tfailed 2022-10-06\ttime limit 2023-04-06"
            "\t28 days left") in desk("prosecutions", "list").output

    decided = ("prosecutions", "decide", "--reference", "BAS-2022-000001", "--decision",
               "charged", "--decided-at", "2023-03-10T11:00:00", "--by", "DS Clarke")
    clock.set(datetime(2023, 3, 10, 12, 0, tzinfo=UTC))
    assert "decision recorded: charged" in desk(*decided).output
    assert "nothing changed" in desk(*decided).output
    other = desk("prosecutions", "decide", "--reference", "BAS-2022-000001", "--decision",
                 "no_further_action", "--by", "DS Clarke", ok=False)
    assert other.exit_code == 1 and "already decided: charged" in other.output
    assert "no prosecution cases due" in desk("prosecutions", "list").output

    assert [(actor, action) for actor, action, _ in audit(engine, "appointment",
                                                         appointment_id)] == [
        ("pipeline:sweep", "state_changed"), ("batch:1", "outcome_recorded")]
    assert audit(engine, "appointment", appointment_id)[1][2]["state"] == [
        "outcome_overdue", "failed_to_attend"]
    assert audit(engine, "referral", referral_id) == [
        ("batch:1", "state_changed", {"state": ["awaiting_assessment", "failed_to_attend"]})]
    case_audit = audit(engine, "prosecution_case", case.id)
    assert [(a, act) for a, act, _ in case_audit] == [
        ("pipeline:sweep", "opened"), ("pipeline:sweep", "warned"), ("DS Clarke", "decided")]
    assert case_audit[0][2]["time_limit_on"] == [None, "2023-04-06"]
    assert case_audit[2][2]["state"] == ["open", "charged"]


def test_attended_with_a_follow_up_required_then_the_follow_up_attended(
        desk, engine, clock, booked):
    referral_id, appointment_id = booked
    clock.set(datetime(2022, 10, 6, 11, 0, tzinfo=UTC))
    result = desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment",
                  "initial", "--outcome", "attended", "--outcome-at", "2022-10-06T10:05:00",
                  "--follow-up-required", "--by", "NHRS")
    # the next NHRS session after Thursday 6 October is Friday 7 October 10:00 BST
    assert "follow_up assessment booked for 2022-10-07 10:00" in result.output
    assert state_of(engine, Referral, referral_id).state == "awaiting_assessment"
    with Session(engine) as session:
        follow_up = session.exec(select(Appointment).where(
            Appointment.kind == "follow_up")).one()
    assert follow_up.scheduled_at == datetime(2022, 10, 7, 9, 0, tzinfo=UTC)
    assert follow_up.state == "booked"

    clock.set(datetime(2022, 10, 7, 12, 0, tzinfo=UTC))
    desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment",
         "follow_up", "--outcome", "attended", "--outcome-at", "2022-10-07T10:00:00",
         "--by", "NHRS")
    assert state_of(engine, Appointment, follow_up.id).state == "attended"
    assert state_of(engine, Referral, referral_id).state == "attended"
    assert "nothing changed" in desk(
        "attendance", "record", "--reference", "BAS-2022-000001", "--assessment",
        "follow_up", "--outcome", "attended", "--outcome-at", "2022-10-07T10:00:00",
        "--by", "NHRS").output

    clock.set(datetime(2022, 12, 1, 12, 0, tzinfo=UTC))
    assert desk("sweep").output.strip() == (
        "outcome overdue: 0, cases opened: 0, cases warned: 0")
    # the initial attended with a follow-up leaves the referral awaiting_assessment, so the
    # only referral change is the follow-up's attendance
    assert audit(engine, "referral", referral_id) == [
        ("NHRS", "state_changed", {"state": ["awaiting_assessment", "attended"]})]
    assert [a for _, a, _ in audit(engine, "appointment", follow_up.id)] == [
        "booked", "outcome_recorded"]


def test_no_follow_up_required_ends_the_requirement_at_the_initial_assessment(
        desk, engine, clock, booked):
    referral_id, _ = booked
    clock.set(datetime(2022, 10, 6, 11, 0, tzinfo=UTC))
    desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "attended", "--outcome-at", "2022-10-06T10:05:00",
         "--no-follow-up-required", "--by", "NHRS")
    assert state_of(engine, Referral, referral_id).state == "attended"
    with Session(engine) as session:
        assert session.exec(select(Appointment).where(
            Appointment.kind == "follow_up")).first() is None
    assert audit(engine, "referral", referral_id) == [("NHRS", "state_changed", {
        "state": ["awaiting_assessment", "attended"], "follow_up": [None, "not_required"]})]
    refused = desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment",
                   "follow_up", "--outcome", "attended", "--by", "NHRS", ok=False)
    assert refused.exit_code == 1
    assert "no follow_up assessment is booked for BAS-2022-000001" in refused.output


def test_a_missed_follow_up_is_a_section_14_case(desk, engine, clock, booked):
    clock.set(datetime(2022, 10, 6, 11, 0, tzinfo=UTC))
    desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "attended", "--outcome-at", "2022-10-06T10:05:00",
         "--follow-up-required", "--by", "NHRS")
    clock.set(datetime(2022, 10, 7, 12, 0, tzinfo=UTC))
    desk("attendance", "record", "--suite", "basingstoke", "--custody-ref", "BAS/22/0001",
         "--assessment", "follow_up", "--outcome", "failed_to_remain",
         "--outcome-at", "2022-10-07T10:40:00", "--by", "NHRS")
    desk("sweep")
    with Session(engine) as session:
        case = session.exec(select(ProsecutionCase)).one()
        assert session.get(Referral, case.referral_id).state == "failed_to_remain"
    assert (case.offence, case.failure_on, case.time_limit_on) == (
        "Drugs Act 2005 s.14", date(2022, 10, 7), date(2023, 4, 7))


def test_good_cause_after_a_failure_closes_the_case_and_a_new_time_rebooks(
        desk, engine, clock, booked):
    referral_id, appointment_id = booked
    clock.set(datetime(2022, 10, 7, 12, 0, tzinfo=UTC))
    desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "failed_to_attend", "--outcome-at", "2022-10-06T11:00:00", "--by", "NHRS")
    desk("sweep")
    clock.set(datetime(2022, 10, 10, 12, 0, tzinfo=UTC))
    result = desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment",
                  "initial", "--outcome", "good_cause", "--outcome-at", "2022-10-10T09:00:00",
                  "--new-appointment-at", "2022-10-13T10:00:00", "--by", "NHRS")
    assert "initial assessment booked for 2022-10-13 10:00" in result.output
    with Session(engine) as session:
        case = session.exec(select(ProsecutionCase)).one()
        replacement = session.exec(select(Appointment).where(
            Appointment.replaces_id == appointment_id)).one()
    assert (case.state, case.decided_by) == ("good_cause_accepted", "NHRS")
    assert state_of(engine, Appointment, appointment_id).state == "good_cause"
    assert state_of(engine, Referral, referral_id).state == "rescheduled"
    assert replacement.scheduled_at == datetime(2022, 10, 13, 9, 0, tzinfo=UTC)
    # the rearranged appointment is the one the next initial outcome is about
    clock.set(datetime(2022, 10, 13, 12, 0, tzinfo=UTC))
    desk("attendance", "record", "--reference", "BAS-2022-000001", "--assessment", "initial",
         "--outcome", "attended", "--outcome-at", "2022-10-13T10:00:00",
         "--no-follow-up-required", "--by", "NHRS")
    assert state_of(engine, Appointment, replacement.id).state == "attended"
    assert state_of(engine, Referral, referral_id).state == "attended"
    desk("sweep")
    with Session(engine) as session:
        assert len(session.exec(select(ProsecutionCase)).all()) == 1
