"""Hostile values in a request never reach the database as a server error: ids beyond the
database's integers answer 404, malformed or out-of-range weeks and numbers 422, a NUL byte
anywhere (PostgreSQL cannot store one, and no account is needed to send one) 422, and every
redirect is URL-encoded so a value cannot smuggle in another parameter. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from structlog.testing import capture_logs

from dtoa.accounts import add_user
from dtoa.ingest import ingest_file
from dtoa.models import Detention, DrugTest
from dtoa.store import session_scope
from dtoa.testing import detention_row, write_csv
from dtoa.web import create_app
from dtoa.web.testing import form_token, signed_in

PASSWORD = "correct horse battery"
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
SMUGGLED = "BAS/22/0001&custody_ref=BAS/22/0002"


@pytest.fixture
def app(runtime):
    with session_scope(runtime.engine) as session:
        for name, role, scope in (("desk", "custody", {"force": HAMPSHIRE}),
                                  ("nhrs", "provider", {"provider": "NHRS"}),
                                  ("inspector", "inspector", {})):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test", **scope)
    return create_app(runtime)


@pytest.fixture
def detentions(runtime, tmp_path):
    """Two Basingstoke detentions, one whose custody reference holds a second parameter."""
    path = write_csv(tmp_path / "detentions.csv", [
        detention_row(custody_ref=SMUGGLED),
        detention_row(custody_ref="BAS/22/0002", person_ref="P-OTHER")])
    summary = ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", path)
    assert summary.rows_inserted == 2


@pytest.mark.parametrize("letter_id", ["12345678901234567890123", "2147483648", "0", "-1",
                                       "abc"])
def test_a_letter_id_the_database_cannot_hold_is_not_found(app, letter_id):
    response = signed_in(app, "nhrs", PASSWORD).get(f"/provider/letter/{letter_id}")
    assert response.status_code == 404
    assert "<h1>Not found.</h1>" in response.text


@pytest.mark.parametrize("week, message", [
    ("0001-W01", "Choose a week from 2000-W01 to 2999-W52."),
    ("9999-W52", "Choose a week from 2000-W01 to 2999-W52."),
    ("2022-W53", "2022 has no week 53: choose one from 01 to 52."),
    ("2022-W00", "2022 has no week 0"),
    ("2022-53", "Choose a week as YYYY-Www"),
    ("W01-2022", "Choose a week as YYYY-Www"),
    ("２０２２-W01", "Choose a week as YYYY-Www"),
])
def test_an_impossible_week_is_refused_with_what_to_choose(app, week, message):
    response = signed_in(app, "inspector", PASSWORD).get("/inspector", params={"week": week})
    assert response.status_code == 422
    assert message in response.text


def test_the_last_week_the_reports_take_is_shown(app):
    response = signed_in(app, "inspector", PASSWORD).get("/inspector",
                                                         params={"week": "2999-W52"})
    assert response.status_code == 200


@pytest.mark.parametrize("within", ["100000000000000000000", "-1", "soon"])
def test_an_impossible_number_of_days_is_refused(app, within):
    response = signed_in(app, "inspector", PASSWORD).get("/inspector/prosecutions",
                                                         params={"within": within})
    assert response.status_code == 422
    assert "within:" in response.text


def test_a_nul_byte_in_the_sign_in_user_name_is_refused_without_an_account(app):
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    with capture_logs() as logs:
        response = client.post("/login", data={"username": "admin\x00", "password": "x",
                                               "csrf_token": form_token(page.text)})
    assert response.status_code == 422
    assert "contains a NUL byte" in response.text and "“username”" in response.text
    assert [e["event"] for e in logs] == ["web.input_refused"]


def test_a_nul_byte_in_a_custody_form_field_is_refused_and_nothing_is_recorded(
        app, detentions, runtime):
    client = signed_in(app, "desk", PASSWORD)
    page = client.get("/custody/detention", params={"suite": "BASINGSTOKE",
                                                    "custody_ref": "BAS/22/0002"})
    response = client.post("/custody/detention/test", data={
        "csrf_token": form_token(page.text), "suite": "BASINGSTOKE",
        "custody_ref": "BAS/22/0002", "outcome": "refused", "tested_at": "2022-10-03T15:05",
        "officer_ref": "PC\x001234"})
    assert response.status_code == 422
    assert "“officer_ref” contains a NUL byte" in response.text
    with Session(runtime.engine) as session:
        assert session.exec(select(DrugTest)).all() == []


@pytest.mark.parametrize("path", [
    "/custody/detention?suite=BASINGSTOKE&custody_ref=BAS%00",
    "/custody/detention?suite=BASINGSTOKE%00&custody_ref=BAS/22/0002",
    "/custody?x%00=1",
])
def test_a_nul_byte_in_a_query_string_is_refused(app, path):
    response = signed_in(app, "desk", PASSWORD).get(path)
    assert response.status_code == 422
    assert "contains a NUL byte" in response.text


def test_a_nul_byte_in_a_path_is_refused(app):
    response = signed_in(app, "nhrs", PASSWORD).get("/provider/referral/BAS-2022%00")
    assert response.status_code == 422


def test_saving_a_test_returns_to_the_same_detention_whatever_its_reference_holds(
        app, detentions, runtime):
    client = signed_in(app, "desk", PASSWORD)
    page = client.get("/custody/detention", params={"suite": "BASINGSTOKE",
                                                    "custody_ref": SMUGGLED})
    assert page.status_code == 200
    saved = client.post("/custody/detention/test", data={
        "csrf_token": form_token(page.text), "suite": "BASINGSTOKE", "custody_ref": SMUGGLED,
        "outcome": "refused", "tested_at": "2022-10-03T15:05", "officer_ref": "PC 1234"})
    assert saved.status_code == 303
    location = urlsplit(saved.headers["location"])
    assert parse_qs(location.query) == {"suite": ["BASINGSTOKE"], "custody_ref": [SMUGGLED]}
    shown = client.get(saved.headers["location"])
    assert SMUGGLED.replace("&", "&amp;") in shown.text and "Test recorded" in shown.text
    with Session(runtime.engine) as session:
        [tested_ref] = session.exec(select(Detention.custody_ref).join(
            DrugTest, DrugTest.detention_id == Detention.id)).all()
    assert tested_ref == SMUGGLED


@pytest.mark.parametrize("next_path", ["//evil.example/", "/\\evil.example/",
                                       "https://evil.example/"])
def test_signing_in_never_sends_the_browser_to_another_site(app, next_path):
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login", params={"next": next_path})
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD,
                                           "csrf_token": form_token(page.text),
                                           "next": next_path})
    assert response.headers["location"] == "/inspector"


def test_an_unexpected_error_is_a_plain_page_and_one_log_line_without_its_message(
        app, monkeypatch):
    def fails(_session):  # noqa: ANN001, ANN202
        raise RuntimeError("parameters: {'person_name': 'Jane Doe', 'birth_date': '1990-01-01'}")

    monkeypatch.setattr("dtoa.web.inspector.chase_list", fails)
    client = signed_in(app, "inspector", PASSWORD)
    with capture_logs() as logs:
        response = client.get("/inspector/chase")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "Jane Doe" not in response.text
    [event] = [e for e in logs if e["event"] == "web.unexpected_error"]
    assert event["error"] == "RuntimeError" and event["path"] == "/inspector/chase"
    assert "Jane Doe" not in json.dumps(logs) and "1990" not in json.dumps(logs)


@pytest.mark.parametrize("decided_at", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00",
                                        "1999-12-31T23:59"])
def test_a_time_at_the_calendars_ends_is_refused_with_its_field(app, decided_at):
    client = signed_in(app, "inspector", PASSWORD)
    page = client.get("/inspector/prosecutions")
    response = client.post("/inspector/prosecutions/BAS-2022-000001/decision", data={
        "csrf_token": form_token(page.text), "decision": "charged", "decided_at": decided_at})
    assert response.status_code == 303
    shown = client.get(response.headers["location"]).text
    assert "not recorded: give a date and time in the years 2000 to 2999" in shown
