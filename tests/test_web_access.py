"""Sign-in, CSRF, idle expiry, audit of web changes, and each role refused outside its own data
(FastAPI's TestClient against the real application, on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from structlog.testing import capture_logs

from dtoa.accounts import add_user
from dtoa.ingest import ingest_file
from dtoa.models import AuditEvent, DrugTest, Letter, Referral, User
from dtoa.pipelines.letters import letters as letters_step
from dtoa.referrals.serve import serve
from dtoa.store import session_scope
from dtoa.testing import detention_row, sample_row, write_csv
from dtoa.web import create_app

PASSWORD = "correct horse battery"
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
THAMES_VALLEY = "Thames Valley Police"
ROLES = {"hants": "custody", "nhrs": "provider", "inspector": "inspector", "admin": "admin"}


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def accounts(runtime):
    with session_scope(runtime.engine) as session:
        for name, role, scope in (("hants", "custody", {"force": HAMPSHIRE}),
                                  ("tvp", "custody", {"force": THAMES_VALLEY}),
                                  ("nhrs", "provider", {"provider": "NHRS"}),
                                  ("mkdas", "provider", {"provider": "MKDAS"}),
                                  ("inspector", "inspector", {}),
                                  ("admin", "admin", {})):
            add_user(session, runtime.settings, runtime.clock, username=name,
                     password=PASSWORD, role=role, actor="test", **scope)


@pytest.fixture
def detentions(runtime, tmp_path):
    """One eligible detention at a Hampshire suite and one at a Thames Valley suite."""
    rows = [detention_row(),
            detention_row(suite="MILTON_KEYNES", custody_ref="MK/23/0001",
                          arrested_at="2022-10-03T10:00:00", home_area="Olney")]
    path = write_csv(tmp_path / "detentions.csv", rows)
    summary = ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", path)
    assert summary.rows_inserted == 2


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token(page.text), "next": "/"})
    assert response.status_code == 303, response.text
    return client


def refusals(logs: list[dict]) -> list[dict]:
    return [e for e in logs if e["event"] == "web.access_refused"]


def test_signing_in_needs_the_right_password(app, accounts):
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    wrong = client.post("/login", data={"username": "hants", "password": "guess",
                                        "csrf_token": token(page.text)})
    assert wrong.status_code == 401
    assert "not recognised" in wrong.text
    assert client.get("/custody").headers["location"].startswith("/login")


def test_each_role_lands_on_its_own_start_page(app, accounts):
    for name, home in (("hants", "/custody"), ("nhrs", "/provider"),
                       ("inspector", "/inspector"), ("admin", "/admin/users")):
        assert sign_in(app, name).get("/").headers["location"] == home


@pytest.mark.parametrize("name, forbidden", [
    ("hants", ["/provider", "/inspector/prosecutions", "/admin/users"]),
    ("nhrs", ["/custody", "/inspector/chase", "/admin/users"]),
    ("inspector", ["/custody", "/provider", "/admin/users"]),
    ("admin", ["/custody", "/provider", "/inspector/chase"]),
])
def test_a_role_is_refused_every_other_roles_pages_and_it_is_logged(app, accounts, name,
                                                                     forbidden):
    client = sign_in(app, name)
    for path in forbidden:
        with capture_logs() as logs:
            assert client.get(path).status_code == 403, path
        assert refusals(logs) == [{"event": "web.access_refused", "log_level": "warning",
                                   "user": name, "role": ROLES[name],
                                   "what": "page", "status": 403, "path": path}]


def test_custody_user_sees_own_force_detention_with_its_eligibility(app, accounts, detentions):
    page = sign_in(app, "hants").get("/custody/detention",
                                     params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"})
    assert page.status_code == 200
    assert "Yes: eligible for testing (arrested for a trigger offence)" in page.text
    assert "Theft, Theft Act 1968 s.1: <span class=\"yes\">trigger offence</span>" in page.text


def test_custody_user_never_sees_another_forces_detention(app, accounts, detentions, runtime):
    runtime.clock.set(datetime(2022, 10, 4, 12, tzinfo=UTC))  # both arrests are recent
    client = sign_in(app, "hants")
    with capture_logs() as logs:
        page = client.get("/custody/detention",
                          params={"suite": "MILTON_KEYNES", "custody_ref": "MK/23/0001"})
    assert page.status_code == 404
    assert "MK/23/0001" not in page.text
    [refusal] = refusals(logs)
    assert refusal["user"] == "hants" and refusal["what"] == "detention"
    assert "MK/23/0001" not in json.dumps(logs)
    listing = client.get("/custody").text
    assert "BAS/22/0001" in listing and "MK/23/0001" not in listing


def test_custody_user_cannot_record_a_test_on_another_forces_detention(app, accounts,
                                                                       detentions, runtime):
    client = sign_in(app, "hants")
    form = client.get("/custody").text
    with capture_logs() as logs:
        response = client.post("/custody/detention/test", data={
            "csrf_token": token(form), "suite": "MILTON_KEYNES", "custody_ref": "MK/23/0001",
            "outcome": "tested", "cocaine": "positive", "opiates": "negative",
            "tested_at": "2022-10-03T11:00", "officer_ref": "PC 1"})
    assert response.status_code == 404
    assert refusals(logs)[0]["what"] == "detention"
    with Session(runtime.engine) as session:
        assert session.exec(select(DrugTest)).all() == []


def test_desk_entry_is_checked_like_an_extract_row_and_errors_sit_by_their_field(
        app, accounts, detentions, runtime):
    client = sign_in(app, "hants")
    page = client.get("/custody/detention",
                      params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"})
    response = client.post("/custody/detention/test", data={
        "csrf_token": token(page.text), "suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001",
        "outcome": "tested", "opiates": "negative", "tested_at": "2022-10-03T15:05",
        "officer_ref": "PC 1234"})
    assert response.status_code == 422
    assert re.search(r'id="cocaine-error">a tested sample needs positive or negative<',
                     response.text)
    with Session(runtime.engine) as session:
        assert session.exec(select(DrugTest)).all() == []


def test_desk_entry_and_correction_are_audited_with_the_signed_in_user(app, accounts,
                                                                       detentions, runtime):
    client = sign_in(app, "hants")
    page = client.get("/custody/detention",
                      params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"})
    form = {"csrf_token": token(page.text), "suite": "BASINGSTOKE",
            "custody_ref": "BAS/22/0001", "outcome": "tested", "cocaine": "positive",
            "opiates": "negative", "tested_at": "2022-10-03T15:05", "officer_ref": "PC 1234"}
    assert client.post("/custody/detention/test", data=form).status_code == 303
    assert client.post("/custody/detention/test",
                       data=dict(form, opiates="positive")).status_code == 303
    shown = client.get("/custody/detention",
                       params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"}).text
    assert "Test corrected" in shown and "positive for cocaine and opiates" in shown
    with Session(runtime.engine) as session:
        test = session.exec(select(DrugTest)).one()
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "drug_test",
                                                       AuditEvent.actor == "hants")
                              .order_by(AuditEvent.id)).all()
    assert test.result == "positive"
    assert [e.action for e in events] == ["created", "updated"]
    assert json.loads(events[1].changes)["results"] == [{"cocaine": True, "opiates": False},
                                                        {"cocaine": True, "opiates": True}]


def test_a_post_without_the_sessions_csrf_token_is_refused(app, accounts, detentions, runtime):
    client = sign_in(app, "hants")
    response = client.post("/custody/detention/test", data={
        "csrf_token": "forged", "suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001",
        "outcome": "not_tested", "not_tested_reason": "unfit", "tested_at": "2022-10-03T15:05",
        "officer_ref": "PC 1"})
    assert response.status_code == 403
    with Session(runtime.engine) as session:
        assert session.exec(select(DrugTest)).all() == []


def test_the_chase_list_has_a_plain_title_and_each_list_once(app, accounts):
    page = sign_in(app, "inspector").get("/inspector/chase").text
    assert "<title>Chase list · Drug testing on arrest</title>" in page
    assert page.count('id="no-capacity"') == 1 and page.count('id="chase"') == 1


def test_an_idle_session_expires(app, accounts, runtime):
    client = sign_in(app, "inspector")
    runtime.clock.advance(minutes=29)
    assert client.get("/inspector/chase").status_code == 200
    runtime.clock.advance(minutes=31)
    expired = client.get("/inspector/chase")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login?next=/inspector/chase&expired=1"
    assert client.get("/inspector/chase").headers["location"].startswith("/login")


def test_a_switched_off_account_is_signed_out_at_once(app, accounts):
    hants = sign_in(app, "hants")
    admin = sign_in(app, "admin")
    page = admin.get("/admin/users")
    assert admin.post("/admin/users/hants/active",
                      data={"csrf_token": token(page.text), "active": "false"}).status_code == 303
    assert hants.get("/custody").headers["location"].startswith("/login")


def test_pages_escape_what_they_show(app, accounts, runtime, tmp_path):
    path = write_csv(tmp_path / "d.csv", [detention_row(custody_ref="<script>alert(1)</script>")])
    ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", path)
    runtime.clock.set(datetime(2022, 10, 4, 12, tzinfo=UTC))
    page = sign_in(app, "hants").get("/custody").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.fixture
def referrals(runtime, tmp_path):
    """Two positive tests on 4 April 2023, one at each force, each served at its desk (NHRS for
    Basingstoke, MKDAS for Milton Keynes), then the night's letters.
    Returns {provider: (reference, referral letter id)}."""
    runtime.clock.set(datetime(2023, 4, 4, 12, tzinfo=UTC))
    people = [dict(custody_ref="BAS/23/0100"),
              dict(suite="MILTON_KEYNES", custody_ref="MK/23/0100", home_area="Olney")]
    ingest_file(runtime.engine, runtime.settings, runtime.clock, "detentions", write_csv(
        tmp_path / "arrests.csv",
        [detention_row(arrested_at="2023-04-04T09:00:00", **p) for p in people]))
    ingest_file(runtime.engine, runtime.settings, runtime.clock, "tests", write_csv(
        tmp_path / "tests.csv",
        [sample_row(tested_at="2023-04-04T10:00:00", **{k: v for k, v in p.items()
                                                         if k != "home_area"})
         for p in people]))
    for p in people:
        with session_scope(runtime.engine) as session:
            serve(session, runtime.settings, suite=p.get("suite", "BASINGSTOKE"),
                  custody_ref=p["custody_ref"], officer="PC 1", served_at=runtime.clock.now(),
                  now=runtime.clock.now(), actor="desk:PC 1")
    letters_step(runtime.engine, runtime.settings, runtime.clock)
    with Session(runtime.engine) as session:
        found = {}
        for referral in session.exec(select(Referral)):
            letter = session.exec(select(Letter).where(Letter.referral_id == referral.id,
                                                       Letter.kind == "referral")).one()
            found[referral.provider] = (referral.reference, letter.id)
    assert set(found) == {"NHRS", "MKDAS"}
    return found


def test_provider_sees_only_its_own_referrals_and_letters(app, accounts, referrals):
    (own_reference, own_letter), (other_reference, other_letter) = (referrals["NHRS"],
                                                                    referrals["MKDAS"])
    client = sign_in(app, "nhrs")
    listing = client.get("/provider").text
    assert own_reference in listing and other_reference not in listing
    assert client.get(f"/provider/referral/{own_reference}").status_code == 200
    letter = client.get(f"/provider/letter/{own_letter}")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    with capture_logs() as logs:
        assert client.get(f"/provider/referral/{other_reference}").status_code == 404
        assert client.get(f"/provider/letter/{other_letter}").status_code == 404
    assert [(r["user"], r["what"]) for r in refusals(logs)] == [("nhrs", "referral"),
                                                                ("nhrs", "letter")]


def test_provider_never_gets_the_persons_notice(app, accounts, referrals, runtime):
    with Session(runtime.engine) as session:
        notice = session.exec(select(Letter).join(Referral).where(
            Letter.kind == "notice", Referral.provider == "NHRS")).one()
    client = sign_in(app, "nhrs")
    assert "notice" not in client.get(f"/provider/referral/{referrals['NHRS'][0]}").text
    with capture_logs() as logs:
        assert client.get(f"/provider/letter/{notice.id}").status_code == 404
    assert refusals(logs)[0]["what"] == "letter"


def test_custody_user_prints_only_their_own_forces_notices(app, accounts, referrals):
    own, other = referrals["NHRS"][0], referrals["MKDAS"][0]
    client = sign_in(app, "hants")
    printed = client.get(f"/custody/notice/{own}")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert printed.headers["content-disposition"].startswith("inline")
    with capture_logs() as logs:
        assert client.get(f"/custody/notice/{other}").status_code == 404
    [refusal] = refusals(logs)
    assert (refusal["user"], refusal["what"], refusal["suite"]) == ("hants", "notice",
                                                                    "MILTON_KEYNES")


def test_custody_user_cannot_serve_on_another_forces_detention(app, accounts, detentions,
                                                               runtime):
    client = sign_in(app, "hants")
    form = client.get("/custody").text
    with capture_logs() as logs:
        response = client.post("/custody/detention/require", data={
            "csrf_token": token(form), "suite": "MILTON_KEYNES", "custody_ref": "MK/23/0001",
            "officer": "hants", "slot": ""})
    assert response.status_code == 404
    assert refusals(logs)[0]["what"] == "detention"
    with Session(runtime.engine) as session:
        assert session.exec(select(Referral)).all() == []


def test_a_session_too_soon_is_refused_in_words_on_the_desk_page(app, accounts, detentions,
                                                                  runtime):
    runtime.clock.set(datetime(2022, 10, 3, 15, 30, tzinfo=UTC))
    client = sign_in(app, "hants")
    page = client.get("/custody/detention",
                      params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"})
    client.post("/custody/detention/test", data={
        "csrf_token": token(page.text), "suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001",
        "outcome": "tested", "cocaine": "positive", "opiates": "negative",
        "tested_at": "2022-10-03T15:05", "officer_ref": "hants"})
    response = client.post("/custody/detention/require", data={
        "csrf_token": token(page.text), "suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001",
        "officer": "hants", "slot": "2022-10-04T09:00:00+00:00"})
    assert response.status_code == 422
    assert ("Not served: 2022-10-04 10:00 gives less than 24 hours&#39; notice."
            in response.text)
    with Session(runtime.engine) as session:
        assert session.exec(select(Referral)).all() == []


def test_provider_cannot_record_an_outcome_on_another_providers_referral(app, accounts,
                                                                         referrals):
    client = sign_in(app, "mkdas")
    page = client.get("/provider")
    with capture_logs() as logs:
        response = client.post(f"/provider/referral/{referrals['NHRS'][0]}/outcome", data={
            "csrf_token": token(page.text), "assessment": "initial",
            "outcome": "failed_to_attend", "outcome_at": "2022-12-31T10:00"})
    assert response.status_code == 404
    assert refusals(logs)[0]["user"] == "mkdas"


def test_admin_adds_a_user_and_the_change_is_audited(app, accounts, runtime):
    client = sign_in(app, "admin")
    page = client.get("/admin/users")
    response = client.post("/admin/users", data={
        "csrf_token": token(page.text), "username": "desk2", "password": PASSWORD,
        "role": "custody", "force": THAMES_VALLEY, "provider": ""})
    assert response.status_code == 303
    with Session(runtime.engine) as session:
        user = session.exec(select(User).where(User.username == "desk2")).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "web_user",
                                                      AuditEvent.entity_id == user.id)).one()
    assert (user.force, event.actor, event.action) == (THAMES_VALLEY, "admin", "created")
    assert PASSWORD not in event.changes and user.password_hash != PASSWORD
    assert sign_in(app, "desk2").get("/").headers["location"] == "/custody"


def test_users_add_on_the_command_line(dtoa, config_file):
    from click.testing import CliRunner

    from dtoa.cli import cli

    result = CliRunner().invoke(cli, ["--config", str(config_file), "users", "add", "pc1",
                                      "--role", "custody", "--force", HAMPSHIRE,
                                      "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "user pc1 added (custody)" in result.output
    refused = dtoa("users", "add", "p2", "--role", "provider", "--password-stdin", ok=False)
    assert refused.exit_code != 0
    assert "a provider user needs a provider code" in refused.output


def test_the_session_cookie_is_http_only_and_same_site_strict(app, accounts):
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                           "csrf_token": token(page.text)})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_signing_in_from_another_site_is_refused(app, accounts):
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/admin/users").headers["location"].startswith("/login")


def test_admin_form_shows_why_an_account_cannot_be_made(app, accounts, runtime):
    client = sign_in(app, "admin")
    page = client.get("/admin/users")
    response = client.post("/admin/users", data={
        "csrf_token": token(page.text), "username": "p9", "password": PASSWORD,
        "role": "provider", "provider": ""})
    assert response.status_code == 422
    assert "a provider user needs a provider code" in response.text
    with Session(runtime.engine) as session:
        assert session.exec(select(User).where(User.username == "p9")).first() is None


def test_a_desk_entry_made_while_a_file_import_holds_the_tests_is_refused_saying_so(
        app, accounts, detentions, runtime):
    from dtoa.store.locks import exclusive

    runtime.settings = runtime.settings.model_copy(update={
        "ingest": runtime.settings.ingest.model_copy(update={"lock_wait_seconds": 0})})
    client = sign_in(app, "hants")
    page = client.get("/custody/detention",
                      params={"suite": "BASINGSTOKE", "custody_ref": "BAS/22/0001"})
    form = {"csrf_token": token(page.text), "suite": "BASINGSTOKE",
            "custody_ref": "BAS/22/0001", "outcome": "tested", "cocaine": "positive",
            "opiates": "negative", "tested_at": "2022-10-03T15:05", "officer_ref": "PC 1234"}
    with exclusive(runtime.engine, "ingest-tests", timeout_s=0):
        busy = client.post("/custody/detention/test", data=form)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "60"
    assert "Nothing was saved" in busy.text and "Traceback" not in busy.text
    with Session(runtime.engine) as session:
        assert session.exec(select(DrugTest)).all() == []
    assert client.post("/custody/detention/test", data=form).status_code == 303
