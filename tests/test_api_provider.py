"""Provider and reporting systems through the partner API, over HTTP on SQLite and PostgreSQL:
a provider token sees only its own referrals and appointments, changes come through a cursor,
outcomes go through the attendance state machine with the CSV's reasons, and the funnel is
what `dtoa report funnel --format json` prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dtoa.api.testing import client, token
from dtoa.rules.states import AssessmentSetting
from dtoa.store import session_scope
from dtoa.testing import attendance_row, make_referral


@pytest.fixture
def api(runtime):
    with client(runtime) as http:
        yield http


@pytest.fixture
def referrals(runtime):
    """BAS-2022-000001 for NHRS (appointment 6 October 2022) and BAS-2022-000002 for TVRS."""
    with session_scope(runtime.engine) as session:
        make_referral(session)
        make_referral(session, reference="BAS-2022-000002", custody_ref="BAS/22/0002",
                      provider="TVRS", appointment_at=datetime(2022, 10, 7, 9, tzinfo=UTC))


def test_a_provider_token_sees_only_its_referrals_and_appointments(api, runtime, referrals):
    nhrs = token(runtime, "nhrs-cases", "provider", provider="NHRS")
    feed = api.get("/referrals", headers=nhrs)
    assert feed.status_code == 200, feed.text
    assert [r["reference"] for r in feed.json()["items"]] == ["BAS-2022-000001"]
    item = feed.json()["items"][0]
    assert item["person"] == {"identifier": "PBAS/22/0001", "birth_date": "1990-05-17"}
    assert item["positive_for"] == ["cocaine"]
    appointments = api.get("/appointments", headers=nhrs).json()["items"]
    assert [(a["reference"], a["kind"], a["state"]) for a in appointments] == [
        ("BAS-2022-000001", "initial", "booked")]

    other = api.post("/attendance", headers=nhrs, json=attendance_row(
        reference="BAS-2022-000002", outcome_at="2022-10-07T10:00:00"))
    assert other.status_code == 422
    assert other.json()["errors"][0]["reason"] == "no referral BAS-2022-000002"
    by_custody = api.post("/attendance", headers=nhrs, json=attendance_row(
        reference="", suite="BASINGSTOKE", custody_ref="BAS/22/0002"))
    assert by_custody.json()["errors"][0]["field"] == "custody_ref"
    unknown = api.post("/attendance", headers=nhrs, json=attendance_row(
        reference="BAS-2022-999999"))
    assert unknown.json()["errors"][0]["reason"] == "no referral BAS-2022-999999"


def test_changes_come_through_the_cursor_once_past_the_overlap(api, runtime, referrals):
    nhrs = token(runtime, "nhrs-cases", "provider", provider="NHRS")
    first = api.get("/appointments", headers=nhrs).json()
    assert len(first["items"]) == 1 and first["more"] is False
    quiet = api.get("/appointments", params={"since": first["next_cursor"]}, headers=nhrs)
    assert quiet.json()["items"] == []

    runtime.clock.set(datetime(2022, 10, 6, 12, 0, tzinfo=UTC))
    answer = api.post("/attendance", headers=nhrs, json=attendance_row(
        outcome="failed_to_attend", follow_up_required=""))
    assert answer.status_code == 201, answer.text
    changed = api.get("/appointments", params={"since": quiet.json()["next_cursor"]},
                      headers=nhrs).json()
    assert [(a["state"], a["changed_at"]) for a in changed["items"]] == [
        ("failed_to_attend", "2022-10-06T12:00:00Z")]
    again = api.get("/appointments", params={"since": changed["next_cursor"]},
                    headers=nhrs).json()
    assert len(again["items"]) == 1  # within the overlap: an item may come again
    runtime.clock.advance(minutes=runtime.settings.api.feed_overlap_minutes + 1)
    later = api.get("/appointments", params={"since": again["next_cursor"]},
                    headers=nhrs).json()
    after = api.get("/appointments", params={"since": later["next_cursor"]},
                    headers=nhrs).json()
    assert after["items"] == []
    assert api.get("/appointments", params={"since": "not-a-cursor"},
                   headers=nhrs).status_code == 422


def test_outcomes_go_through_the_attendance_state_machine_with_the_csvs_reasons(api, runtime,
                                                                               referrals):
    nhrs = token(runtime, "nhrs-cases", "provider", provider="NHRS")
    runtime.clock.set(datetime(2022, 10, 6, 12, 0, tzinfo=UTC))
    batch = api.post("/attendance/batch", headers=nhrs, json={"records": [
        attendance_row(outcome="attended", follow_up_required="false"),
        attendance_row(outcome="failed_to_attend", outcome_at="2022-10-06T11:00:00",
                       follow_up_required=""),
        attendance_row(outcome="rescheduled", new_appointment_at="",
                       follow_up_required="")]})
    assert batch.status_code == 200, batch.text
    body = batch.json()
    assert (body["inserted"], body["rejected"]) == (1, 2)
    assert [e["index"] for e in body["errors"]] == [1, 2]
    feed = api.get("/referrals", headers=nhrs).json()["items"]
    assert feed[0]["state"] == "attended"


def test_the_funnel_is_what_the_command_line_prints_as_json(api, runtime, referrals, dtoa):
    reporting = token(runtime, "inspectorate", "reporting")
    for publish in (False, True):
        params = {"from": "2022-10-01", "to": "2022-12-31", "suite": "basingstoke",
                  **({"publish": "true"} if publish else {})}
        answer = api.get("/funnel", params=params, headers=reporting)
        assert answer.status_code == 200, answer.text
        printed = dtoa("report", "funnel", "--from", "2022-10-01", "--to", "2022-12-31",
                       "--suite", "basingstoke", "--format", "json",
                       *(["--publish"] if publish else [])).stdout
        assert answer.json() == json.loads(printed)
        assert list(answer.json())[:3] == ["suite", "from", "to"]
    unknown = api.get("/funnel", params={"from": "2022-10-01", "to": "2022-12-31",
                                         "suite": "NOWHERE"}, headers=reporting)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "suite"


def test_a_provider_sees_where_each_assessment_is_held_in_custody_or_in_the_community(
        api, runtime):
    with session_scope(runtime.engine) as session:
        make_referral(session)
        _, in_custody = make_referral(session, reference="BAS-2022-000002",
                                      custody_ref="BAS/22/0002",
                                      appointment_at=datetime(2022, 10, 4, 11, tzinfo=UTC),
                                      location="Basingstoke custody suite")
        in_custody.setting = AssessmentSetting.CUSTODY
        in_custody.custody_suite = "BASINGSTOKE"
    nhrs = token(runtime, "nhrs-cases", "provider", provider="NHRS")
    appointments = api.get("/appointments", headers=nhrs).json()["items"]
    assert sorted((a["reference"], a["setting"], a["custody_suite"]) for a in appointments) == [
        ("BAS-2022-000001", "community", None),
        ("BAS-2022-000002", "custody", "BASINGSTOKE")]
    referrals = api.get("/referrals", headers=nhrs).json()["items"]
    assert sorted((r["reference"], r["setting"]) for r in referrals) == [
        ("BAS-2022-000001", "community"), ("BAS-2022-000002", "custody")]
